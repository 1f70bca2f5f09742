package dev.keyway.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.dns.testing.LoopbackIrohServer;
import dev.keyway.dns.testing.Packets;
import dev.keyway.relay.store.H2Dialect;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DNS server's {@code /healthz} reflects its store: once the database has closed itself (as
 * H2 does after a failed write, e.g. on a full disk) it answers 503, where iroh's is always 200.
 */
class StoreFailureHealthTest {
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return client.send(b.timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  @Test
  void healthzIs503OnceTheStoreHasFailed(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    try (IrohDnsServer server = LoopbackIrohServer.start(dir, "")) {
      String base = "http://127.0.0.1:" + server.httpPort();
      SplittableRandom random = new SplittableRandom(5);
      SecretKey key = Packets.key(random);
      byte[] body = Packets.iroh(key, Packets.recent(1_000), "https://relay.example./", "192.0.2.5:1")
          .toRelayPayload();
      HttpRequest.Builder put = HttpRequest.newBuilder(URI.create(base + "/pkarr/"
          + key.publicKey().toZ32())).PUT(HttpRequest.BodyPublishers.ofByteArray(body));
      assertThat(send(put).statusCode()).isEqualTo(204);
      HttpRequest.Builder health = HttpRequest.newBuilder(URI.create(base + "/healthz")).GET();
      assertThat(send(health).statusCode()).isEqualTo(200);

      try (Connection c = H2Dialect.file(data).connect(); Statement st = c.createStatement()) {
        st.execute("SHUTDOWN");
      }
      SecretKey other = Packets.key(random);
      byte[] second = Packets.iroh(other, Packets.recent(1_000), "https://relay.example./",
          "192.0.2.6:1").toRelayPayload();
      assertThat(send(HttpRequest.newBuilder(URI.create(base + "/pkarr/" + other.publicKey().toZ32()))
          .PUT(HttpRequest.BodyPublishers.ofByteArray(second))).statusCode()).isEqualTo(500);
      HttpResponse<String> h = send(health);
      assertThat(h.statusCode()).isEqualTo(503);
      assertThat(h.body()).contains("\"status\":\"unavailable\"", "packet store failed");
    }
  }
}
