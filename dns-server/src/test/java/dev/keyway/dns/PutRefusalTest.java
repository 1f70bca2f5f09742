package dev.keyway.dns;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.MicrosClock;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.client.store.InMemoryPacketStore;
import dev.keyway.client.store.PacketStore;
import dev.keyway.client.store.StoredPacket;
import dev.keyway.client.store.UpsertOutcome;
import dev.keyway.dns.http.IrohHttpApi;
import dev.keyway.dns.testing.LoopbackIrohServer;
import dev.keyway.dns.testing.Packets;
import dev.keyway.relay.store.H2Dialect;
import dev.keyway.relay.store.PacketStoreException;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A PUT /pkarr the DNS server refuses is counted by why ({@code
 * dns_server_pkarr_publish_refused_total{outcome}}, so a DNS-server-only deployment can alert on
 * a full queue or a failed store), and a store that refuses every PUT is logged once a minute per
 * kind without a stack trace, not once per PUT. The server's monotonic clock is injected, so the
 * minute passes without sleeping.
 */
class PutRefusalTest {
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final Logger logger = (Logger) LoggerFactory.getLogger(IrohHttpApi.class);
  private final AtomicLong nanos = new AtomicLong(System.nanoTime());
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final SplittableRandom random = new SplittableRandom(17);

  @BeforeEach
  void attach() {
    appender.start();
    logger.addAppender(appender);
  }

  @AfterEach
  void detach() {
    logger.detachAppender(appender);
    registry.close();
  }

  private IrohDnsServer start(Path dir, PacketStore store, String httpKeys) {
    IrohDnsServer.Builder b = IrohDnsServer.builder(LoopbackIrohServer.config(dir, httpKeys, ""))
        .nanoTime(nanos::get).meterRegistry(registry);
    if (store != null) {
      b.store(store);
    }
    return b.build().start();
  }

  private List<ILoggingEvent> warnings() {
    return appender.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).toList();
  }

  private HttpResponse<String> put(IrohDnsServer server, String key, byte[] body) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort()
            + "/pkarr/" + key)).timeout(Duration.ofSeconds(20))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private HttpResponse<String> put(IrohDnsServer server, SignedPacket p) throws Exception {
    return put(server, p.publicKey().toZ32(), p.toRelayPayload());
  }

  private SignedPacket fresh() {
    return Packets.iroh(Packets.key(random), Packets.recent(1_000), "https://relay.example./",
        "192.0.2.5:1");
  }

  private String scrape() {
    return registry.scrape();
  }

  private static String refused(String outcome, int n) {
    return "dns_server_pkarr_publish_refused_total{outcome=\"" + outcome + "\"} " + n + ".0";
  }

  @Test
  void aFailedStoreIsLoggedOnceAMinuteWithoutAStackTraceAndCounted(@TempDir Path dir)
      throws Exception {
    try (IrohDnsServer server = start(dir, null, "")) {
      assertThat(put(server, fresh()).statusCode()).isEqualTo(204);
      try (Connection c = H2Dialect.file(dir.resolve("data")).connect();
          Statement st = c.createStatement()) {
        st.execute("SHUTDOWN");
      }
      for (int i = 0; i < 20; i++) {
        assertThat(put(server, fresh()).statusCode()).isEqualTo(500);
      }
      assertThat(warnings()).hasSize(1);
      assertThat(warnings().get(0).getFormattedMessage())
          .contains("PUT /pkarr refused with 500: the store failed", "PUT /pkarr/");
      assertThat(warnings().get(0).getThrowableProxy()).isNull();

      nanos.addAndGet(TimeUnit.SECONDS.toNanos(61));
      for (int i = 0; i < 5; i++) {
        assertThat(put(server, fresh()).statusCode()).isEqualTo(500);
      }
      assertThat(warnings()).hasSize(2);
      assertThat(warnings().get(1).getFormattedMessage())
          .contains("PUT /pkarr refused with 500: the store failed: 20 times in the last 61 s",
              "packet store failed");
      assertThat(warnings().get(1).getThrowableProxy()).isNull();
      assertThat(scrape()).contains(refused("error", 25), refused("overloaded", 0));
    }
  }

  @Test
  void anOverloadedStoreIsLoggedOnceAMinuteAndCounted(@TempDir Path dir) throws Exception {
    try (OverloadedStore store = new OverloadedStore();
        IrohDnsServer server = start(dir, store, "")) {
      for (int i = 0; i < 30; i++) {
        HttpResponse<String> answer = put(server, fresh());
        assertThat(answer.statusCode()).isEqualTo(503);
        assertThat(answer.headers().firstValue("retry-after")).contains("1");
        if (i == 9) {
          nanos.addAndGet(TimeUnit.MINUTES.toNanos(2));
        }
      }
      assertThat(warnings()).hasSize(2);
      assertThat(warnings().get(0).getFormattedMessage())
          .contains("PUT /pkarr refused with 503: the store's write queue is full", "16384 upserts");
      assertThat(warnings().get(1).getFormattedMessage())
          .contains("the store's write queue is full: 10 times in the last 120 s");
      assertThat(warnings()).allMatch(e -> e.getThrowableProxy() == null);
      assertThat(scrape()).contains(refused("overloaded", 30), refused("error", 0),
          "dns_server_pkarr_publish_update_total 0.0");
    }
  }

  /** Every refusal an iroh-API PUT can get moves its own counter, and only that one. */
  @Test
  void refusedPutsAreCountedByOutcome(@TempDir Path dir) throws Exception {
    try (InMemoryPacketStore store = new InMemoryPacketStore(MicrosClock.of(java.time.Clock.systemUTC()));
        IrohDnsServer server = start(dir, store, "request_body_timeout = \"600ms\"")) {
      assertThat(scrape()).contains(refused("invalid", 0), refused("too_large", 0),
          refused("timeout", 0), refused("overloaded", 0), refused("error", 0));
      SignedPacket good = fresh();
      assertThat(put(server, good).statusCode()).isEqualTo(204);
      // 400: a key that is not z-base-32, a payload signed by another key, a packet from the future
      assertThat(put(server, "not-a-key", good.toRelayPayload()).statusCode()).isEqualTo(400);
      SecretKey other = Packets.key(random);
      assertThat(put(server, other.publicKey().toZ32(), good.toRelayPayload()).statusCode())
          .isEqualTo(400);
      SignedPacket ahead = Packets.iroh(other, (System.currentTimeMillis() + 7_200_000L) * 1_000L,
          "https://relay.example./", "192.0.2.5:1");
      assertThat(put(server, ahead).statusCode()).isEqualTo(400);
      assertThat(scrape()).contains(refused("invalid", 3), refused("too_large", 0));
      // 413: a body over the 16 KiB read
      assertThat(put(server, good.publicKey().toZ32(), new byte[20_000]).statusCode()).isEqualTo(413);
      assertThat(scrape()).contains(refused("too_large", 1));
      // 408: a body that does not arrive in time
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", server.httpPort()), 10_000);
        s.setSoTimeout(20_000);
        OutputStream out = s.getOutputStream();
        out.write(("PUT /pkarr/" + good.publicKey().toZ32() + " HTTP/1.1\r\nHost: x\r\n"
            + "Content-Length: 200\r\n\r\nabc").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        InputStream in = s.getInputStream();
        String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(answer).startsWith("HTTP/1.1 408 ");
      }
      assertThat(scrape()).contains(refused("timeout", 1), refused("invalid", 3),
          refused("overloaded", 0), refused("error", 0),
          "dns_server_pkarr_publish_update_total 1.0",
          "dns_server_pkarr_publish_rate_limited_total 0.0");
      assertThat(warnings()).as("4xx are the client's business").isEmpty();
    }
  }

  /**
   * Every spelling of the route the router matches counts a refused PUT: the check used the raw
   * path, so "/./pkarr/k" or "//pkarr/k" were refused uncounted (and invisible to the alert).
   */
  @Test
  void refusedPutsAreCountedWhateverTheSpellingOfThePath(@TempDir Path dir) throws Exception {
    try (InMemoryPacketStore store = new InMemoryPacketStore(MicrosClock.of(java.time.Clock.systemUTC()));
        IrohDnsServer server = start(dir, store, "")) {
      String key = fresh().publicKey().toZ32();
      List<String> paths = List.of("/pkarr/" + key, "/./pkarr/" + key, "/pkarr/../pkarr/" + key,
          "/%70karr/" + key, "//pkarr/" + key, "/x/../pkarr/" + key);
      for (String path : paths) {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress("127.0.0.1", server.httpPort()), 10_000);
          s.setSoTimeout(20_000);
          OutputStream out = s.getOutputStream();
          out.write(("PUT " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
              + "Content-Length: 100\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
          out.write(new byte[100]);
          out.flush();
          String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
          assertThat(answer).as(path).startsWith("HTTP/1.1 400 ");
        }
      }
      assertThat(scrape()).contains(refused("invalid", paths.size()));
    }
  }

  /** A store whose writer queue is always full: every upsert is refused at once. */
  private static final class OverloadedStore implements PacketStore {
    private final InMemoryPacketStore reads = new InMemoryPacketStore(MicrosClock.of(java.time.Clock.systemUTC()));

    @Override
    public Optional<StoredPacket> get(PublicKey key) {
      return reads.get(key);
    }

    @Override
    public CompletableFuture<UpsertOutcome> upsert(SignedPacket packet) {
      return CompletableFuture.failedFuture(new PacketStoreException.Overloaded(
          "packet store is overloaded: 16384 upserts are waiting"));
    }

    @Override
    public long count() {
      return reads.count();
    }

    @Override
    public void close() {
      reads.close();
    }
  }
}
