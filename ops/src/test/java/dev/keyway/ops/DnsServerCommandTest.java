package dev.keyway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code keyway dns-server -c FILE}: config checking and serving. */
class DnsServerCommandTest {
  @TempDir Path dir;

  Path config(String extra) throws Exception {
    return Files.writeString(dir.resolve("dns.toml"), """
        data_dir = "data"
        pkarr_put_rate_limit = "smart"
        [http]
        port = 0
        bind_addr = "127.0.0.1"
        [dns]
        port = 0
        bind_addr = "127.0.0.1"
        origins = ["irohdns.example.", "."]
        default_soa = "irohdns.example hostmaster.irohdns.example 0 10800 3600 604800 3600"
        default_ttl = 900
        rr_a = "127.0.0.1"
        rr_ns = "ns1.irohdns.example."
        [metrics]
        disabled = false
        bind_addr = "127.0.0.1:0"
        [zone_store]
        max_batch_size = 65536
        max_batch_time = "10ms"
        eviction = "7days"
        eviction_interval = "10s"
        [mainline]
        enabled = false
        """ + extra);
  }

  @Test
  void checkPrintsTheEffectiveSettings() throws Exception {
    CliTest.Run r = CliTest.run("dns-server", "-c", config("").toString(), "--check");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("config ok", "origins [irohdns.example., .]",
        "pkarr_put_rate_limit: smart", "eviction 7d");
  }

  /** A passing --check means the server can start: what a start refuses, --check refuses too. */
  @Test
  void checkRefusesWhatAStartWouldRefuse() throws Exception {
    Path letsEncrypt = config("[https]\nport = 0\nbind_addr = \"127.0.0.1\"\ndomains = [\"a.example\"]\n"
        + "cert_mode = \"lets_encrypt\"\n");
    CliTest.Run le = CliTest.run("dns-server", "-c", letsEncrypt.toString(), "--check");
    assertThat(le.code()).isEqualTo(2);
    assertThat(le.err()).contains("lets_encrypt", "not supported");
    Path manual = config("[https]\nport = 0\nbind_addr = \"127.0.0.1\"\ndomains = [\"a.example\"]\n"
        + "cert_mode = \"manual\"\n");
    CliTest.Run noCert = CliTest.run("dns-server", "-c", manual.toString(), "--check");
    assertThat(noCert.code()).isEqualTo(2);
    assertThat(noCert.err()).contains("a.example.crt");
    Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
    CliTest.Run notDir = CliTest.run("dns-server", "-c", config("").toString(), "--data-dir",
        file.toString(), "--check");
    assertThat(notDir.code()).isEqualTo(1);
    assertThat(notDir.err()).contains("not a directory");
    CliTest.Run relayNotDir = CliTest.run("relay", "--data-dir", file.resolve("sub").toString(), "--check");
    assertThat(relayNotDir.code()).isEqualTo(1);
    assertThat(relayNotDir.err()).contains("cannot be created");
    // --data-dir overrides data_dir
    CliTest.Run moved = CliTest.run("dns-server", "-c", config("").toString(), "--data-dir",
        dir.resolve("elsewhere").toString(), "--check");
    assertThat(moved.code()).isZero();
    assertThat(moved.out()).contains("store: " + dir.resolve("elsewhere"));
  }

  @Test
  void aTakenDnsPortIsNamedWithItsProtocol() throws Exception {
    try (java.net.DatagramSocket taken = new java.net.DatagramSocket(0,
        java.net.InetAddress.getByName("127.0.0.1"))) {
      Path c = Files.writeString(dir.resolve("taken.toml"), Files.readString(config(""))
          .replaceFirst("\\[dns\\]\nport = 0", "[dns]\nport = " + taken.getLocalPort()));
      CliTest.Run r = CliTest.run("dns-server", "-c", c.toString());
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).contains("DNS cannot listen on 127.0.0.1:" + taken.getLocalPort() + "/udp: ");
    }
  }

  @Test
  void theReferenceConfigIsValidAndHoldsTheDefaults() {
    CliTest.Run r = CliTest.run("dns-server", "-c", "config/dns.toml", "--check");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("dns: [::]:5300 udp+tcp, origins [irohdns.example., .]",
        "udp payload 1232", "rrl 100/s burst 200 slip 2, loopback exempt", "http: [::]:8080",
        "pkarr_put_rate_limit: simple", "eviction 7d, batch 1024/2ms, fsync true",
        "metrics: 127.0.0.1:9117");
  }

  @Test
  void badConfigIsAUsageErrorNamingTheKey() throws Exception {
    Path bad = config("");
    Files.writeString(bad, Files.readString(bad).replace("rr_a = \"127.0.0.1\"", "rr_a = \"::1\""));
    CliTest.Run r = CliTest.run("dns-server", "-c", bad.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("rr_a", "IPv4");
    Files.writeString(bad, "[dns]\nport = 0\nbogus = 1\n[http]\n");
    CliTest.Run unknown = CliTest.run("dns-server", "-c", bad.toString());
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("unknown key 'bogus'");
    assertThat(CliTest.run("dns-server").code()).isEqualTo(2); // -c is required
  }

  @Test
  void servesUntilStopped() throws Exception {
    try (ServingCommand s = new ServingCommand("metrics on", "dns-server", "-c", config("").toString())) {
      int dns = s.port("dns listening on 127\\.0\\.0\\.1:(\\d+)");
      assertThat(ServingCommand.dig(dns, "irohdns.example.", "NS")).contains("ns1.irohdns.example.");
      assertThat(ServingCommand.dig(dns, "nothing.", "A")).contains("status: NXDOMAIN");
      assertThat(s.stop()).isZero();
      assertThat(s.out()).contains("dns server stopped");
    }
    assertThat(dir.resolve("data")).isDirectory();
  }
}
