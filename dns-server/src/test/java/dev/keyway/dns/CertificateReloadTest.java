package dev.keyway.dns;

import static dev.keyway.dns.HttpsAndRateLimitTest.trusting;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.dns.http.TlsCertificates;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A renewed HTTPS certificate is served without a restart, and files that cannot be served
 * (half copied, a key of another certificate, garbage) leave the served one in place.
 */
class CertificateReloadTest {
  @TempDir Path dir;
  SimpleMeterRegistry meters;

  static final String MANUAL = """
      [https]
      port = 0
      bind_addr = "127.0.0.1"
      domains = ["localhost"]
      cert_mode = "manual"
      """;

  static final String SELF_SIGNED = """
      [https]
      port = 0
      bind_addr = "127.0.0.1"
      domains = ["localhost"]
      cert_mode = "self_signed"
      """;

  IrohDnsServer start(String https, Clock clock) {
    DnsServerConfig c = DnsServerConfig.fromToml("data_dir = \"" + dir.resolve("data") + "\"\n"
        + https + HttpsAndRateLimitTest.DNS, dir, Map.of());
    meters = new SimpleMeterRegistry();
    return IrohDnsServer.builder(c).clock(clock).meterRegistry(meters).build().start();
  }

  /** A certificate for localhost made by the self-signed generator in its own directory. */
  TlsCertificates.Pem certificate(String name) {
    return TlsCertificates.resolve(TlsCertificates.CertMode.SELF_SIGNED, List.of("localhost"),
        dir.resolve(name), Clock.systemUTC());
  }

  /**
   * The serial number of the certificate served to new connections from a client trusting
   * {@code pem}; several connections, so that every event loop of the listener answers one.
   */
  static BigInteger servedSerial(IrohDnsServer s, TlsCertificates.Pem pem) throws Exception {
    java.util.Set<BigInteger> serials = new java.util.HashSet<>();
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> r = trusting(pem.certificate()).send(HttpRequest.newBuilder(
              URI.create("https://localhost:" + s.httpsPort() + "/healthz"))
              .timeout(Duration.ofSeconds(20)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      serials.add(((X509Certificate) r.sslSession().orElseThrow().getPeerCertificates()[0])
          .getSerialNumber());
    }
    assertThat(serials).hasSize(1);
    return serials.iterator().next();
  }

  static BigInteger serial(TlsCertificates.Pem pem) {
    return TlsCertificates.load(pem).leaf().getSerialNumber();
  }

  double expiryGauge() {
    return meters.get("dns_server.tls_certificate_expiry_timestamp").gauge().value();
  }

  /**
   * The key of {@code pem} in OpenSSL's SEC1 form ("EC PRIVATE KEY", as {@code openssl ec}
   * writes it), with the curve and without the optional public key.
   */
  static String sec1Key(TlsCertificates.Pem pem) throws Exception {
    try (PEMParser p = new PEMParser(new StringReader(Files.readString(pem.key())))) {
      PrivateKeyInfo info = (PrivateKeyInfo) p.readObject();
      ECPrivateKey inner = ECPrivateKey.getInstance(info.parsePrivateKey());
      ECPrivateKey sec1 = new ECPrivateKey(256, inner.getKey(), null,
          info.getPrivateKeyAlgorithm().getParameters());
      StringWriter w = new StringWriter();
      try (PemWriter pw = new PemWriter(w)) {
        pw.writeObject(new PemObject("EC PRIVATE KEY", sec1.getEncoded()));
      }
      return w.toString();
    }
  }

  @Test
  void aRenewedManualCertificateIsServedToNewConnections() throws Exception {
    TlsCertificates.Pem a = certificate("a");
    TlsCertificates.Pem b = certificate("b");
    Path manual = Files.createDirectories(dir.resolve("data/cert_cache/manual"));
    Path crt = manual.resolve("localhost.crt");
    Path key = manual.resolve("localhost.key");
    Files.copy(a.certificate(), crt);
    Files.copy(a.key(), key);
    try (IrohDnsServer s = start(MANUAL, Clock.systemUTC())) {
      assertThat(servedSerial(s, a)).isEqualTo(serial(a));
      assertThat(s.reloadCertificates()).as("unchanged files").isFalse();

      // an ACME client copying the new pair: the key first
      String bKey = sec1Key(b);
      assertThat(bKey).startsWith("-----BEGIN EC PRIVATE KEY-----");
      Files.writeString(key, bKey);
      assertThat(s.reloadCertificates()).as("key of another certificate").isFalse();
      assertThat(servedSerial(s, a)).isEqualTo(serial(a));

      Files.copy(b.certificate(), crt, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      assertThat(s.reloadCertificates()).isTrue();
      assertThat(servedSerial(s, b)).isEqualTo(serial(b));
      assertThat(expiryGauge()).isEqualTo(
          (double) TlsCertificates.load(b).notAfter().getEpochSecond());
      assertThat(s.reloadCertificates()).isFalse();

      // garbage, then missing files: still b
      Files.writeString(crt, "not a certificate\n");
      assertThat(s.reloadCertificates()).isFalse();
      Files.delete(crt);
      assertThat(s.reloadCertificates()).isFalse();
      assertThat(servedSerial(s, b)).isEqualTo(serial(b));
    }
  }

  @Test
  void aSelfSignedCertificateNearItsEndIsRenewedWhileServing() throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    try (IrohDnsServer s = start(SELF_SIGNED, clock)) {
      Path cache = dir.resolve("data/cert_cache/self_signed");
      Path crt = HttpsAndRateLimitTest.onlyFile(cache, ".crt");
      byte[] first = Files.readAllBytes(crt);
      double firstExpiry = expiryGauge();
      clock.now = clock.now.plus(Duration.ofDays(300));
      assertThat(s.reloadCertificates()).as("65 days left").isFalse();
      clock.now = clock.now.plus(Duration.ofDays(40));
      assertThat(s.reloadCertificates()).as("25 days left").isTrue();
      assertThat(Files.readAllBytes(crt)).isNotEqualTo(first);
      assertThat(expiryGauge()).isEqualTo(firstExpiry + Duration.ofDays(340).toSeconds(),
          org.assertj.core.data.Offset.offset(5.0));
    }
  }

  @Test
  void aManualKeyOfAnotherCertificateIsRefusedAtStart() throws Exception {
    TlsCertificates.Pem a = certificate("a");
    TlsCertificates.Pem b = certificate("b");
    Path manual = Files.createDirectories(dir.resolve("data/cert_cache/manual"));
    Files.copy(a.certificate(), manual.resolve("localhost.crt"));
    Files.copy(b.key(), manual.resolve("localhost.key"));
    assertThatThrownBy(() -> start(MANUAL, Clock.systemUTC()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("localhost.key is not the key of the certificate");
    assertThatThrownBy(() -> TlsCertificates.check(TlsCertificates.CertMode.MANUAL,
        List.of("localhost"), dir.resolve("data")))
        .hasMessageContaining("is not the key of the certificate");
    Files.writeString(manual.resolve("localhost.key"), "-----BEGIN PRIVATE KEY-----\nAAAA\n"
        + "-----END PRIVATE KEY-----\n", StandardCharsets.US_ASCII);
    assertThatThrownBy(() -> start(MANUAL, Clock.systemUTC()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("localhost.key");
  }

  static final class MutableClock extends Clock {
    volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
