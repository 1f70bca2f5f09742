package dev.keyway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.SignedPacket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code keyway up} in-process: one store behind DNS, the iroh API and the pkarr relay. */
class UpCommandTest {
  @TempDir Path dir;
  final HttpClient http = HttpClient.newHttpClient();

  static SecretKey key(int seed) {
    byte[] b = new byte[32];
    b[0] = (byte) seed;
    b[31] = 7;
    return SecretKey.fromBytes(b);
  }

  static SignedPacket packet(SecretKey key, String relay) {
    return SignedPacket.builder().txt("_iroh", 30, "relay=" + relay)
        .sign(key, System.currentTimeMillis() * 1_000L);
  }

  int put(String url, byte[] body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Test
  void servesDnsIrohApiRelayAndMetricsFromOneStoreAndStopsCleanly() throws Exception {
    String[] args = {"up", "--data-dir", dir.toString(), "--dns-port", "0", "--http-port", "0",
        "--relay-port", "0", "--metrics-port", "0"};
    SecretKey viaRelay = key(1);
    SecretKey viaIroh = key(2);
    String origin = "keyway.localhost.";
    try (ServingCommand up = new ServingCommand("Ctrl-C stops.", args)) {
      int dns = up.port("dns +127\\.0\\.0\\.1:(\\d+)");
      int iroh = up.port("iroh api +http://127\\.0\\.0\\.1:(\\d+)");
      int relay = up.port("pkarr relay +http://127\\.0\\.0\\.1:(\\d+)");
      int metrics = up.port("metrics +http://127\\.0\\.0\\.1:(\\d+)");
      assertThat(up.out()).contains("dig @127.0.0.1 -p " + dns + " " + origin + " SOA");
      assertThat(ServingCommand.dig(dns, origin, "SOA")).contains("status: NOERROR", "flags: qr aa");
      String relayName = "_iroh." + viaRelay.publicKey().toZ32() + "." + origin;
      assertThat(ServingCommand.dig(dns, relayName, "TXT")).contains("status: NXDOMAIN");
      // a PUT on the pkarr relay port is answerable over DNS at once
      assertThat(put("http://127.0.0.1:" + relay + "/" + viaRelay.publicKey().toZ32(),
          packet(viaRelay, "https://via-relay.example./").toRelayPayload())).isEqualTo(204);
      assertThat(ServingCommand.dig(dns, relayName, "TXT"))
          .contains("status: NOERROR", "relay=https://via-relay.example./");
      // and so is one on the iroh API
      String irohName = "_iroh." + viaIroh.publicKey().toZ32() + "." + origin;
      assertThat(put("http://127.0.0.1:" + iroh + "/pkarr/" + viaIroh.publicKey().toZ32(),
          packet(viaIroh, "https://via-iroh.example./").toRelayPayload())).isEqualTo(204);
      assertThat(ServingCommand.dig(dns, "+tcp", irohName, "TXT")).contains("relay=https://via-iroh.example./");
      // the relay serves what the iroh API stored
      HttpResponse<byte[]> get = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + relay + "/" + viaIroh.publicKey().toZ32())).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(get.statusCode()).isEqualTo(200);
      String scrape = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metrics
          + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
      assertThat(scrape).contains("dns_server_dns_requests_total", "store_packets",
          "process_uptime_seconds", "keyway_build_info{");
      // the relay's status page lists the settings it runs with, not the standalone defaults,
      // and keeps the listen addresses and the data directory to itself
      String status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay + "/"))
          .build(), HttpResponse.BodyHandlers.ofString()).body();
      // the store's size is that of the shared H2 store behind the DNS server's write-through
      assertThat(status).doesNotContain("&ndash;").contains("KiB");
      assertThat(status).contains("metrics: on<", "capacity unlimited", "base_path /")
          .doesNotContain("9117", "capacity 1000000", ":" + metrics, dir.toString());
      assertThat(up.stop()).isZero();
      assertThat(up.out()).contains("keyway up: stopped");
    }
    // everything acknowledged was durable: a new `up` on the same directory answers at once
    try (ServingCommand again = new ServingCommand("Ctrl-C stops.", args)) {
      int dns = again.port("dns +127\\.0\\.0\\.1:(\\d+)");
      assertThat(ServingCommand.dig(dns, "_iroh." + viaIroh.publicKey().toZ32() + "." + origin, "TXT"))
          .contains("relay=https://via-iroh.example./");
      assertThat(again.stop()).isZero();
    }
  }

  @Test
  void aBadPortIsNamedAsTheFlagAndNothingIsCreated() {
    Path data = dir.resolve("never");
    CliTest.Run r = CliTest.run("up", "--data-dir", data.toString(), "--dns-port", "70000");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--dns-port must be 0..65535", "70000");
    assertThat(data).doesNotExist();
  }

  @Test
  void oneFreePortGivenTwiceIsAUsageError() {
    Path data = dir.resolve("never-either");
    CliTest.Run r = CliTest.run("up", "--data-dir", data.toString(), "--http-port", "38182",
        "--relay-port", "38182");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--http-port", "--relay-port", "both listen on TCP port 38182");
    assertThat(data).doesNotExist();
  }

  @Test
  void aTakenPortFailsWithExitOneAndAReason() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
        java.net.InetAddress.getByName("127.0.0.1"))) {
      CliTest.Run r = CliTest.run("up", "--data-dir", dir.toString(), "--dns-port", "0",
          "--http-port", Integer.toString(taken.getLocalPort()), "--relay-port", "0",
          "--metrics-port", "0");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).contains("keyway:", Integer.toString(taken.getLocalPort()));
    }
  }
}
