package dev.keyway.dns;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.dns.testing.LoopbackIrohServer;
import dev.keyway.dns.testing.Packets;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * With the events logger at DEBUG, every DNS query is one event of the same shape whatever its
 * transport (UDP, TCP, DoH wire format and JSON): transport, client as {@code ip:port}, the
 * query name, the type's mnemonic, the status, the response size and the duration. At INFO
 * there is none.
 */
class QueryEventsTest {
  private static final String LOGGER = "events.keyway.dns.query";
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final Logger events = (Logger) LoggerFactory.getLogger(LOGGER);
  private final Logger publish = (Logger) LoggerFactory.getLogger("events.keyway.dns.publish");
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private Level eventsLevel;
  private Level publishLevel;

  @BeforeEach
  void attach() {
    eventsLevel = events.getLevel();
    publishLevel = publish.getLevel();
    appender.start();
    events.addAppender(appender);
    publish.addAppender(appender);
  }

  @AfterEach
  void detach() {
    events.detachAppender(appender);
    publish.detachAppender(appender);
    events.setLevel(eventsLevel);
    publish.setLevel(publishLevel);
  }

  private static Map<String, Object> fields(ILoggingEvent e) {
    Map<String, Object> m = new LinkedHashMap<>();
    List<KeyValuePair> kvs = e.getKeyValuePairs();
    if (kvs != null) {
      for (KeyValuePair kv : kvs) {
        m.put(kv.key, kv.value);
      }
    }
    return m;
  }

  private static byte[] query(String name, int type) throws Exception {
    Message m = Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN));
    m.getHeader().setID(4242);
    return m.toWire();
  }

  private static void udp(int port, byte[] q) throws Exception {
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      s.setSoTimeout(10_000);
      s.send(new DatagramPacket(q, q.length, InetAddress.getLoopbackAddress(), port));
      byte[] buf = new byte[65535];
      s.receive(new DatagramPacket(buf, buf.length));
    }
  }

  private static void tcp(int port, byte[] q) throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(10_000);
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      out.writeShort(q.length);
      out.write(q);
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      in.readFully(new byte[in.readUnsignedShort()]);
    }
  }

  private HttpResponse<byte[]> get(IrohDnsServer server, String pathAndQuery, String accept)
      throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort()
            + pathAndQuery)).header("accept", accept).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void everyTransportWritesOneQueryEventOfOneShape(@TempDir Path dir) throws Exception {
    events.setLevel(Level.DEBUG);
    publish.setLevel(Level.DEBUG);
    try (IrohDnsServer server = LoopbackIrohServer.start(dir, "")) {
      SecretKey key = Packets.key(new SplittableRandom(3));
      SignedPacket p = Packets.iroh(key, Packets.recent(1_000), "https://relay.example./", "192.0.2.5:1");
      HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
              + server.httpPort() + "/pkarr/" + key.publicKey().toZ32()))
          .PUT(HttpRequest.BodyPublishers.ofByteArray(p.toRelayPayload())).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(put.statusCode()).isEqualTo(204);
      String name = "_iroh." + key.publicKey().toZ32() + ".dns.example.";
      byte[] q = query(name, Type.TXT);

      udp(server.dnsPort(), q);
      tcp(server.dnsPort(), q);
      assertThat(get(server, "/dns-query?dns=" + Base64.getUrlEncoder().withoutPadding()
          .encodeToString(q), "application/dns-message").statusCode()).isEqualTo(200);
      assertThat(get(server, "/dns-query?name=" + name + "&type=TXT", "application/dns-json")
          .statusCode()).isEqualTo(200);
      udp(server.dnsPort(), query("nothing.dns.example.", Type.AAAA));

      List<Map<String, Object>> queries = appender.list.stream()
          .filter(e -> e.getLoggerName().equals(LOGGER)).map(QueryEventsTest::fields).toList();
      assertThat(queries).hasSize(5);
      assertThat(queries).extracting(m -> m.get("transport"))
          .containsExactly("udp", "tcp", "https", "https", "udp");
      for (Map<String, Object> m : queries) {
        assertThat(m.keySet()).containsExactly("event", "transport", "client", "qname", "qtype",
            "status", "truncated", "bytes", "duration_us");
        assertThat(m.get("event")).isEqualTo("query");
        assertThat(String.valueOf(m.get("client"))).matches("127\\.0\\.0\\.1:\\d+");
        assertThat((Integer) m.get("bytes")).isPositive();
        assertThat((Long) m.get("duration_us")).isNotNegative();
        assertThat(m.get("truncated")).isEqualTo(false);
      }
      for (Map<String, Object> m : queries.subList(0, 4)) {
        assertThat(m.get("qname")).isEqualTo(name);
        assertThat(m.get("qtype")).isEqualTo("TXT");
        assertThat(String.valueOf(m.get("status"))).isEqualTo("ANSWER");
      }
      assertThat(queries.get(4)).containsEntry("qname", "nothing.dns.example.")
          .containsEntry("qtype", "AAAA");
      assertThat(String.valueOf(queries.get(4).get("status"))).isEqualTo("NXDOMAIN");

      // the publish event writes its client the same way
      List<Map<String, Object>> published = appender.list.stream()
          .filter(e -> e.getLoggerName().equals("events.keyway.dns.publish"))
          .map(QueryEventsTest::fields).toList();
      assertThat(published).hasSize(1);
      assertThat(String.valueOf(published.get(0).get("client"))).matches("127\\.0\\.0\\.1:\\d+");

      // at INFO, nothing
      appender.list.clear();
      events.setLevel(Level.INFO);
      udp(server.dnsPort(), q);
      tcp(server.dnsPort(), q);
      assertThat(appender.list).isEmpty();
    }
  }

  @Test
  void theQueryNameIsReadFromTheWireOnlyAsFarAsItParses() throws Exception {
    byte[] q = query("a\\.b.dns.example.", Type.TXT);
    assertThat(QueryEvents.qname(q, 0, q.length)).isEqualTo("a\\.b.dns.example.");
    byte[] framed = new byte[q.length + 7];
    System.arraycopy(q, 0, framed, 5, q.length);
    assertThat(QueryEvents.qname(framed, 5, q.length)).isEqualTo("a\\.b.dns.example.");
    assertThat(QueryEvents.qname(q, 0, 12)).isEmpty();
    assertThat(QueryEvents.qname(q, 0, 16)).as("cut in the name").isEmpty();
    byte[] noQuestion = q.clone();
    noQuestion[5] = 0;
    assertThat(QueryEvents.qname(noQuestion, 0, q.length)).isEmpty();
    byte[] loop = java.util.Arrays.copyOf(q, 14);
    loop[12] = (byte) 0xc0; // a compression pointer to itself
    loop[13] = 12;
    assertThat(QueryEvents.qname(loop, 0, loop.length)).isEmpty();
    // a pointer into the header would make a name of the client-chosen id: no name either
    byte[] intoHeader = {0x01, 0x61, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        (byte) 0xc0, 0x00, 0x00, 0x01, 0x00, 0x01};
    assertThat(QueryEvents.qname(intoHeader, 0, intoHeader.length)).isEmpty();
  }
}
