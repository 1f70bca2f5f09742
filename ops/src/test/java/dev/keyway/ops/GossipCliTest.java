package dev.keyway.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyway.client.keys.KeyFiles;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.gossip.net.TransportKind;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
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
          "--json-dump", dumpB.toString(), "--bootstrap", bootstrap, "--http", "0")) {
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
        // Prometheus series and a health answer on the same port.
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort
            + "/metrics")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("gossip_book_accepted_total ", "gossip_book_forged_total 0.0",
            "gossip_net_frames_received_total ", "gossip_book_entries 1.0", "gossip_neighbors 1.0",
            "gossip_bootstrap_peers 0.0", "jvm_memory_used_bytes", "keyway_build_info");
        // HELP says what a series counts, not only its name.
        assertThat(metrics.body()).contains("# HELP gossip_book_joined_total address book: join requests sent:"
            + " newly seen nodes asked to join, and redials of departed nodes (not members that joined)",
            "# HELP gossip_net_dials_failed_total gossip network: dials that found no address",
            "# HELP gossip_bootstrap_peers --bootstrap peers this member was started with (0: a first member");
        // beta was given one bootstrap peer (KeywayGossipIsolated fires for it even if scraped alone).
        awaitText(b, "web page: ");
        int httpPortB = b.port("web page: http://127.0.0.1:(\\d+)/");
        HttpResponse<String> metricsB = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPortB
            + "/metrics")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(metricsB.body()).contains("gossip_bootstrap_peers 1.0");
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort
            + "/healthz")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"ok\"", "\"neighbors\":1", "\"peers\":1");
        assertThat(b.err()).as("a node that joins at once warns about nothing").doesNotContain("cannot join");
        // beta has bootstrap peers but no --key: its id, so alpha's way to name it, dies with it.
        assertThat(b.err()).contains("keyway: warning: no --key: this node's id changes on every restart,"
            + " so other members' --bootstrap strings naming this node stop working");
        assertThat(count(b.err(), "no --key")).isEqualTo(1);
        assertThat(a.err()).as("the first node has no bootstrap peers").doesNotContain("no --key");
        assertThat(b.stop()).isZero();
      }
      assertThat(a.stop()).isZero();
    }
  }

  /**
   * Every bad argument is a usage error found before anything starts: exit 2, the reason on
   * stderr after "keyway: ", then the usage; no ticket printed (so nothing listened).
   */
  /** A node without a gossip neighbour is alive but not ready: /healthz answers 503 "isolated". */
  @Test
  void aNodeWithoutNeighboursIsNotHealthy() throws Exception {
    try (ServingCommand solo = new ServingCommand("bootstrap: ", "gossip", "demo", "solo", "--quiet",
        "--transport", "tcp", "--http", "0")) {
      awaitText(solo, "web page: ");
      int httpPort = solo.port("web page: http://127.0.0.1:(\\d+)/");
      HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + httpPort + "/healthz")).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(503);
      assertThat(health.body()).contains("\"status\":\"isolated\"", "\"neighbors\":0");
      assertThat(solo.stop()).isZero();
    }
  }

  /**
   * Bound to every address: the bootstrap lines give what the node advertises (never the wildcard
   * [::] or 0.0.0.0, which no other member can dial), and --http-bind moves the web page.
   */
  @Test
  void aWildcardBindPrintsTheAdvertisedAddressesAndHttpBindMovesTheWebPage() throws Exception {
    try (ServingCommand wild = new ServingCommand("bootstrap: ", "gossip", "demo", "wild", "--quiet",
        "--transport", "tcp", "--bind", "0.0.0.0", "--http", "0", "--http-bind", "0.0.0.0")) {
      awaitText(wild, "web page: ");
      String id = group(wild.out(), "gossip demo: node wild (\\S+)");
      List<String> lines = wild.out().lines().filter(l -> l.startsWith("bootstrap: ")).toList();
      assertThat(lines).as(wild.out()).isNotEmpty().allSatisfy(l -> assertThat(l)
          .startsWith("bootstrap: " + id + "@").doesNotContain("[::]", "0.0.0.0"));
      assertThat(wild.out()).contains("(listening on 0.0.0.0:");
      int httpPort = wild.port("web page: http://127.0.0.1:(\\d+)/");
      assertThat(get("http://127.0.0.1:" + httpPort + "/healthz").statusCode()).isEqualTo(503);
      // Another member can join through a printed line.
      try (ServingCommand joiner = new ServingCommand("bootstrap: ", "gossip", "demo", "joiner", "--quiet",
          "--transport", "tcp", "--key", keyFile("joiner.key"), "--bootstrap",
          lines.get(0).substring("bootstrap: ".length()))) {
        await("the wildcard node gets a neighbour", () -> get("http://127.0.0.1:" + httpPort + "/healthz").statusCode() == 200);
        assertThat(joiner.err()).doesNotContain("no --key");
        assertThat(joiner.stop()).isZero();
      }
      assertThat(wild.stop()).isZero();
    }
    // 127.0.0.2 is a loopback address too (Linux): the page is there, and not on 127.0.0.1.
    try (ServingCommand moved = new ServingCommand("bootstrap: ", "gossip", "demo", "moved", "--quiet",
        "--transport", "tcp", "--http", "0", "--http-bind", "127.0.0.2")) {
      awaitText(moved, "web page: ");
      int httpPort = moved.port("web page: http://127.0.0.2:(\\d+)/");
      assertThat(get("http://127.0.0.2:" + httpPort + "/metrics").statusCode()).isEqualTo(200);
      assertThatThrownBy(() -> get("http://127.0.0.1:" + httpPort + "/metrics")).isInstanceOf(java.io.UncheckedIOException.class);
      assertThat(moved.stop()).isZero();
    }
  }

  private static HttpResponse<String> get(String url) {
    try {
      return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
          .build(), HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private String keyFile(String name) throws Exception {
    Path f = dir.resolve(name);
    KeyFiles.write(f, SecretKey.generate(new SecureRandom()));
    return f.toString();
  }

  /**
   * Two live nodes announcing one name: both are listed by id (before, only the newest owner of the
   * name was, and the listing flipped between them at every announcement), a warning names them,
   * and the name passing between them prints nothing.
   */
  @Test
  void twoNodesSharingANameAreBothListedAndReported() throws Exception {
    Path dump = dir.resolve("shared.json");
    try (ServingCommand a = new ServingCommand("bootstrap: ", "gossip", "demo", "alpha", "--interval", "300ms",
        "--transport", "tcp", "--json-dump", dump.toString())) {
      String bootstrap = group(a.out(), "bootstrap: (\\S+)");
      try (ServingCommand t1 = new ServingCommand("bootstrap: ", "gossip", "demo", "twin", "--quiet",
              "--interval", "300ms", "--transport", "tcp", "--bootstrap", bootstrap);
          ServingCommand t2 = new ServingCommand("bootstrap: ", "gossip", "demo", "twin", "--quiet",
              "--interval", "300ms", "--transport", "tcp", "--bootstrap", bootstrap)) {
        String id1 = group(t1.out(), "gossip demo: node twin (\\S+)");
        String id2 = group(t2.out(), "gossip demo: node twin (\\S+)");
        await("alpha's dump lists both twins", () -> peers(dump).contains(id1) && peers(dump).contains(id2));
        await("alpha warns of the shared name", () -> a.err().contains("live nodes announce the name 'twin'"));
        assertThat(a.err()).contains(id1, id2);
        await("alpha prints both twins", () -> a.out().contains("twin (" + id1 + ")")
            && a.out().contains("twin (" + id2 + ")"));
        int blocks = count(a.out(), "Address book (");
        long payloads = payloadsReceived(dump);
        // Ten more announcements of the twins, each taking the name from the other.
        await("ten more announcements reach alpha", () -> payloadsReceived(dump) >= payloads + 10);
        assertThat(count(a.out(), "Address book (")).as(a.out()).isLessThanOrEqualTo(blocks + 1);
        assertThat(t1.stop()).isZero();
        assertThat(t2.stop()).isZero();
      }
      assertThat(a.stop()).isZero();
    }
  }

  @Test
  void demoRejectsEveryBadArgumentBeforeStarting() {
    String[][] cases = {
        {"--interval 10s must be shorter than --expiry 5s", "--interval", "10s", "--expiry", "5s"},
        {"--interval 40s must be shorter than --expiry 30s", "--interval", "40s"},
        {"--interval 3s must be shorter than --expiry 3s", "--expiry", "3s"},
        {"--http must be 0..65535, got -5", "--http", "-5"},
        {"--http must be 0..65535, got 70000", "--http", "70000"},
        {"--port must be 0..65535, got -1", "--port", "-1"},
        {"--port must be 0..65535, got 70000", "--port", "70000"},
        {"--json-dump " + dir.resolve("missing/x.json") + ": no such directory " + dir.resolve("missing"),
            "--json-dump", dir.resolve("missing/x.json").toString()},
        {"--json-dump " + dir + " is a directory", "--json-dump", dir.toString()},
        {"--bind no-such-host.invalid: not an IP address or a known host name", "--bind", "no-such-host.invalid"},
        {"--http-bind no-such-host.invalid: not an IP address or a known host name", "--http", "0",
            "--http-bind", "no-such-host.invalid"},
        {"--http-bind : not an IP address", "--http-bind", ""},
        {"--transport must be quic, tcp or auto, not 'carrier-pigeon'", "--transport", "carrier-pigeon"},
        {"--interval: not a duration: 'soon'", "--interval", "soon"},
        {"--interval 1ms is below 100ms", "--interval", "1ms", "--expiry", "3ms"},
        {"--expiry 20000000m is above 30d", "--expiry", "20000000m"},
    };
    for (String[] c : cases) {
      String[] args = new String[c.length + 2];
      args[0] = "gossip";
      args[1] = "demo";
      args[2] = "n";
      System.arraycopy(c, 1, args, 3, c.length - 1);
      CliTest.Run run = runBounded(args); // before the fix, some of these started a node
      assertThat(run.code()).as(String.join(" ", args) + "\n" + run.err()).isEqualTo(2);
      assertThat(run.err()).as(String.join(" ", args)).startsWith("keyway: " + c[0]).contains("Usage: keyway gossip demo");
      assertThat(run.out()).as(String.join(" ", args)).doesNotContain("ticket:");
    }
    for (String empty : new String[] {"", " "}) {
      CliTest.Run noName = runBounded("gossip", "demo", empty);
      assertThat(noName.code()).as("'%s'", empty).isEqualTo(2);
      assertThat(noName.err()).startsWith("keyway: the node name is empty").contains("Usage: keyway gossip demo");
      assertThat(noName.out()).doesNotContain("ticket:");
    }
    CliTest.Run longName = runBounded("gossip", "demo", "n".repeat(65));
    assertThat(longName.code()).isEqualTo(2);
    assertThat(longName.err()).contains("is 65 bytes long; at most 64 bytes");
  }

  /** A --bootstrap that is neither form: one line naming both accepted forms, then the usage; exit 2. */
  @Test
  void aBadBootstrapNamesBothAcceptedForms() {
    for (String bad : new String[] {"garbage", "abc@127.0.0.1:7000", "endpointxyz"}) {
      CliTest.Run run = runBounded("gossip", "demo", "n", "--bootstrap", bad);
      assertThat(run.code()).as(bad).isEqualTo(2);
      String first = run.err().lines().findFirst().orElseThrow();
      assertThat(first).as(bad).startsWith("keyway: --bootstrap '" + bad + "' is not an endpoint ticket")
          .contains("or ID@HOST:PORT");
      assertThat(run.err()).as(bad).contains("Usage: keyway gossip demo");
    }
    CliTest.Run swarm = CliTest.run("gossip", "swarm", "2", "--bootstrap", "garbage");
    assertThat(swarm.code()).isEqualTo(2);
    assertThat(swarm.err()).contains("an endpoint ticket", "ID@HOST:PORT", "Usage: keyway gossip swarm");
  }

  /**
   * --bootstrap ID@NAME:PORT: the name is resolved at start (localhost here) and the node joins
   * through what it resolves to; the other forms keep working beside it.
   */
  @Test
  void aBootstrapHostNameIsResolvedAndJoined() throws Exception {
    try (ServingCommand a = new ServingCommand("bootstrap: ", "gossip", "demo", "alpha", "--quiet",
        "--transport", "tcp", "--interval", "500ms", "--http", "0")) {
      awaitText(a, "web page: ");
      String idA = group(a.out(), "gossip demo: node alpha (\\S+)");
      int port = Integer.parseInt(group(a.out(), "bootstrap: \\S+@127\\.0\\.0\\.1:(\\d+)"));
      int httpPort = a.port("web page: http://127.0.0.1:(\\d+)/");
      Path dump = dir.resolve("named.json");
      try (ServingCommand b = new ServingCommand("bootstrap: ", "gossip", "demo", "named", "--quiet",
          "--transport", "tcp", "--interval", "500ms", "--key", keyFile("named.key"), "--json-dump", dump.toString(),
          "--bootstrap", idA + "@localhost:" + port)) {
        assertThat(b.out()).contains("joining through 1 node(s)");
        await("the node that named its peer by host name joins it", () -> peers(dump).contains(idA)
            && get("http://127.0.0.1:" + httpPort + "/healthz").statusCode() == 200);
        assertThat(b.err()).doesNotContain("cannot resolve", "warning");
        assertThat(b.stop()).isZero();
      }
      assertThat(a.stop()).isZero();
    }
  }

  /**
   * A bootstrap name that does not resolve (DNS not ready yet, in a cluster) is a warning naming
   * the peer as written, not a failure: the node starts, stays up without a neighbour and keeps
   * trying; it exits 0 when stopped.
   */
  @Test
  void aBootstrapNameThatDoesNotResolveIsAWarningAndTheNodeKeepsRunning() throws Exception {
    PublicKey peer = SecretKey.generate(new SecureRandom()).publicKey();
    String bootstrap = peer + "@no-such-host.invalid:7000";
    try (ServingCommand n = new ServingCommand("bootstrap: ", "gossip", "demo", "early", "--quiet",
        "--transport", "tcp", "--interval", "500ms", "--http", "0", "--bootstrap", bootstrap)) {
      awaitText(n, "web page: ");
      await("the warning naming the unresolved peer", () -> n.err().contains("warning: node early cannot resolve"
          + " bootstrap peer " + bootstrap + ": the host name does not resolve"));
      assertThat(n.err()).contains("resolves the name again every 10 s while it has no neighbour");
      // The join warning names the peer as the operator wrote it, not a bare id.
      await("the join warning", () -> n.err().contains("warning: node early cannot join through bootstrap peer "
          + bootstrap + ": no address known; retrying"));
      int httpPort = n.port("web page: http://127.0.0.1:(\\d+)/");
      assertThat(get("http://127.0.0.1:" + httpPort + "/healthz").statusCode()).isEqualTo(503);
      assertThat(count(n.err(), "cannot resolve")).as(n.err()).isEqualTo(1);
      assertThat(n.stop()).isZero();
    }
  }

  /** Bad ID@HOST:PORT values: exit 2 before anything starts, saying what is wrong with HOST or PORT. */
  @Test
  void aBadBootstrapHostOrPortIsAUsageError() {
    String id = SecretKey.generate(new SecureRandom()).publicKey().toString();
    String[][] cases = {
        {"exa mple.org:7000", "'exa mple.org' is neither an IP address nor a host name"},
        {"-dash.example:7000", "'-dash.example' is neither an IP address nor a host name"},
        {"a..b:7000", "'a..b' is neither an IP address nor a host name"},
        {"x".repeat(64) + ".example:7000", "'" + "x".repeat(64) + ".example' is neither an IP address nor a host name"},
        {"example.org", "invalid socket address 'example.org'"},
        {"example.org:", "the port must be a number, not ''"},
        {"example.org:http", "the port must be a number, not 'http'"},
        {"example.org:0", "the port must be 1..65535 (where the node listens), not 0"},
        {"example.org:70000", "the port must be 1..65535 (where the node listens), not 70000"},
        {"example.org:-1", "the port must be a number, not '-1'"},
        {"127.0.0.1:0", "the port must be 1..65535 (where the node listens), not 0"},
        {"999.1.1.1:7000", "invalid socket address '999.1.1.1:7000'"},
        {"2001:db8::1:7000", "invalid socket address '2001:db8::1:7000'"},
        {":7000", "invalid socket address ':7000'"},
    };
    for (String[] c : cases) {
      String bad = id + "@" + c[0];
      CliTest.Run run = runBounded("gossip", "demo", "n", "--bootstrap", bad);
      assertThat(run.code()).as(bad + "\n" + run.err()).isEqualTo(2);
      String first = run.err().lines().findFirst().orElseThrow();
      // Shown in full up to 120 characters.
      String shown = bad.length() > 120 ? bad.substring(0, 117) + "..." : bad;
      assertThat(first).as(bad).startsWith("keyway: --bootstrap '" + shown + "' is not an endpoint ticket")
          .contains("HOST an IP address or a host name", "(as ID@HOST:PORT: " + c[1]);
      assertThat(run.out()).as(bad).doesNotContain("ticket:");
    }
  }

  /**
   * --advertise: the node announces (and prints in its bootstrap lines) exactly the given addresses
   * instead of what it binds; another member joins through one of them and its book lists them.
   */
  @Test
  void advertiseReplacesTheAddressesTheNodeAnnouncesAndPrints() throws Exception {
    int port = freeTcpPort();
    // Bound to every address; advertised as 127.0.0.2 (a loopback address too, on Linux) and an
    // address of TEST-NET-1 that stands for a NAT's public side.
    try (ServingCommand a = new ServingCommand("bootstrap: ", "gossip", "demo", "natted", "--quiet",
        "--transport", "tcp", "--interval", "500ms", "--bind", "0.0.0.0", "--port", Integer.toString(port),
        "--advertise", "127.0.0.2:" + port + ",192.0.2.7:4433")) {
      String idA = group(a.out(), "gossip demo: node natted (\\S+)");
      // 127.0.0.2 while bound to every address: a warning (the others would dial themselves), not a refusal.
      assertThat(a.err()).contains("keyway: warning: --advertise 127.0.0.2:" + port + ": 127.0.0.2 is a loopback"
          + " address").doesNotContain("--advertise 192.0.2.7");
      List<String> lines = a.out().lines().filter(l -> l.startsWith("bootstrap: ")).toList();
      assertThat(lines).as(a.out()).containsExactly("bootstrap: " + idA + "@127.0.0.2:" + port,
          "bootstrap: " + idA + "@192.0.2.7:4433");
      Path dump = dir.resolve("b.json");
      try (ServingCommand b = new ServingCommand("bootstrap: ", "gossip", "demo", "b", "--quiet",
          "--transport", "tcp", "--interval", "500ms", "--key", keyFile("b.key"), "--json-dump", dump.toString(),
          "--bootstrap", lines.get(0).substring("bootstrap: ".length()))) {
        await("b's book lists the advertised addresses", () -> advertisedIn(dump, idA)
            .equals(List.of("127.0.0.2:" + port, "192.0.2.7:4433")));
        assertThat(b.stop()).isZero();
      }
      assertThat(a.stop()).isZero();
    }
  }

  /** The addresses {@code id} announced, as {@code dump} lists them (empty while not there). */
  private static List<String> advertisedIn(Path dump, String id) {
    try {
      for (JsonNode p : read(dump).get("peers")) {
        if (p.get("id").asText().equals(id)) {
          List<String> addrs = new java.util.ArrayList<>();
          p.get("addrs").forEach(x -> addrs.add(x.asText()));
          return addrs;
        }
      }
    } catch (Exception e) {
      // missing or being rewritten
    }
    return List.of();
  }

  /** Bad --advertise values: exit 2 before anything starts, with what is wrong and what to give. */
  @Test
  void aBadAdvertiseIsAUsageError() {
    StringBuilder seventeen = new StringBuilder();
    for (int i = 1; i <= 17; i++) {
      seventeen.append(i == 1 ? "" : ",").append("192.0.2.").append(i).append(":7000");
    }
    String[][] cases = {
        {"gossip1.example.org:7947", "--advertise 'gossip1.example.org:7947': HOST must be an IP address, not a host name"},
        {"localhost:7947", "--advertise 'localhost:7947': HOST must be an IP address, not a host name"},
        {"192.0.2.1", "--advertise '192.0.2.1' is not IP:PORT or [IPv6]:PORT"},
        {"192.0.2.1:", "--advertise '192.0.2.1:' is not IP:PORT or [IPv6]:PORT"},
        {"192.0.2.1:70000", "--advertise '192.0.2.1:70000' is not IP:PORT or [IPv6]:PORT"},
        {"2001:db8::1:7947", "--advertise '2001:db8::1:7947' is not IP:PORT or [IPv6]:PORT"},
        {"192.0.2.1:0", "--advertise 192.0.2.1:0: port 0 cannot be dialled"},
        {"0.0.0.0:7947", "--advertise 0.0.0.0:7947: 0.0.0.0 is the wildcard address, which no member can dial"},
        {"[::]:7947", "--advertise [::]:7947: :: is the wildcard address"},
        {"224.0.0.1:7947", "--advertise 224.0.0.1:7947: 224.0.0.1 is a multicast address"},
        {"255.255.255.255:7947", "is the broadcast address"},
        {"192.0.2.1:7947,,192.0.2.2:7947", "an empty address"},
        {"192.0.2.1:7947,192.0.2.1:7947", "--advertise 192.0.2.1:7947 is given twice"},
        {seventeen.toString(), "--advertise: at most 16 addresses (what an announcement carries), got 17"},
    };
    for (String[] c : cases) {
      CliTest.Run run = runBounded("gossip", "demo", "n", "--advertise", c[0]);
      assertThat(run.code()).as(c[0] + "\n" + run.err()).isEqualTo(2);
      assertThat(run.err()).as(c[0]).startsWith("keyway: ").contains(c[1], "Usage: keyway gossip demo");
      assertThat(run.out()).as(c[0]).doesNotContain("ticket:");
    }
    CliTest.Run empty = runBounded("gossip", "demo", "n", "--advertise", "");
    assertThat(empty.code()).isEqualTo(2);
    assertThat(empty.out()).doesNotContain("ticket:");
    // The help says what it is for and what it takes.
    CliTest.Run help = CliTest.run("gossip", "demo", "--help");
    assertThat(help.out()).contains("--advertise=IP:PORT[,...]", "behind NAT", "or a host name");
  }

  /** A port that cannot be had fails the start (exit 1) naming the address and the transport. */
  @Test
  void aStartFailureNamesTheAddressAndTransport() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int p = taken.getLocalPort();
      CliTest.Run port = runBounded("gossip", "demo", "n", "--transport", "tcp", "--port", Integer.toString(p));
      assertThat(port.code()).isEqualTo(1);
      assertThat(port.err()).contains("keyway: cannot listen on 127.0.0.1:" + p + " (tcp/tls): Address already in use");
      CliTest.Run http = runBounded("gossip", "demo", "n", "--transport", "tcp", "--http", Integer.toString(p));
      assertThat(http.code()).isEqualTo(1);
      assertThat(http.err()).contains("keyway: cannot listen on 127.0.0.1:" + p + " (http): Address already in use");
      assertThat(http.out()).as("the web page's port is taken before the ticket is printed").doesNotContain("ticket:");
    }
    if (TransportKind.quicAvailable()) {
      try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
        int p = taken.getLocalPort();
        CliTest.Run port = runBounded("gossip", "demo", "n", "--transport", "quic", "--port", Integer.toString(p));
        assertThat(port.code()).isEqualTo(1);
        assertThat(port.err()).contains("keyway: cannot listen on 127.0.0.1:" + p + " (udp/quic): Address already in use");
      }
    }
    // 192.0.2.1 (TEST-NET-1) is no local address.
    CliTest.Run bind = runBounded("gossip", "demo", "n", "--transport", "tcp", "--bind", "192.0.2.1", "--port", "0");
    assertThat(bind.code()).isEqualTo(1);
    assertThat(bind.err()).contains("keyway: cannot listen on 192.0.2.1:0 (tcp/tls): Cannot assign requested address");
  }

  /**
   * A node whose bootstrap peer is not there says so on stderr with the reason (TCP: refused),
   * once for the first failure (the retries are quiet for a minute), and again when it has joined,
   * here after the peer started on that address.
   */
  @Test
  void aNodeWarnsWhenItCannotJoinItsBootstrapPeerAndWhenItFinallyJoins() throws Exception {
    Path keyFile = dir.resolve("target.key");
    KeyFiles.write(keyFile, SecretKey.generate(new SecureRandom()));
    PublicKey target = KeyFiles.read(keyFile).publicKey();
    int port = freeTcpPort();
    String bootstrap = target + "@127.0.0.1:" + port;
    try (ServingCommand lonely = new ServingCommand("bootstrap: ", "gossip", "demo", "lonely", "--quiet",
        "--transport", "tcp", "--interval", "500ms", "--bootstrap", bootstrap)) {
      String warning = "warning: node lonely cannot join through bootstrap peer " + bootstrap + ": connection refused";
      await("the warning naming the bootstrap peer", () -> lonely.err().contains(warning));
      try (ServingCommand peer = new ServingCommand("bootstrap: ", "gossip", "demo", "target", "--quiet",
          "--transport", "tcp", "--interval", "500ms", "--key", keyFile.toString(), "--port", Integer.toString(port))) {
        await("the line saying it has joined", () -> lonely.err().contains("node lonely joined: "));
        assertThat(count(lonely.err(), "warning: node lonely cannot join")).as(lonely.err()).isEqualTo(1);
        assertThat(peer.err()).doesNotContain("warning");
        assertThat(peer.stop()).isZero();
      }
      assertThat(lonely.stop()).isZero();
    }
  }

  /** A live address with another node's id: the joiner names the key mismatch, the peer counts the rejection. */
  @Test
  void aBootstrapWithTheWrongIdIsReportedOnBothSides() throws Exception {
    try (ServingCommand alpha = new ServingCommand("bootstrap: ", "gossip", "demo", "alpha", "--quiet",
        "--transport", "tcp", "--interval", "500ms")) {
      String addr = group(alpha.out(), "bootstrap: \\S+@(\\S+)");
      PublicKey other = SecretKey.generate(new SecureRandom()).publicKey();
      try (ServingCommand x = new ServingCommand("bootstrap: ", "gossip", "demo", "x", "--quiet",
          "--transport", "tcp", "--interval", "500ms", "--bootstrap", other + "@" + addr)) {
        await("x names the key mismatch", () -> x.err().contains("warning: node x cannot join through bootstrap peer "
            + other + "@" + addr + ": handshake rejected: the peer at that address presented another key"));
        await("alpha reports the rejected handshake", () -> alpha.err().contains("warning: node alpha rejected "));
        assertThat(x.stop()).isZero();
      }
      assertThat(alpha.stop()).isZero();
    }
  }

  @Test
  void swarmNodesWarnWhenTheyCannotJoin() throws Exception {
    PublicKey target = SecretKey.generate(new SecureRandom()).publicKey();
    String bootstrap = target + "@127.0.0.1:" + freeTcpPort();
    try (ServingCommand swarm = new ServingCommand("gossip swarm: 2 nodes running", "gossip", "swarm", "2",
        "--transport", "tcp", "--interval", "500ms", "--bootstrap", bootstrap)) {
      await("both nodes warn", () -> swarm.err().contains("warning: node n0 cannot join through bootstrap peer "
          + bootstrap + ": connection refused") && swarm.err().contains("warning: node n1 cannot join"));
      assertThat(swarm.stop()).isZero();
    }
  }

  /**
   * A dump that cannot be written is reported on stderr with the reason, once (not every second),
   * and that it is written again once it can be.
   */
  @Test
  void aDumpThatCannotBeWrittenIsReportedOnceWithTheReason() throws Exception {
    Path sub = Files.createDirectory(dir.resolve("dumps"));
    Path dump = sub.resolve("n.json");
    try (ServingCommand n = new ServingCommand("bootstrap: ", "gossip", "demo", "n", "--quiet",
        "--transport", "tcp", "--json-dump", dump.toString())) {
      await("the first dump", () -> Files.exists(dump));
      // The node rewrites the dump every second through a sibling .tmp file: a write between the
      // deletions (or its .tmp file) left the directory not empty. Retry until it is gone.
      Path tmp = sub.resolve(dump.getFileName() + ".tmp");
      await("the dump directory removed", () -> {
        try {
          Files.deleteIfExists(dump);
          Files.deleteIfExists(tmp);
          Files.delete(sub);
          return true;
        } catch (java.nio.file.DirectoryNotEmptyException rewritten) {
          return false;
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      String failure = "warning: cannot write " + dump + ": no such directory " + sub;
      await("the failure with its reason", () -> n.err().contains(failure));
      Thread.sleep(2500); // the once-a-second writer fails a few more times (not a timing assertion)
      Files.createDirectory(sub);
      await("the recovery", () -> n.err().contains("writing " + dump + " again") && Files.exists(dump));
      assertThat(count(n.err(), "cannot write")).as(n.err()).isEqualTo(1);
      assertThat(n.out()).doesNotContain("cannot write");
      assertThat(n.stop()).isZero();
    }
  }

  @Test
  void swarmRejectsBadArgumentsBeforeStarting() {
    CliTest.Run flapping = runBounded("gossip", "swarm", "2", "--interval", "10s", "--expiry", "5s");
    assertThat(flapping.code()).isEqualTo(2);
    assertThat(flapping.err()).startsWith("keyway: --interval 10s must be shorter than --expiry 5s")
        .contains("Usage: keyway gossip swarm");
    CliTest.Run longName = runBounded("gossip", "swarm", "11", "--name-prefix", "n".repeat(63));
    assertThat(longName.code()).isEqualTo(2);
    assertThat(longName.err()).contains("is 65 bytes long");
  }

  /** Runs a command that is expected to end by itself (a failed start), bounded so a bug cannot hang the build. */
  private static CliTest.Run runBounded(String... args) {
    return assertTimeoutPreemptively(Duration.ofSeconds(60), () -> CliTest.run(args));
  }

  /**
   * A loopback TCP port nobody listens on, below the kernel's ephemeral range: the tests keep it
   * free for seconds (and one binds it later), and a port from the ephemeral range (what port 0
   * gives) can meanwhile become the local port of any outgoing connection.
   */
  private static int freeTcpPort() throws Exception {
    int ephemeralLow = 32_768;
    try {
      ephemeralLow = Integer.parseInt(Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
          .trim().split("\\s+")[0]);
    } catch (java.io.IOException | RuntimeException notLinux) {
      // keep Linux's default
    }
    java.util.Random random = new java.util.Random();
    for (int i = 0; ephemeralLow > 11_000 && i < 100; i++) {
      int port = 10_000 + random.nextInt(ephemeralLow - 10_000);
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return s.getLocalPort();
      } catch (java.io.IOException busy) {
        // try another
      }
    }
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      n++;
    }
    return n;
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
