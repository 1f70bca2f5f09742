package dev.keyway.relay;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.SignedPacket;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * A real relay on 127.0.0.1 with port 0 (HTTP and metrics), a real H2 store in a temp dir, and a
 * JDK HTTP client, for tests. Shared with the DNS server's tests through the test-jar.
 */
public final class TestRelay implements AutoCloseable {
  public final RelayServer server;
  public final HttpClient client;
  public final URI base;

  private TestRelay(RelayServer server) {
    this.server = server;
    this.client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10))
        .build();
    this.base = server.url();
  }

  /** The config tests start from: ports 0, loopback, data in {@code dir}, two event loops. */
  public static RelayConfig.Builder config(Path dir) {
    return RelayConfig.builder()
        .http(new RelayConfig.Http("127.0.0.1", 0, "/", RelayConfig.DEFAULT_MAX_FUTURE_SKEW, 2,
            Duration.ofSeconds(5)))
        .metrics(new RelayConfig.Metrics(true, "127.0.0.1", 0))
        .dataDir(dir);
  }

  public static TestRelay start(Path dir) {
    return start(dir, b -> b, Clock.systemUTC());
  }

  public static TestRelay start(Path dir, UnaryOperator<RelayConfig.Builder> customize, Clock clock) {
    RelayConfig config = customize.apply(config(dir)).build();
    return new TestRelay(RelayServer.builder(config).clock(clock).build().start());
  }

  /** Wraps an already started server. */
  public static TestRelay of(RelayServer server) {
    return new TestRelay(server);
  }

  /** {@code base + path} (path starts with /). */
  public URI uri(String path) {
    return URI.create(base + path);
  }

  public HttpResponse<byte[]> get(String path, String... headers) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri(path)).GET(), headers);
  }

  public HttpResponse<byte[]> head(String path, String... headers) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri(path)).method("HEAD", HttpRequest.BodyPublishers.noBody()), headers);
  }

  public HttpResponse<byte[]> put(String path, byte[] body, String... headers)
      throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri(path)).PUT(HttpRequest.BodyPublishers.ofByteArray(body)), headers);
  }

  /** A PUT sent without waiting for its answer (the client opens connections as it needs). */
  public java.util.concurrent.CompletableFuture<HttpResponse<byte[]>> putAsync(String path,
      byte[] body) {
    HttpRequest request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    return client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
  }

  /** PUTs a packet's relay payload under its own key. */
  public HttpResponse<byte[]> put(SignedPacket p, String... headers) throws IOException, InterruptedException {
    return put("/" + p.publicKey().toZ32(), p.toRelayPayload(), headers);
  }

  public HttpResponse<byte[]> send(HttpRequest.Builder request, String... headers)
      throws IOException, InterruptedException {
    request.timeout(Duration.ofSeconds(30));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** The metrics endpoint's text. */
  public String metrics() throws IOException, InterruptedException {
    HttpRequest r = HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics")).build();
    return client.send(r, HttpResponse.BodyHandlers.ofString()).body();
  }

  public static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  /** A deterministic key. */
  public static SecretKey key(long seed) {
    byte[] b = new byte[32];
    new Random(seed).nextBytes(b);
    return SecretKey.fromBytes(b);
  }

  /** A small packet: one TXT record under {@code _test}, TTL 60. */
  public static SignedPacket packet(SecretKey key, long ts, String text) {
    return SignedPacket.builder().txt("_test", 60, text).sign(key, ts);
  }

  @Override
  public void close() {
    server.close();
  }
}
