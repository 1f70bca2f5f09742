package dev.keyway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keyway.client.keys.KeyFiles;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.lookup.Fixtures;
import dev.keyway.ops.client.LocalKeyway;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keyway publish / resolve against the real local servers (as after `keyway up`, on free ports). */
class ClientCliKeywayTest {
  @TempDir static Path dir;
  static LocalKeyway keyway;

  @BeforeAll
  static void start() throws Exception {
    keyway = LocalKeyway.start(dir.resolve("data"));
  }

  @AfterAll
  static void stop() throws Exception {
    keyway.close();
  }

  @Test
  void publishToBothRelaysThenResolveFromEverySource() throws Exception {
    SecretKey key = Fixtures.key(701);
    Path file = dir.resolve("node.key");
    KeyFiles.write(file, key);
    CliTest.Run pub = CliTest.run("publish", "--secret", file.toString(), "--relay-url", "https://relay.example.",
        "--addr", "192.0.2.90:4433", "--to", keyway.irohPkarr().toString(), "--to", keyway.pkarrRelay().toString(),
        "--json");
    assertThat(pub.code()).as(pub.out() + pub.err()).isZero();
    assertThat(pub.json().get("relays")).hasSize(2);

    String dns = "127.0.0.1:" + keyway.dnsAddress().getPort();
    for (String[] source : new String[][] {
        {"--dns", dns}, {"--doh", keyway.doh().toString()},
        {"--relay", keyway.irohPkarr().toString()}, {"--relay", keyway.pkarrRelay().toString()}}) {
      CliTest.Run r = CliTest.run("resolve", key.publicKey().toZ32(), source[0], source[1], "--origin",
          LocalKeyway.ORIGIN, "--json");
      assertThat(r.code()).as(source[0] + " " + r.out() + r.err()).isZero();
      JsonNode j = r.json();
      assertThat(j.get("relays").get(0).asText()).isEqualTo("https://relay.example./");
      assertThat(j.get("addrs").get(0).asText()).isEqualTo("192.0.2.90:4433");
    }
    CliTest.Run all = CliTest.run("resolve", key.publicKey().toString(), "--dns", dns, "--relay",
        keyway.pkarrRelay().toString(), "--all");
    assertThat(all.code()).isZero();
    assertThat(all.out()).contains("sources:", "found");
    CliTest.Run missing = CliTest.run("resolve", Fixtures.key(702).publicKey().toZ32(), "--dns", dns);
    assertThat(missing.code()).isEqualTo(1);
  }

  @Test
  void aRefreshedTicketShowsWhatDiscoveryFoundNotOnlyTheTicket() throws Exception {
    SecretKey key = Fixtures.key(703);
    Path file = dir.resolve("moved.key");
    KeyFiles.write(file, key);
    CliTest.Run ticket = CliTest.run("ticket", "encode", "--id", key.publicKey().toString(),
        "--relay", "https://old-relay.example./", "--addr", "192.0.2.1:4433");
    assertThat(ticket.code()).as(ticket.err()).isZero();
    String t = ticket.out().strip().lines().reduce((a, b) -> b).orElseThrow();
    CliTest.Run pub = CliTest.run("publish", "--secret", file.toString(), "--relay-url",
        "https://new-relay.example.", "--addr", "192.0.2.99:4433", "--to", keyway.irohPkarr().toString());
    assertThat(pub.code()).as(pub.out() + pub.err()).isZero();
    String dns = "127.0.0.1:" + keyway.dnsAddress().getPort();
    CliTest.Run offline = CliTest.run("resolve", t, "--dns", dns, "--origin", LocalKeyway.ORIGIN, "--json");
    assertThat(offline.json().get("addrs").toString()).contains("192.0.2.1:4433").doesNotContain("192.0.2.99");
    CliTest.Run refreshed = CliTest.run("resolve", t, "--refresh", "--dns", dns, "--origin",
        LocalKeyway.ORIGIN, "--json");
    assertThat(refreshed.code()).as(refreshed.out() + refreshed.err()).isZero();
    JsonNode j = refreshed.json();
    assertThat(j.get("addrs").toString()).contains("192.0.2.99:4433", "192.0.2.1:4433");
    assertThat(j.get("relays").toString()).contains("https://new-relay.example./");
    assertThat(j.get("source").asText()).contains("dns", "ticket");
  }
}
