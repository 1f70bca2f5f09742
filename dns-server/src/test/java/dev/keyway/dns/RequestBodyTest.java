package dev.keyway.dns;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.dns.testing.LoopbackIrohServer;
import dev.keyway.dns.testing.Packets;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.StreamResetException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Request bodies of {@code PUT /pkarr} and {@code POST /dns-query} are raw bytes whatever their
 * {@code Content-Type}, as in iroh-dns-server: {@code application/x-www-form-urlencoded} (curl's
 * default for {@code --data-binary}) is never decoded as a form, and a body larger than the route
 * reads is a 413, with or without {@code Content-Length}. Real sockets: the JDK client, raw
 * HTTP/1.1 and curl (HTTP/1.1 and h2c).
 */
class RequestBodyTest {
  static final String FORM = "application/x-www-form-urlencoded";
  @TempDir static Path dir;
  static IrohDnsServer server;
  static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();
  static final SplittableRandom random = new SplittableRandom(77);
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void start() {
    server = LoopbackIrohServer.start(dir, "h2c = true", ""); // curl's h2c runs below
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  static URI url(String path) {
    return URI.create("http://127.0.0.1:" + server.httpPort() + path);
  }

  static HttpResponse<byte[]> send(HttpRequest.Builder b) throws Exception {
    return client.send(b.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static HttpResponse<byte[]> putForm(String z32, byte[] body) throws Exception {
    return send(HttpRequest.newBuilder(url("/pkarr/" + z32)).header("content-type", FORM)
        .PUT(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  /** A PUT without Content-Length: HTTP/1.1 chunked transfer coding. */
  static HttpResponse<byte[]> putChunked(String z32, byte[] body) throws Exception {
    return send(HttpRequest.newBuilder(url("/pkarr/" + z32)).header("content-type", FORM)
        .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))));
  }

  static JsonNode json(HttpResponse<byte[]> r) throws Exception {
    return JSON.readTree(r.body());
  }

  static boolean hasPercent(byte[] bytes) {
    for (byte b : bytes) {
      if (b == '%') {
        return true;
      }
    }
    return false;
  }

  static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  /** A valid packet whose relay payload holds '%' not followed by two hex digits. */
  static SignedPacket percentPacket(SecretKey key, long timestampMicros) {
    SignedPacket p = SignedPacket.builder()
        .txt("_iroh", 30, "relay=https://relay.example./")
        .txt("_iroh", 30, "note=100%zz & 50%%=half+more")
        .sign(key, Packets.recent(timestampMicros));
    assertThat(hasPercent(p.toRelayPayload())).isTrue();
    return p;
  }

  /**
   * A body trickled a byte at a time (which keeps an idle timeout from firing) and never finished
   * gets 408 once request_body_timeout has passed, with iroh's JSON error body, and the
   * connection is closed; nothing is stored.
   */
  @Test
  void aBodyNotCompleteWithinTheBodyTimeoutGets408AndItsConnectionCloses(@TempDir Path own)
      throws Exception {
    SecretKey key = Packets.key(random);
    byte[] payload = Packets.iroh(key, Packets.recent(1), "https://r.example./", "192.0.2.1:1")
        .toRelayPayload();
    try (IrohDnsServer slow = LoopbackIrohServer.start(own, "request_body_timeout = \"600ms\"", "")) {
      for (String target : List.of("/pkarr/" + key.publicKey().toZ32(), "/dns-query")) {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress("127.0.0.1", slow.httpPort()), 10_000);
          s.setSoTimeout(20_000);
          OutputStream out = s.getOutputStream();
          InputStream in = s.getInputStream();
          String method = target.equals("/dns-query") ? "POST" : "PUT";
          out.write((method + " " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: "
              + payload.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
          for (int sent = 0; sent < payload.length - 1 && in.available() == 0; sent++) {
            out.write(payload[sent]);
            out.flush();
            Thread.sleep(100); // pacing the client, not waiting for the server
          }
          String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1); // to EOF
          assertThat(answer).as(target).startsWith("HTTP/1.1 408 ");
          assertThat(answer.toLowerCase(java.util.Locale.ROOT)).contains("\r\nconnection: close\r\n");
          assertThat(answer).contains("request body did not arrive within 600ms");
        }
      }
      HttpResponse<String> get = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + slow.httpPort() + "/pkarr/" + key.publicKey().toZ32())).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(get.statusCode()).isEqualTo(404);
      // any route: a GET announcing a body it never sends is answered, and its connection,
      // which waits for the rest, ends at the timeout
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", slow.httpPort()), 10_000);
        s.setSoTimeout(20_000);
        s.getOutputStream().write(("GET /pkarr/" + key.publicKey().toZ32() + " HTTP/1.1\r\n"
            + "Host: x\r\nContent-Length: 1000\r\n\r\nab").getBytes(StandardCharsets.ISO_8859_1));
        String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(answer).startsWith("HTTP/1.1 404 ");
      }
      // a body that arrives in time is not affected
      HttpResponse<String> put = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + slow.httpPort() + "/pkarr/" + key.publicKey().toZ32()))
          .PUT(HttpRequest.BodyPublishers.ofByteArray(payload)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(put.statusCode()).isEqualTo(204);
    }
  }

  @Test
  void formContentTypeIsIgnoredOnPut() throws Exception {
    SecretKey key = Packets.key(random);
    String z = key.publicKey().toZ32();
    SignedPacket p = percentPacket(key, 1_000);
    HttpResponse<byte[]> put = putForm(z, p.toRelayPayload());
    assertThat(put.statusCode()).as(new String(put.body(), StandardCharsets.UTF_8)).isEqualTo(204);
    HttpResponse<byte[]> get = send(HttpRequest.newBuilder(url("/pkarr/" + z)).GET());
    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(get.body()).isEqualTo(p.toRelayPayload());

    // the same through chunked transfer coding (no Content-Length)
    SignedPacket newer = percentPacket(key, 2_000);
    assertThat(putChunked(z, newer.toRelayPayload()).statusCode()).isEqualTo(204);
    assertThat(send(HttpRequest.newBuilder(url("/pkarr/" + z)).GET()).body())
        .isEqualTo(newer.toRelayPayload());
  }

  @Test
  void binaryGarbageWithFormContentTypeIsA400NotA500() throws Exception {
    String z = Packets.key(random).publicKey().toZ32();
    byte[] garbage = randomBytes(2000);
    assertThat(hasPercent(garbage)).isTrue();
    HttpResponse<byte[]> r = putForm(z, garbage);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(json(r).get("detail").asText())
        .startsWith("invalid body payload: relay payload must be at most 1072 bytes");
    // short garbage full of '%': a 400 from the packet parser too
    byte[] percents = new byte[200];
    Arrays.fill(percents, (byte) '%');
    HttpResponse<byte[]> p = putForm(z, percents);
    assertThat(p.statusCode()).isEqualTo(400);
    assertThat(json(p).get("detail").asText()).startsWith("invalid body payload: ");
  }

  @Test
  void tooLargeBodiesAre413WithOrWithoutContentLength() throws Exception {
    String z = Packets.key(random).publicKey().toZ32();
    // exactly the route's limit is read (and is a 400 from the packet parser), one more is a 413
    HttpResponse<byte[]> atLimit = putForm(z, randomBytes(16 * 1024));
    assertThat(atLimit.statusCode()).isEqualTo(400);
    assertThat(putChunked(z, randomBytes(16 * 1024)).statusCode()).isEqualTo(400);
    HttpResponse<byte[]> declared = putForm(z, randomBytes(20_000));
    assertThat(declared.statusCode()).isEqualTo(413);
    assertThat(json(declared).get("status").asText()).isEqualTo("413");
    assertThat(json(declared).get("detail").asText()).isEqualTo("request body larger than 16384 bytes");
    assertThat(putForm(z, randomBytes(16 * 1024 + 1)).statusCode()).isEqualTo(413);
    HttpResponse<byte[]> chunked = putChunked(z, randomBytes(20_000));
    assertThat(chunked.statusCode()).isEqualTo(413);
    assertThat(json(chunked).get("detail").asText()).isEqualTo("request body larger than 16384 bytes");
    assertThat(putChunked(z, randomBytes(16 * 1024 + 1)).statusCode()).isEqualTo(413);
    // the server still answers, and still takes packets
    assertThat(send(HttpRequest.newBuilder(url("/healthz")).GET()).statusCode()).isEqualTo(200);
    SecretKey key = Packets.key(random);
    assertThat(putForm(key.publicKey().toZ32(), percentPacket(key, 5).toRelayPayload()).statusCode())
        .isEqualTo(204);
  }

  /** Broken percent-encoding in a query string is a 400 on every route, never a 500. */
  @Test
  void malformedQueryStringsAre400() throws Exception {
    String z = Packets.key(random).publicKey().toZ32();
    for (String target : new String[] {"/dns-query?name=%ZZ&type=TXT", "/pkarr/" + z + "?x=%",
        "/dns-query?dns=%E0%A4%A"}) {
      String response = rawGet(target, "Accept: application/dns-json\r\n");
      assertThat(response).as(target).startsWith("HTTP/1.1 400 ");
      assertThat(response).as(target).contains("malformed query string");
    }
  }

  /**
   * Broken percent-encoding in the path is iroh's JSON 400 too; Vert.x Web's route matching used
   * to answer a bare "Bad Request" and log an ERROR with a stack trace for each (found by a review).
   */
  @Test
  void malformedPathEscapesAre400WithAReason() throws Exception {
    for (String target : new String[] {"/%ZZ", "/pkarr/%ZZ", "/x%E", "/healthz%"}) {
      String response = rawGet(target, "");
      assertThat(response).as(target).startsWith("HTTP/1.1 400 ");
      assertThat(response).as(target).contains("malformed percent-encoding in the path")
          .containsIgnoringCase("content-type: application/json");
    }
    // A well-formed escape is still just a path.
    assertThat(send(HttpRequest.newBuilder(url("/%41")).GET()).statusCode()).isEqualTo(404);
  }

  /** The whole answer to a GET of {@code target} sent as written (a client would encode it). */
  private static String rawGet(String target, String headers) throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", server.httpPort()), 10_000);
      s.setSoTimeout(20_000);
      s.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers
          + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      return readAll(s.getInputStream());
    }
  }

  /**
   * A body under a coding is not read as if it were the bytes sent: a transfer coding besides
   * chunked is a 501, a content coding a 415 naming what would be accepted, and nothing is
   * stored, though the bytes are a valid payload (iroh reads them as sent and stores them).
   */
  @Test
  void bodiesUnderACodingAreRefusedNotStored() throws Exception {
    for (String[] c : new String[][] {
        {"Transfer-Encoding: gzip, chunked", "501", "Transfer-Encoding gzip is not supported"},
        {"Transfer-Encoding: x-custom;q=1 , Chunked", "501", "Transfer-Encoding x-custom is not supported"},
        {"Content-Encoding: gzip\r\nTransfer-Encoding: chunked", "415", "Content-Encoding gzip is not supported"},
        {"Content-Encoding: identity, br\r\nTransfer-Encoding: chunked", "415", "Content-Encoding br"}}) {
      SecretKey key = Packets.key(random);
      String z = key.publicKey().toZ32();
      String response = rawChunkedPut(z, c[0],
          Packets.iroh(key, Packets.recent(0), "https://relay.example./", "127.0.0.1:4433").toRelayPayload());
      assertThat(response).as(c[0]).startsWith("HTTP/1.1 " + c[1] + " ").contains(c[2])
          .containsIgnoringCase("content-type: application/json");
      if (c[1].equals("415")) {
        assertThat(response).as(c[0]).containsIgnoringCase("accept-encoding: identity");
      }
      assertThat(send(HttpRequest.newBuilder(url("/pkarr/" + z)).GET()).statusCode()).as(c[0]).isEqualTo(404);
    }
    // chunked alone, in any case, and the identity content coding are read as before
    for (String headers : new String[] {"Transfer-Encoding: Chunked",
        "Transfer-Encoding: chunked\r\nContent-Encoding: identity"}) {
      SecretKey key = Packets.key(random);
      String response = rawChunkedPut(key.publicKey().toZ32(), headers,
          Packets.iroh(key, Packets.recent(0), "https://relay.example./", "127.0.0.1:4433").toRelayPayload());
      assertThat(response).as(headers).startsWith("HTTP/1.1 204 ");
    }
  }

  /** The whole answer to a PUT whose body is sent as one chunk under {@code headers}. */
  private static String rawChunkedPut(String z32, String headers, byte[] body) throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", server.httpPort()), 10_000);
      s.setSoTimeout(20_000);
      OutputStream out = s.getOutputStream();
      out.write(("PUT /pkarr/" + z32 + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers
          + "\r\nConnection: close\r\n\r\n" + Integer.toHexString(body.length) + "\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.write("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return readAll(s.getInputStream());
    }
  }

  @Test
  void rawHttp1ChunkedOverflowAndBadContentLength() throws Exception {
    String z = Packets.key(random).publicKey().toZ32();
    // 20 chunks of 1000 bytes: answered 413 once past 16384, the connection then closed
    String head = "PUT /pkarr/" + z + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Content-Type: " + FORM + "\r\nTransfer-Encoding: chunked\r\n\r\n";
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", server.httpPort()), 10_000);
      s.setSoTimeout(20_000);
      OutputStream out = s.getOutputStream();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      byte[] chunk = new byte[1000];
      Arrays.fill(chunk, (byte) '%');
      for (int i = 0; i < 20; i++) {
        out.write("3e8\r\n".getBytes(StandardCharsets.US_ASCII));
        out.write(chunk);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String response = readAll(s.getInputStream());
      assertThat(response).startsWith("HTTP/1.1 413 ");
      assertThat(response).contains("request body larger than 16384 bytes");
    }
    // an unparsable Content-Length is a 400 (from Vert.x's HTTP decoder or from us), never a 500
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", server.httpPort()), 10_000);
      s.setSoTimeout(20_000);
      s.getOutputStream().write(("PUT /pkarr/" + z + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Content-Length: 12x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      assertThat(readAll(s.getInputStream())).startsWith("HTTP/1.1 400 ");
    }
    assertThat(send(HttpRequest.newBuilder(url("/healthz")).GET()).statusCode()).isEqualTo(200);
  }

  /**
   * A client that never stops sending (no Content-Length) gets its 413 and is then cut off after
   * the linger time: the HTTP/1.1 connection closed by the server, the HTTP/2 stream reset.
   */
  @Test
  void endlessUploadIsCutOffAfterTheAnswer() throws Exception {
    String z = Packets.key(random).publicKey().toZ32();
    // HTTP/1.1, raw: a client that ignores the answer and its Connection: close
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", server.httpPort()), 10_000);
      s.setSoTimeout(20_000);
      OutputStream out = s.getOutputStream();
      out.write(("PUT /pkarr/" + z + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + FORM
          + "\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      CompletableFuture<Throwable> cut = new CompletableFuture<>();
      Thread writer = new Thread(() -> {
        byte[] chunk = ("3e8\r\n" + "%".repeat(1000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        try {
          while (!cut.isDone()) {
            out.write(chunk);
            out.flush();
            Thread.sleep(5);
          }
        } catch (IOException | InterruptedException e) {
          cut.complete(e);
        }
      });
      writer.start();
      long start = System.nanoTime();
      String response = readAll(s.getInputStream());
      long closed = (System.nanoTime() - start) / 1_000_000;
      assertThat(response).startsWith("HTTP/1.1 413 ").contains("connection: close");
      assertThat(closed).isLessThan(15_000);
      assertThat(cut.get(20, TimeUnit.SECONDS)).isInstanceOf(IOException.class);
      writer.join(10_000);
    }
    // HTTP/2 (h2c, prior knowledge): the stream is reset with NO_ERROR
    Vertx vertx = Vertx.vertx();
    HttpClientAgent http = vertx.createHttpClient(new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
    try {
      HttpClientRequest req = http.request(HttpMethod.PUT, server.httpPort(), "127.0.0.1",
          "/pkarr/" + z).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      CompletableFuture<Integer> status = new CompletableFuture<>();
      CompletableFuture<Throwable> cut = new CompletableFuture<>();
      req.putHeader("content-type", FORM);
      req.response().onComplete(r -> {
        if (r.succeeded()) {
          status.complete(r.result().statusCode());
        } else {
          status.completeExceptionally(r.cause());
        }
      });
      req.exceptionHandler(cut::complete);
      Buffer chunk = Buffer.buffer(new byte[1000]);
      long timer = vertx.setPeriodic(5, t -> {
        if (!cut.isDone()) {
          req.write(chunk).onFailure(cut::complete);
        }
      });
      try {
        assertThat(status.get(20, TimeUnit.SECONDS)).isEqualTo(413);
        Throwable why = cut.get(20, TimeUnit.SECONDS);
        assertThat(why).as(why.toString()).isInstanceOf(StreamResetException.class);
        assertThat(((StreamResetException) why).getCode()).isZero();
        // the connection itself is still usable
        HttpClientRequest health = http.request(HttpMethod.GET, server.httpPort(), "127.0.0.1",
            "/healthz").toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        assertThat(health.connection()).isSameAs(req.connection());
        assertThat(health.send().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS)
            .statusCode()).isEqualTo(200);
      } finally {
        vertx.cancelTimer(timer);
      }
    } finally {
      http.close();
      vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
    assertThat(send(HttpRequest.newBuilder(url("/healthz")).GET()).statusCode()).isEqualTo(200);
  }

  /** Reads until the server closes the connection (or resets it after its answer). */
  static String readAll(InputStream in) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    try {
      for (int n; (n = in.read(buf)) >= 0; ) {
        b.write(buf, 0, n);
      }
    } catch (IOException e) {
      // a reset after the answer: keep what was read
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  @Test
  void dohPostIgnoresContentType() throws Exception {
    SecretKey key = Packets.key(random);
    String z = key.publicKey().toZ32();
    assertThat(send(HttpRequest.newBuilder(url("/pkarr/" + z)).PUT(HttpRequest.BodyPublishers
        .ofByteArray(Packets.iroh(key, Packets.recent(1), "https://relay.example./", "192.0.2.9:9").toRelayPayload())))
        .statusCode()).isEqualTo(204);
    Message query = Message.newQuery(Record.newRecord(
        Name.fromString("_iroh." + z + ".dns.example."), Type.TXT, DClass.IN));
    query.getHeader().setID(0x2525); // "%%": not a form
    byte[] q = query.toWire();
    HttpResponse<byte[]> wire = send(HttpRequest.newBuilder(url("/dns-query"))
        .header("content-type", "application/dns-message").POST(HttpRequest.BodyPublishers.ofByteArray(q)));
    assertThat(wire.statusCode()).isEqualTo(200);
    Message m = new Message(wire.body());
    assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(m.getSection(Section.ANSWER)).hasSize(2);
    for (String type : new String[] {FORM, "text/plain", "multipart/form-data; boundary=x"}) {
      HttpResponse<byte[]> r = send(HttpRequest.newBuilder(url("/dns-query"))
          .header("content-type", type).POST(HttpRequest.BodyPublishers.ofByteArray(q)));
      assertThat(r.statusCode()).as(type).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type")).hasValue("application/dns-message");
      assertThat(r.body()).as(type).isEqualTo(wire.body());
    }
    // no Content-Type, chunked
    HttpResponse<byte[]> chunked = send(HttpRequest.newBuilder(url("/dns-query"))
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(q))));
    assertThat(chunked.statusCode()).isEqualTo(200);
    assertThat(chunked.body()).isEqualTo(wire.body());
    // larger than the largest DNS message: 413; garbage: 400
    HttpResponse<byte[]> big = send(HttpRequest.newBuilder(url("/dns-query")).header("content-type", FORM)
        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[70_000])));
    assertThat(big.statusCode()).isEqualTo(413);
    assertThat(json(big).get("detail").asText()).isEqualTo("request body larger than 65535 bytes");
    HttpResponse<byte[]> garbage = send(HttpRequest.newBuilder(url("/dns-query")).header("content-type", FORM)
        .POST(HttpRequest.BodyPublishers.ofByteArray("%%%%%".getBytes(StandardCharsets.US_ASCII))));
    assertThat(garbage.statusCode()).isEqualTo(400);
  }

  /** curl exactly as a user would publish a payload file: {@code --data-binary} (form type). */
  static String curl(Path file, String path, String... extra) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("-X", "PUT", "--data-binary", "@" + file));
    cmd.addAll(List.of(extra));
    return curl(new ProcessBuilder(), path, cmd);
  }

  /**
   * curl uploading from stdin ({@code -T -}): no Content-Length, so chunked on HTTP/1.1 and
   * DATA frames of unannounced length on HTTP/2.
   */
  static String curlStreaming(Path file, String path, String... extra) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("-T", "-", "-H", "content-type: " + FORM));
    cmd.addAll(List.of(extra));
    return curl(new ProcessBuilder().redirectInput(file.toFile()), path, cmd);
  }

  static String curl(ProcessBuilder pb, String path, List<String> args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("curl", "--silent", "--show-error", "--max-time", "30",
        "-o", "/dev/null", "-w", "%{http_code} %{http_version}"));
    cmd.addAll(args);
    cmd.add("http://127.0.0.1:" + server.httpPort() + path);
    Process curl = pb.command(cmd).redirectErrorStream(true).start();
    String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(curl.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return out.trim();
  }

  @Test
  void curlDataBinaryOverHttp1AndH2c() throws Exception {
    SecretKey key = Packets.key(random);
    String path = "/pkarr/" + key.publicKey().toZ32();
    Path garbage = dir.resolve("garbage.bin");
    Files.write(garbage, randomBytes(2000));
    Path big = dir.resolve("big.bin");
    Files.write(big, randomBytes(20_000));
    long ts = 10;
    for (String[] version : new String[][] {{"--http1.1"}, {"--http2-prior-knowledge"}}) {
      String v = version[0].equals("--http1.1") ? "1.1" : "2";
      Path payload = dir.resolve("payload.bin");
      Files.write(payload, percentPacket(key, ts++).toRelayPayload());
      assertThat(curl(payload, path, version)).isEqualTo("204 " + v);
      assertThat(curl(garbage, path, version)).isEqualTo("400 " + v);
      assertThat(curl(big, path, version)).isEqualTo("413 " + v);
      // Expect: 100-continue is answered: the body is read and the packet published
      Files.write(payload, percentPacket(key, ts++).toRelayPayload());
      assertThat(curl(payload, path, version[0], "-H", "Expect: 100-continue")).isEqualTo("204 " + v);
      // streamed without Content-Length
      Files.write(payload, percentPacket(key, ts++).toRelayPayload());
      assertThat(curlStreaming(payload, path, version)).isEqualTo("204 " + v);
      assertThat(curlStreaming(garbage, path, version)).isEqualTo("400 " + v);
      assertThat(curlStreaming(big, path, version)).isEqualTo("413 " + v);
      // an endless upload is answered 413 (curl then stops sending)
      assertThat(curlStreaming(Path.of("/dev/zero"), path, version)).isEqualTo("413 " + v);
    }
  }
}
