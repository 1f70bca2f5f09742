package dev.keyway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keyway gossip sim} (a small scenario), {@code keyway gossip demo} (two nodes in-process) and
 * {@code keyway gossip swarm} (several nodes in one command).
 */
class GossipCliTest {
  @TempDir Path dir;

  @Test
  void simRunsAScenarioAndKeepsTheSimulatorsExitCodes() throws Exception {
    Path file = dir.resolve("tiny.toml");
    Files.writeString(file, """
        seeds = [1]
        [[scenario]]
        sim = "GossipMulti"
        nodes = 20
        rounds = 3
        """);
    CliTest.Run ok = CliTest.run("gossip", "sim", file.toString(), "--quiet", "--out", dir.resolve("r.json").toString());
    assertThat(ok.code()).as(ok.out() + ok.err()).isZero();
    assertThat(ok.out()).contains("GossipMulti-n20-r3", "invariants: ok", "wrote ");
    assertThat(dir.resolve("r.json")).exists();

    CliTest.Run compared = CliTest.run("gossip", "sim", file.toString(), "--baseline", dir.resolve("r.json").toString(), "--quiet");
    assertThat(compared.code()).isZero();
    assertThat(compared.out()).contains("compared with baseline: GossipMulti-n20-r3");

    assertThat(CliTest.run("gossip", "sim").code()).isEqualTo(2);
    CliTest.Run bogus = CliTest.run("gossip", "sim", "--bogus", "x");
    assertThat(bogus.code()).isEqualTo(2);
    assertThat(bogus.out()).contains("unknown option --bogus", "usage:");
    assertThat(CliTest.run("gossip", "sim", dir.resolve("missing.toml").toString()).code()).isEqualTo(2);
    CliTest.Run help = CliTest.run("gossip", "sim", "--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("usage: keyway gossip sim SCENARIO");
    assertThat(CliTest.run("gossip").code()).isEqualTo(2);
  }

  @Test
  void demoRejectsBadArguments() {
    assertThat(CliTest.run("gossip", "demo").code()).isEqualTo(2);
    CliTest.Run badBootstrap = CliTest.run("gossip", "demo", "n", "--bootstrap", "nonsense");
    assertThat(badBootstrap.code()).isEqualTo(2);
    assertThat(CliTest.run("gossip", "demo", "n", "--transport", "carrier-pigeon").code()).isEqualTo(2);
    assertThat(CliTest.run("gossip", "demo", "n", "--interval", "soon").code()).isEqualTo(2);
  }

  @Test
  void twoDemoNodesFindEachOtherInTheirJsonDumpsAndWebPage() throws Exception {
    Path dumpA = dir.resolve("a.json");
    Path dumpB = dir.resolve("b.json");
    try (ServingCommand a = new ServingCommand("bootstrap: ", "gossip", "demo", "alpha", "--interval", "500ms",
        "--json-dump", dumpA.toString(), "--http", "0")) {
      awaitText(a, "web page: ");
      String bootstrap = group(a.out(), "bootstrap: (\\S+)");
      String ticket = group(a.out(), "ticket: (\\S+)");
      assertThat(ticket).startsWith("endpoint");
      try (ServingCommand b = new ServingCommand("bootstrap: ", "gossip", "demo", "beta", "--interval", "500ms",
          "--json-dump", dumpB.toString(), "--bootstrap", bootstrap)) {
        String idA = group(a.out(), "gossip demo: node alpha (\\S+)");
        String idB = group(b.out(), "gossip demo: node beta (\\S+)");
        await("both dumps list the other node", () -> peers(dumpA).contains(idB) && peers(dumpB).contains(idA));
        assertThat(read(dumpA).get("name").asText()).isEqualTo("alpha");
        assertThat(read(dumpA).get("peers").get(0).get("name").asText()).isEqualTo("beta");
        // The topic's protocol counters (refreshed every second) count beta's announcements.
        await("alpha's dump counts received payloads", () -> payloadsReceived(dumpA) > 0);
        assertThat(read(dumpA).get("topic_stats").has("grafts_sent")).isTrue();
        await("alpha prints an address book with beta", () -> a.out().contains("Discovered peers (1):")
            && a.out().contains("beta (" + idB + ")"));

        int httpPort = a.port("web page: http://127.0.0.1:(\\d+)/");
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/"))
            .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("Address book of alpha", "beta", idB);
        HttpResponse<String> json = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/book.json"))
            .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(new ObjectMapper().readTree(json.body()).get("peers").get(0).get("id").asText()).isEqualTo(idB);
        assertThat(b.stop()).isZero();
      }
      assertThat(a.stop()).isZero();
    }
  }

  @Test
  void swarmRejectsBadArguments() {
    assertThat(CliTest.run("gossip", "swarm", "0").code()).isEqualTo(2);
    assertThat(CliTest.run("gossip", "swarm", "101").code()).isEqualTo(2);
    assertThat(CliTest.run("gossip", "swarm", "2", "--first-index", "-1").code()).isEqualTo(2);
    assertThat(CliTest.run("gossip", "swarm", "2", "--interval", "soon").code()).isEqualTo(2);
    assertThat(CliTest.run("gossip", "swarm", "2", "--transport", "carrier-pigeon").code()).isEqualTo(2);
    CliTest.Run noDir = CliTest.run("gossip", "swarm", "2", "--json-dump-dir", dir.resolve("missing").toString());
    assertThat(noDir.code()).isEqualTo(2);
    assertThat(noDir.err()).contains("is not a directory");
  }

  @Test
  void swarmNodesFindEachOtherAndADemoNodeJoinsThem() throws Exception {
    try (ServingCommand swarm = new ServingCommand("gossip swarm: 3 nodes running", "gossip", "swarm", "3",
        "--name-prefix", "s", "--first-index", "5", "--interval", "500ms", "--json-dump-dir", dir.toString())) {
      String s5 = group(swarm.out(), "gossip demo: node s5 (\\S+)");
      String s6 = group(swarm.out(), "gossip demo: node s6 (\\S+)");
      String s7 = group(swarm.out(), "gossip demo: node s7 (\\S+)");
      Path d5 = dir.resolve("s5.json");
      Path d6 = dir.resolve("s6.json");
      Path d7 = dir.resolve("s7.json");
      await("every swarm node lists the other two", () -> peers(d5).equals(Set.of(s6, s7))
          && peers(d6).equals(Set.of(s5, s7)) && peers(d7).equals(Set.of(s5, s6)));
      assertThat(read(d6).get("name").asText()).isEqualTo("s6");

      String bootstrap = group(swarm.out(), "bootstrap: (" + s6 + "@\\S+)");
      Path dumpD = dir.resolve("delta.json");
      try (ServingCommand delta = new ServingCommand("bootstrap: ", "gossip", "demo", "delta", "--interval", "500ms",
          "--json-dump", dumpD.toString(), "--bootstrap", bootstrap)) {
        String idD = group(delta.out(), "gossip demo: node delta (\\S+)");
        await("the demo node and the swarm find each other", () -> peers(dumpD).equals(Set.of(s5, s6, s7))
            && peers(d5).contains(idD) && peers(d7).contains(idD));
        assertThat(delta.stop()).isZero();
      }
      assertThat(swarm.stop()).isZero();
      assertThat(swarm.out()).contains("gossip swarm stopped");
    }
  }

  static JsonNode read(Path file) throws Exception {
    return new ObjectMapper().readTree(Files.readString(file));
  }

  /** {@code topic_stats.payload_received} of a dump; 0 while it is missing or being replaced. */
  static long payloadsReceived(Path dump) {
    try {
      return read(dump).path("topic_stats").path("payload_received").asLong();
    } catch (Exception e) {
      return 0;
    }
  }

  static Set<String> peers(Path dump) {
    Set<String> ids = new HashSet<>();
    try {
      if (Files.exists(dump)) {
        for (JsonNode p : read(dump).get("peers")) {
          ids.add(p.get("id").asText());
        }
      }
    } catch (Exception e) {
      // being rewritten; try again
    }
    return ids;
  }

  static String group(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as("%s in:%n%s", regex, text).isTrue();
    return m.group(1);
  }

  static void awaitText(ServingCommand c, String text) {
    await(text, () -> c.out().contains(text));
  }

  static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      try {
        Thread.sleep(50); // polling a condition, not a timing assertion
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
