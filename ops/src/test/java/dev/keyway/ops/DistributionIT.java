package dev.keyway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.SignedPacket;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution archive as an operator gets it ({@code target/keyway-<version>.tar.gz}, built
 * in the package phase): unpacked, its {@code bin/keyway} runs, the deploy configs it carries
 * check, and a relay started from it stores a packet and stops cleanly on SIGTERM.
 */
class DistributionIT {
  @TempDir static Path dir;
  static Path home;

  @BeforeAll
  static void unpack() throws Exception {
    Path archive = Path.of(System.getProperty("keyway.dist", "target/keyway.tar.gz"));
    assertThat(archive).as("the distribution archive (keyway.dist, set by failsafe)").isRegularFile();
    DeployFilesTest.Result tar = DeployFilesTest.exec(dir,
        List.of("tar", "xzf", archive.toAbsolutePath().toString()));
    assertThat(tar.code()).as(tar.out()).isZero();
    try (Stream<Path> unpacked = Files.list(dir)) {
      home = unpacked.filter(Files::isDirectory).findFirst().orElseThrow();
    }
    assertThat(home.getFileName().toString()).startsWith("keyway-");
    for (String f : List.of("bin/keyway", "keyway.jar", "config/relay.toml", "config/dns.toml",
        "deploy/systemd/keyway-relay.service", "deploy/systemd/keyway-dns-server.service",
        "deploy/systemd/keyway-gossip.service", "deploy/config/gossip.env",
        "deploy/prometheus/keyway-rules.yml", "deploy/grafana/keyway-dashboard.json",
        "deploy/README.md", "INSTALL.md")) {
      assertThat(home.resolve(f)).as(f).isRegularFile();
    }
    assertThat(home.resolve("bin/keyway")).isExecutable();
  }

  @Test
  void theLauncherRunsFromAnyDirectoryAndTheShippedConfigsCheck() throws Exception {
    DeployFilesTest.Result version = DeployFilesTest.exec(dir,
        List.of(home.resolve("bin/keyway").toString(), "--version"));
    assertThat(version.code()).as(version.out()).isZero();
    assertThat(version.out()).startsWith("keyway ").doesNotContain("${");
    DeployFilesTest.Result relay = DeployFilesTest.exec(home, List.of("bin/keyway", "relay", "-c",
        "deploy/config/relay.toml", "--data-dir", dir.resolve("relay-data").toString(), "--check"));
    assertThat(relay.code()).as(relay.out()).isZero();
    DeployFilesTest.Result dns = DeployFilesTest.exec(home,
        List.of("bin/keyway", "dns-server", "-c", "config/dns.toml", "--check"));
    assertThat(dns.code()).as(dns.out()).isZero();
  }

  @Test
  void aRelayStartedFromTheArchiveStoresAPacketAndStopsOnSigterm() throws Exception {
    Path config = dir.resolve("relay.toml");
    Files.writeString(config, """
        [http]
        port = 0
        bind_addr = "127.0.0.1"
        [metrics]
        bind_addr = "127.0.0.1:0"
        """);
    Process p = new ProcessBuilder(home.resolve("bin/keyway").toString(), "relay", "-c",
        config.toString(), "--data-dir", dir.resolve("served").toString())
        .redirectErrorStream(true).start();
    StringBuilder log = new StringBuilder();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          synchronized (log) {
            log.append(line).append('\n');
          }
        }
      } catch (java.io.IOException e) {
        // the process ended
      }
    });
    reader.start();
    try {
      Pattern listening = Pattern.compile("relay listening on (http://\\S+?)[,\\s]");
      Matcher m = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline && p.isAlive()) {
        synchronized (log) {
          m = listening.matcher(log);
          if (m.find()) {
            break;
          }
        }
        Thread.sleep(50); // polling for readiness, not a timing assertion
      }
      assertThat(m != null && m.find(0)).as("relay started:%n%s", log).isTrue();
      URI base = URI.create(m.group(1));
      SecretKey key = SecretKey.fromBytes(new byte[] {
          1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
          17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32});
      byte[] payload = SignedPacket.builder().txt("_iroh", 30, "relay=https://dist.example./")
          .sign(key, System.currentTimeMillis() * 1_000L).toRelayPayload();
      URI url = base.resolve("/" + key.publicKey().toZ32());
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<Void> put = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(20))
          .PUT(HttpRequest.BodyPublishers.ofByteArray(payload)).build(),
          HttpResponse.BodyHandlers.discarding());
      assertThat(put.statusCode()).isEqualTo(204);
      HttpResponse<byte[]> get = http.send(HttpRequest.newBuilder(url).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertThat(get.statusCode()).isEqualTo(200);
      assertThat(get.body()).isEqualTo(payload);
      // SIGTERM, as systemd stops the unit (through the handle: Process.destroy also closes the
      // output we still read)
      assertThat(p.toHandle().destroy()).isTrue();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      reader.join(TimeUnit.SECONDS.toMillis(10));
      assertThat(p.exitValue()).as("exit code; log:%n%s", log).isZero();
      assertThat(log.toString()).contains("relay stopped");
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
  }
}
