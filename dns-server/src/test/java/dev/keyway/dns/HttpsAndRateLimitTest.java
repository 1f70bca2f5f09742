package dev.keyway.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.dns.testing.Packets;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS certificate modes and iroh's PUT rate limit, each on its own server. */
class HttpsAndRateLimitTest {
  @TempDir Path dir;

  static final String DNS = """
      [dns]
      port = 0
      bind_addr = "127.0.0.1"
      origins = ["dns.example."]
      [metrics]
      disabled = true
      """;

  IrohDnsServer start(String toml) {
    return start(toml, System::nanoTime);
  }

  /** The meters of the last server started (its own registry, as the server's callers give). */
  io.micrometer.core.instrument.simple.SimpleMeterRegistry meters;

  IrohDnsServer start(String toml, java.util.function.LongSupplier nanos) {
    DnsServerConfig c = DnsServerConfig.fromToml("data_dir = \"" + dir.resolve("data") + "\"\n"
        + toml + DNS, dir, Map.of());
    meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    return IrohDnsServer.builder(c).nanoTime(nanos).meterRegistry(meters).build().start();
  }

  static HttpClient trusting(Path certificate) throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    try (InputStream in = Files.newInputStream(certificate)) {
      ks.setCertificateEntry("server", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(10)).build();
  }

  static Path onlyFile(Path dir, String suffix) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> files = s.filter(p -> p.toString().endsWith(suffix)).toList();
      assertThat(files).hasSize(1);
      return files.get(0);
    }
  }

  @Test
  void selfSignedCertificateIsGeneratedOnceAndServed() throws Exception {
    String https = """
        [https]
        port = 0
        bind_addr = "127.0.0.1"
        domains = ["localhost"]
        cert_mode = "self_signed"
        """;
    Path cache = dir.resolve("data/cert_cache/self_signed");
    byte[] first;
    try (IrohDnsServer s = start(https)) {
      assertThat(s.httpPort()).isEqualTo(-1);
      Path crt = onlyFile(cache, ".crt");
      first = Files.readAllBytes(crt);
      HttpResponse<String> r = trusting(crt).send(HttpRequest.newBuilder(
              URI.create("https://localhost:" + s.httpsPort() + "/healthz")).timeout(Duration.ofSeconds(20)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("\"status\":\"ok\"");
      X509Certificate cert = (X509Certificate) r.sslSession().orElseThrow().getPeerCertificates()[0];
      assertThat(cert.getSubjectAlternativeNames()).anySatisfy(n -> assertThat(n.get(1)).isEqualTo("localhost"));
    }
    try (IrohDnsServer s = start(https)) {
      assertThat(Files.readAllBytes(onlyFile(cache, ".crt"))).isEqualTo(first);
    }
  }

  @Test
  void manualCertificatesAreReadFromTheCertCache() throws Exception {
    // make a certificate with the self-signed generator, then serve it as a manual one
    Path other = dir.resolve("other");
    dev.keyway.dns.http.TlsCertificates.Pem pem = dev.keyway.dns.http.TlsCertificates.resolve(
        dev.keyway.dns.http.TlsCertificates.CertMode.SELF_SIGNED, List.of("localhost"), other,
        java.time.Clock.systemUTC());
    Path manual = Files.createDirectories(dir.resolve("data/cert_cache/manual"));
    Files.copy(pem.certificate(), manual.resolve("localhost.crt"));
    Files.copy(pem.key(), manual.resolve("localhost.key"));
    try (IrohDnsServer s = start("""
        [https]
        port = 0
        bind_addr = "127.0.0.1"
        domains = ["localhost"]
        cert_mode = "manual"
        """)) {
      HttpResponse<String> r = trusting(pem.certificate()).send(HttpRequest.newBuilder(
              URI.create("https://localhost:" + s.httpsPort() + "/")).timeout(Duration.ofSeconds(20)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.body()).isEqualTo("Hi!");
    }
  }

  @Test
  void letsEncryptAndMissingManualFilesFailWithAReason() {
    assertThatThrownBy(() -> start("""
        [https]
        port = 0
        bind_addr = "127.0.0.1"
        domains = ["dns.example.org"]
        cert_mode = "lets_encrypt"
        letsencrypt_contact = "ops@example.org"
        """)).hasMessageContaining("lets_encrypt").hasMessageContaining("not supported");
    assertThatThrownBy(() -> start("""
        [https]
        port = 0
        bind_addr = "127.0.0.1"
        domains = ["dns.example.org"]
        cert_mode = "manual"
        """)).hasMessageContaining("dns.example.org.crt");
  }

  static HttpResponse<String> put(HttpClient c, int port, SecretKey key, int ts, String forwardedFor)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/pkarr/"
            + key.publicKey().toZ32()))
        .timeout(Duration.ofSeconds(20))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(
            Packets.iroh(key, Packets.recent(ts), "https://r.example./", "192.0.2.1:1").toRelayPayload()));
    if (forwardedFor != null) {
      b.header("X-Forwarded-For", forwardedFor);
    }
    return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static final String HTTP = """
      [http]
      port = 0
      bind_addr = "127.0.0.1"
      """;

  @Test
  void simplePutRateLimitIsIrohsBurstTwoThenOneEveryFourSeconds() throws Exception {
    AtomicLong now = new AtomicLong(1_000_000_000_000L);
    SecretKey key = Packets.key(new SplittableRandom(5));
    HttpClient c = HttpClient.newHttpClient();
    try (IrohDnsServer s = start("pkarr_put_rate_limit = \"simple\"\n" + HTTP, now::get)) {
      assertThat(put(c, s.httpPort(), key, 1, null).statusCode()).isEqualTo(204);
      assertThat(put(c, s.httpPort(), key, 2, null).statusCode()).isEqualTo(204);
      HttpResponse<String> limited = put(c, s.httpPort(), key, 3, "203.0.113.9");
      assertThat(limited.statusCode()).isEqualTo(429);
      assertThat(limited.body()).isEqualTo("Too Many Requests! Wait for 4s");
      assertThat(limited.headers().firstValue("retry-after")).hasValue("4");
      assertThat(limited.headers().firstValue("x-ratelimit-after")).hasValue("4");
      now.addAndGet(Duration.ofSeconds(4).toNanos());
      assertThat(put(c, s.httpPort(), key, 4, null).statusCode()).isEqualTo(204);
      assertThat(put(c, s.httpPort(), key, 5, null).statusCode()).isEqualTo(429);
      // operators see the refusals
      assertThat(meters.get("dns_server.pkarr_publish_rate_limited").counter().count()).isEqualTo(2.0);
      // GET is never limited
      HttpResponse<String> get = c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + s.httpPort() + "/pkarr/" + key.publicKey().toZ32())).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(get.statusCode()).isEqualTo(200);
    }
  }

  @Test
  void smartPutRateLimitKeysOnTheForwardedClient() throws Exception {
    AtomicLong now = new AtomicLong(1_000_000_000_000L);
    SecretKey key = Packets.key(new SplittableRandom(6));
    HttpClient c = HttpClient.newHttpClient();
    try (IrohDnsServer s = start("pkarr_put_rate_limit = \"smart\"\n" + HTTP, now::get)) {
      assertThat(put(c, s.httpPort(), key, 1, "198.51.100.1").statusCode()).isEqualTo(204);
      // the proxy appends the address it saw: the last entry is the client, whatever came before
      assertThat(put(c, s.httpPort(), key, 2, "10.0.0.1, 198.51.100.1").statusCode()).isEqualTo(204);
      assertThat(put(c, s.httpPort(), key, 3, "192.0.2.9, 198.51.100.1").statusCode()).isEqualTo(429);
      // another client behind the same proxy has its own bucket
      assertThat(put(c, s.httpPort(), key, 4, "198.51.100.2").statusCode()).isEqualTo(204);
    }
  }

  @Test
  void disabledPutRateLimitNeverRefuses() throws Exception {
    SecretKey key = Packets.key(new SplittableRandom(7));
    HttpClient c = HttpClient.newHttpClient();
    try (IrohDnsServer s = start("pkarr_put_rate_limit = \"disabled\"\n" + HTTP)) {
      for (int i = 1; i <= 6; i++) {
        assertThat(put(c, s.httpPort(), key, i, null).statusCode()).isEqualTo(204);
      }
    }
  }
}
