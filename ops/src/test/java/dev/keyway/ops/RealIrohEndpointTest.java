package dev.keyway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real iroh 1.0 endpoint uses a keyway DNS server as its discovery server.
 *
 * <p>The endpoints are n0's Node.js bindings of the iroh crate ({@code interop/iroh}, npm
 * {@code @number0/iroh} 1.1.0 = iroh 1.0.2), run in a network namespace whose
 * {@code /etc/resolv.conf} names our DNS server, which serves iroh's own origin
 * {@code dns.iroh.link}. Endpoint B uses iroh's n0 preset (without relays), i.e. iroh's
 * {@code DnsAddressLookup}; it dials endpoint A by its id alone. A publishes nothing itself: its
 * records are signed and PUT by {@code keyway publish}. So the connection proves that iroh
 * parses the TXT records our server builds from our client's signed packets, over real DNS.
 * (iroh's own publisher only talks HTTPS to hosts with a web-PKI certificate, which a test
 * cannot have, so the PUT side is covered by the vector tests and {@link RealPkarrClientsTest}.)
 *
 * <p>Needs root (network namespaces); see {@link InteropPrerequisites}.
 */
class RealIrohEndpointTest {
  private static final Path INTEROP = InteropPrerequisites.dir("iroh");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void anIrohEndpointFindsAnotherThroughKeywayDnsAndConnects() throws Exception {
    withEndpoints((deployment, iroh, keyA, v4, v6) -> {
      // Control: an id nobody published cannot be dialled, so a success below is the lookup's.
      iroh.send("dial " + id(key("unpublished.key")));
      JsonNode failed = iroh.next("dial_failed");
      assertThat(failed.get("error").asText()).contains("No addressing information");

      deployment.publish(keyA, "--addr", v4, "--addr", v6,
          "--relay-url", "https://relay.keyway.test./");

      iroh.send("dial " + id(keyA));
      JsonNode dialled = iroh.next("dialled");
      assertThat(dialled.get("remote").asText()).isEqualTo(id(keyA));
      assertThat(dialled.get("reply").asText()).isEqualTo("echo:hello");
      assertThat(strings(dialled.get("lookedUp"))).containsExactlyInAnyOrder(v4, v6);
      assertThat(dialled.get("lookedUpRelay").asText()).startsWith("https://relay.keyway.test");
      assertThat(strings(dialled.get("paths"))).containsAnyOf(v4, v6);
    });
  }

  /**
   * Twenty addresses make an answer of about 900 bytes, more than a plain (non-EDNS) UDP answer
   * may carry: iroh must still see every address.
   */
  @Test
  void anAnswerTooLargeForPlainUdpStillReachesIroh() throws Exception {
    withEndpoints((deployment, iroh, keyA, v4, v6) -> {
      List<String> args = new ArrayList<>(List.of("--addr", v4));
      List<String> expected = new ArrayList<>(List.of(v4));
      for (int i = 1; i <= 19; i++) {
        String unreachable = "192.0.2." + i + ":" + (40000 + i);  // TEST-NET-1, never answers
        args.addAll(List.of("--addr", unreachable));
        expected.add(unreachable);
      }
      deployment.publish(keyA, args.toArray(String[]::new));

      iroh.send("dial " + id(keyA));
      JsonNode dialled = iroh.next("dialled");
      assertThat(dialled.get("reply").asText()).isEqualTo("echo:hello");
      assertThat(strings(dialled.get("lookedUp"))).containsExactlyInAnyOrderElementsOf(expected);
      // iroh 1.0.2's resolver asks over UDP without a larger EDNS size, so the answer came
      // truncated and iroh took it over TCP (a later iroh may not need to; the pin is 1.0.2).
      String metrics = deployment.metrics();
      assertThat(counter(metrics, "dns_server_dns_truncated_total")).isPositive();
      assertThat(counter(metrics, "dns_server_dns_requests_tcp_total")).isPositive();
    });
  }

  /**
   * The way iroh meets keyway in production: through a recursive resolver. Unbound (Debian's,
   * with QNAME minimisation and 0x20 case randomisation on) runs in the namespace with keyway as
   * the authority of {@code dns.iroh.link}; iroh asks Unbound. Minimisation asks for the empty
   * non-terminal {@code <z32>.dns.iroh.link} first, which must be NODATA, not NXDOMAIN, and
   * every answer must echo the query's mixed case.
   */
  @Test
  void anIrohEndpointFindsAnotherThroughARecursiveResolver() throws Exception {
    withEndpoints(true, (deployment, iroh, keyA, v4, v6) -> {
      iroh.send("dial " + id(key("unpublished.key")));
      assertThat(iroh.next("dial_failed").get("error").asText()).contains("No addressing information");

      deployment.publish(keyA, "--addr", v4);
      iroh.send("dial " + id(keyA));
      JsonNode dialled = iroh.next("dialled");
      assertThat(dialled.get("reply").asText()).isEqualTo("echo:hello");
      assertThat(strings(dialled.get("lookedUp"))).containsExactly(v4);
    });
  }

  /** A keyway DNS server for the namespace, and iroh's endpoints inside it. */
  private void withEndpoints(Scenario scenario) throws Exception {
    withEndpoints(false, scenario);
  }

  /** The same, with iroh asking an Unbound in the namespace instead of keyway directly. */
  private void withEndpoints(boolean recursive, Scenario scenario) throws Exception {
    InteropPrerequisites.require("iroh", List.of("@number0/iroh"), true);
    if (recursive) {
      InteropPrerequisites.requireCommands("unbound");
    }
    try (NetworkNamespace ns = NetworkNamespace.create();
        ServingCommand server = new ServingCommand("metrics on", "dns-server", "-c",
            dnsConfig(ns.hostAddress()).toString());
        Unbound unbound = recursive ? Unbound.start(ns, dir) : null) {
      Deployment deployment = new Deployment(
          "http://127.0.0.1:" + server.port("iroh api on http://127\\.0\\.0\\.1:(\\d+)") + "/pkarr",
          "http://127.0.0.1:" + server.port("metrics on http://127\\.0\\.0\\.1:(\\d+)") + "/metrics");
      Path keyA = key("a.key");
      String nameserver = unbound != null ? unbound.address() : ns.hostAddress();
      try (Endpoints iroh = Endpoints.start(ns, dir, nameserver, Files.readString(keyA).strip())) {
        JsonNode ready = iroh.next("ready");
        assertThat(ready.get("a").asText()).isEqualTo(id(keyA));
        scenario.run(deployment, iroh, keyA, boundPort(ready, "0.0.0.0:", ns.insideAddress() + ":"),
            boundPort(ready, "[::]:", "[::1]:"));
      }
    }
  }

  @FunctionalInterface
  private interface Scenario {
    /** {@code v4} and {@code v6} are where endpoint A can be reached inside the namespace. */
    void run(Deployment deployment, Endpoints iroh, Path keyA, String v4, String v6) throws Exception;
  }

  /** The keyway side: where to publish, and its metrics. */
  private record Deployment(String pkarrUrl, String metricsUrl) {
    void publish(Path key, String... addresses) {
      List<String> args = new ArrayList<>(List.of("publish", "--secret", key.toString(), "--to", pkarrUrl));
      args.addAll(List.of(addresses));
      CliTest.Run published = CliTest.run(args.toArray(String[]::new));
      assertThat(published.code()).as(published.out() + published.err()).isZero();
    }

    String metrics() throws Exception {
      return java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create(metricsUrl)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }
  }

  private static double counter(String metrics, String name) {
    return metrics.lines().filter(l -> l.startsWith(name + " ")).findFirst()
        .map(l -> Double.parseDouble(l.substring(name.length() + 1).strip()))
        .orElseThrow(() -> new AssertionError(name + " not in\n" + metrics));
  }

  /** iroh's own origin, so the n0 preset's lookup needs no change; no apex A (see below). */
  private Path dnsConfig(String listen) throws IOException {
    // Without an apex A record, endpoint B's own n0 publisher (https://dns.iroh.link/pkarr)
    // fails at once on NODATA instead of trying a connection.
    return Files.writeString(dir.resolve("dns.toml"), """
        data_dir = "data"
        pkarr_put_rate_limit = "disabled"
        [http]
        port = 0
        bind_addr = "127.0.0.1"
        [dns]
        port = 53
        bind_addr = "%s"
        origins = ["dns.iroh.link.", "."]
        default_soa = "dns.iroh.link hostmaster.dns.iroh.link 0 10800 3600 604800 30"
        [metrics]
        disabled = false
        bind_addr = "127.0.0.1:0"
        """.formatted(listen));
  }

  private Path key(String name) {
    Path file = dir.resolve(name);
    CliTest.Run r = CliTest.run("key", "generate", "--out", file.toString());
    assertThat(r.code()).as(r.err()).isZero();
    return file;
  }

  private static String id(Path keyFile) throws IOException {
    CliTest.Run r = CliTest.run("key", "show", "--json", keyFile.toString());
    return JSON.readTree(r.out()).get("id").asText();
  }

  /** The socket A bound whose text starts with {@code bound}, as {@code host} plus its port. */
  private static String boundPort(JsonNode ready, String bound, String host) {
    for (String socket : strings(ready.get("aSockets"))) {
      if (socket.startsWith(bound)) {
        return host + socket.substring(bound.length());
      }
    }
    throw new AssertionError("no socket " + bound + "* in " + ready);
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** Debian's Unbound in the namespace, recursing for {@code dns.iroh.link} to keyway only. */
  private static final class Unbound implements AutoCloseable {
    static final String ADDRESS = "127.0.0.1";
    private final Process process;

    private Unbound(Process process) {
      this.process = process;
    }

    static Unbound start(NetworkNamespace ns, Path dir) throws Exception {
      // No validator (the test has no root trust anchor); the settings the test relies on are
      // spelled out even where they are Unbound's defaults.
      Path conf = Files.writeString(dir.resolve("unbound.conf"), """
          server:
            interface: %s
            port: 53
            do-daemonize: no
            username: ""
            chroot: ""
            directory: "%s"
            pidfile: ""
            use-syslog: no
            logfile: ""
            verbosity: 1
            module-config: "iterator"
            qname-minimisation: yes
            qname-minimisation-strict: yes
            use-caps-for-id: yes
            do-not-query-localhost: no
            access-control: 127.0.0.0/8 allow
          stub-zone:
            name: "dns.iroh.link."
            stub-addr: %s@53
          """.formatted(ADDRESS, dir, ns.hostAddress()));
      Path log = dir.resolve("unbound.log");
      Process p = new ProcessBuilder(ns.exec(List.of("unbound", "-d", "-c", conf.toString())))
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      Unbound unbound = new Unbound(p);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!Files.readString(log).contains("start of service")) {
        if (!p.isAlive() || System.nanoTime() > deadline) {
          unbound.close();
          throw new AssertionError("unbound did not start:\n" + Files.readString(log));
        }
        Thread.sleep(50); // polling for readiness, not a timing assertion
      }
      return unbound;
    }

    /** Where it answers, inside the namespace. */
    String address() {
      return ADDRESS;
    }

    @Override
    public void close() {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** {@code interop/iroh/endpoints.js} in the namespace, spoken to line by line. */
  private static final class Endpoints implements AutoCloseable {
    private final Process process;
    private final Writer stdin;
    private final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
    private final Path stderr;

    private Endpoints(Process process, Path stderr) {
      this.process = process;
      this.stderr = stderr;
      this.stdin = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      Thread reader = new Thread(this::read, "iroh-endpoints-stdout");
      reader.setDaemon(true);
      reader.start();
    }

    static Endpoints start(NetworkNamespace ns, Path dir, String nameserver, String secretHex)
        throws IOException {
      Path resolvConf = Files.writeString(dir.resolve("resolv.conf"), "nameserver " + nameserver + "\n");
      Path stderr = dir.resolve("endpoints.err");
      // `ip netns exec` runs the command in a mount namespace of its own, so this bind mount is
      // seen by the endpoints only.
      ProcessBuilder pb = new ProcessBuilder(ns.exec(List.of("sh", "-c",
          "mount --bind \"$0\" /etc/resolv.conf && exec node endpoints.js", resolvConf.toString())))
          .directory(INTEROP.toFile())
          .redirectError(stderr.toFile());
      pb.environment().put("A_SECRET", secretHex);
      pb.environment().put("A_BIND", "0.0.0.0:0");
      pb.environment().put("DIAL_TIMEOUT_MS", "20000");
      return new Endpoints(pb.start(), stderr);
    }

    private void read() {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          events.add(line.startsWith("{") ? JSON.readTree(line)
              : JSON.createObjectNode().put("event", "output").put("line", line));
        }
      } catch (IOException e) {
        events.add(JSON.createObjectNode().put("event", "read_failed").put("error", e.toString()));
      }
    }

    void send(String line) throws IOException {
      stdin.write(line + "\n");
      stdin.flush();
    }

    /** The next event; fails if it is another one or none comes within 60 s. */
    JsonNode next(String event) throws Exception {
      JsonNode e = events.poll(60, TimeUnit.SECONDS);
      if (e == null || !event.equals(e.path("event").asText())) {
        throw new AssertionError("expected " + event + ", got " + e + "; stderr:\n"
            + (Files.exists(stderr) ? Files.readString(stderr) : ""));
      }
      return e;
    }

    @Override
    public void close() {
      try {
        send("quit");
      } catch (IOException e) {
        // already gone
      }
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
