package dev.keyway.dns;

import static dev.keyway.dns.testing.DnsTools.kdig;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.dns.testing.DnsTools.Result;
import dev.keyway.dns.testing.LoopbackIrohServer;
import dev.keyway.dns.testing.Packets;
import java.net.Inet4Address;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DNS over HTTPS ({@code /dns-query}, RFC 8484) with real third-party clients on the HTTPS
 * listener (self-signed certificate, which the clients are given as their CA): {@code kdig}
 * (knot-dnsutils), which speaks DoH over HTTP/2 only, with POST and GET, and {@code curl}, which
 * resolves a host name through DoH and then fetches a page from the address it got. The name is
 * a node's own: its signed packet holds an A record at the apex.
 */
class RealDohClientsTest {
  @TempDir static Path dir;
  static IrohDnsServer server;
  static Path certificate;
  static String z32;

  @BeforeAll
  static void start() throws Exception {
    server = LoopbackIrohServer.start(dir, """
        [https]
        port = 0
        bind_addr = "127.0.0.1"
        domains = ["localhost"]
        cert_mode = "self_signed"
        """);
    try (Stream<Path> files = Files.list(dir.resolve("data/cert_cache/self_signed"))) {
      certificate = files.filter(p -> p.toString().endsWith(".crt")).findFirst().orElseThrow();
    }
    SecretKey key = Packets.key(new SplittableRandom(31));
    z32 = key.publicKey().toZ32();
    SignedPacket packet = SignedPacket.builder()
        .a("@", 30, (Inet4Address) Packets.ip("127.0.0.1"))
        .txt("_iroh", 30, "addr=127.0.0.1:4433")
        .sign(key, System.currentTimeMillis() * 1000);
    HttpResponse<String> put = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.httpPort() + "/pkarr/" + z32))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(packet.toRelayPayload()))
        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(204);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void kdigOverHttp2WithPostAndGet() {
    for (String method : List.of("+https", "+https-get")) {
      Result r = kdig(server.httpsPort(), method, "+tls-ca=" + certificate, "+tls-hostname=localhost",
          "_iroh." + z32 + ".dns.example.", "TXT");
      assertThat(r.output()).as(method).contains("HTTP/2-" + (method.endsWith("get") ? "GET" : "POST"));
      assertThat(r.status()).as(r.output()).isEqualTo("NOERROR");
      assertThat(r.txt()).containsExactly("addr=127.0.0.1:4433");
    }
    Result missing = kdig(server.httpsPort(), "+https", "+tls-ca=" + certificate,
        "+tls-hostname=localhost", "_iroh.yryyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy.dns.example.", "TXT");
    assertThat(missing.status()).as(missing.output()).isEqualTo("NXDOMAIN");
  }

  @Test
  void curlResolvesANodesNameThroughDohAndConnects() throws Exception {
    String page = "http://" + z32 + ".dns.example:" + server.httpPort() + "/healthz";
    Process curl = new ProcessBuilder("curl", "--silent", "--show-error", "--max-time", "30",
        "--doh-url", "https://localhost:" + server.httpsPort() + "/dns-query",
        "--cacert", certificate.toString(), page)
        .redirectErrorStream(true).start();
    String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(curl.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(curl.exitValue()).as(out).isZero();
    assertThat(out).contains("\"status\":\"ok\"");
  }
}
