package dev.keyway.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.client.InvalidInputException;
import dev.keyway.client.addr.EndpointAddr;
import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.addr.TransportAddr;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.gossip.book.BookConfig;
import dev.keyway.gossip.net.TransportKind;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Bootstrap peers given by host name ({@link GossipBootstrapNames}: resolved at start, again while
 * isolated, failures in words with time passed in and the lookup faked), how {@code --bootstrap}
 * and {@code --advertise} values parse, and a node that joins once its peer's name resolves.
 */
class GossipBootstrapNamesTest {
  private static final SplittableRandom RANDOM = new SplittableRandom(11);
  private static final long RETRY = GossipBootstrapNames.RETRY.toMillis();
  private static final long MINUTE = GossipJoinWatch.REPEAT.toMillis();

  private static SecretKey secret() {
    byte[] seed = new byte[32];
    RANDOM.nextBytes(seed);
    return SecretKey.fromBytes(seed);
  }

  /** A lookup that fails while {@code failing} is positive (counting down), then answers {@code ips}. */
  private static GossipBootstrapNames.Lookup flaky(AtomicInteger failing, List<InetAddress> ips) {
    return host -> {
      if (failing.getAndDecrement() > 0) {
        throw new UnknownHostException(host + ": Name or service not known");
      }
      return ips;
    };
  }

  private static InetAddress ip(String literal) throws UnknownHostException {
    return InetAddress.getByName(literal); // a literal: nothing is looked up
  }

  @Test
  void aNameThatDoesNotResolveAtStartIsAWarningThenRetriedWhileIsolatedUntilItResolves() throws Exception {
    PublicKey id = secret().publicKey();
    PublicKey other = secret().publicKey();
    EndpointAddr literal = EndpointAddr.of(other, new TransportAddr.Ip(SocketAddr.parse("192.0.2.1:7000")));
    AtomicInteger failing = new AtomicInteger(7);
    GossipBootstrapNames names = new GossipBootstrapNames("n1", List.of(
        GossipBootstrapNames.Peer.named(id, "seed.cluster.test", 7947), GossipBootstrapNames.Peer.of(literal)),
        flaky(failing, List.of(ip("10.0.0.5"), ip("fd00::5"), ip("10.0.0.5"))));
    assertThat(names.labels()).containsExactly(java.util.Map.entry(id, id + "@seed.cluster.test:7947"));

    GossipBootstrapNames.Resolution start = names.start(0);
    // Every peer is joined through: the named one without addresses for now.
    assertThat(start.addrs()).containsExactly(EndpointAddr.of(id), literal);
    assertThat(start.lines()).singleElement().asString().isEqualTo("warning: node n1 cannot resolve bootstrap peer "
        + id + "@seed.cluster.test:7947: the host name does not resolve (Name or service not known); the node"
        + " runs without its address and resolves the name again every 10 s while it has no neighbour");

    // Not again before RETRY, and never while the node has a neighbour.
    assertThat(names.due(0, RETRY - 1)).isFalse();
    assertThat(names.retry(0, RETRY - 1).lines()).isEmpty();
    assertThat(names.due(1, RETRY)).isFalse();
    assertThat(names.retry(1, RETRY).addrs()).isEmpty();
    assertThat(failing.get()).as("no lookup while not due").isEqualTo(6);

    // Failing on: quiet for a minute, then one line with the count.
    long t = RETRY;
    for (; t < MINUTE; t += RETRY) {
      assertThat(names.due(0, t)).isTrue();
      GossipBootstrapNames.Resolution r = names.retry(0, t);
      assertThat(r.addrs()).isEmpty();
      assertThat(r.lines()).as("at %d ms", t).isEmpty();
    }
    GossipBootstrapNames.Resolution still = names.retry(0, t);
    assertThat(still.lines()).singleElement().asString()
        .startsWith("warning: node n1 still cannot resolve bootstrap peer " + id + "@seed.cluster.test:7947: the host"
            + " name does not resolve")
        .contains("(6 more failed lookup(s) since the last report, 7 in all)");

    // It resolves: every address (each once) goes to the node, and one line says so.
    t += RETRY;
    GossipBootstrapNames.Resolution resolved = names.retry(0, t);
    assertThat(resolved.addrs()).containsExactly(EndpointAddr.of(id,
        new TransportAddr.Ip(SocketAddr.parse("10.0.0.5:7947")), new TransportAddr.Ip(SocketAddr.parse("[fd00::5]:7947"))));
    assertThat(resolved.lines()).containsExactly("node n1 resolved bootstrap peer " + id + "@seed.cluster.test:7947"
        + " after 7 failed lookup(s): 10.0.0.5:7947, [fd00::5]:7947");
    // Still isolated: looked up again, but the same addresses are news to nobody.
    t += RETRY;
    GossipBootstrapNames.Resolution same = names.retry(0, t);
    assertThat(same.addrs()).isEmpty();
    assertThat(same.lines()).isEmpty();
  }

  @Test
  void aNameThatResolvesAtStartSaysNothingAndNewAddressesLaterAreGiven() throws Exception {
    PublicKey id = secret().publicKey();
    List<List<InetAddress>> answers = new ArrayList<>(List.of(List.of(ip("10.0.0.5")), List.of(ip("10.0.0.9"))));
    GossipBootstrapNames names = new GossipBootstrapNames("n1",
        List.of(GossipBootstrapNames.Peer.named(id, "seed", 7947)),
        host -> answers.size() > 1 ? answers.remove(0) : answers.get(0));
    GossipBootstrapNames.Resolution start = names.start(0);
    assertThat(start.lines()).isEmpty();
    assertThat(start.addrs()).containsExactly(EndpointAddr.of(id, new TransportAddr.Ip(SocketAddr.parse("10.0.0.5:7947"))));
    // The peer came back elsewhere (a rescheduled container) while this node was isolated.
    GossipBootstrapNames.Resolution moved = names.retry(0, RETRY);
    assertThat(moved.addrs()).containsExactly(EndpointAddr.of(id, new TransportAddr.Ip(SocketAddr.parse("10.0.0.9:7947"))));
    assertThat(moved.lines()).isEmpty();
  }

  /**
   * A resolver that does not answer holds a round up for at most the cap: the start returns with
   * the name unresolved and a warning, and the next round takes the answer of the lookup still
   * running rather than starting a second one.
   */
  @Test
  void aResolverThatDoesNotAnswerHoldsTheStartForAtMostTheCap() throws Exception {
    PublicKey id = secret().publicKey();
    java.util.concurrent.CountDownLatch answer = new java.util.concurrent.CountDownLatch(1);
    AtomicInteger lookups = new AtomicInteger();
    GossipBootstrapNames names = new GossipBootstrapNames("n1",
        List.of(GossipBootstrapNames.Peer.named(id, "seed", 7947)), host -> {
          lookups.incrementAndGet();
          try {
            if (!answer.await(60, TimeUnit.SECONDS)) {
              throw new UnknownHostException(host + ": still no answer");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnknownHostException(host + ": interrupted");
          }
          return List.of(ip("10.0.0.5"));
        });
    try {
      GossipBootstrapNames.Resolution start = names.start(0);
      assertThat(start.addrs()).containsExactly(EndpointAddr.of(id));
      assertThat(start.lines()).singleElement().asString().startsWith("warning: node n1 cannot resolve bootstrap peer "
          + id + "@seed:7947: the resolver gave no answer within 2 s (the lookup goes on; the next try takes its"
          + " answer)");
    } finally {
      answer.countDown();
    }
    GossipBootstrapNames.Resolution resolved = names.retry(0, RETRY);
    assertThat(resolved.addrs()).containsExactly(EndpointAddr.of(id, new TransportAddr.Ip(SocketAddr.parse("10.0.0.5:7947"))));
    assertThat(lookups).hasValue(1);
  }

  /**
   * The answer of a lookup that timed out, taken by a round more than {@link
   * GossipBootstrapNames#ANSWER_TTL} after the lookup began (the node was not isolated meanwhile,
   * say), is stale: dropped, and the name looked up again. The first lookup's thread has ended, so
   * its answer is there to be taken, before that round.
   */
  @Test
  void anAnswerOlderThanTheCacheTtlIsDroppedAndTheNameLookedUpAgain() throws Exception {
    PublicKey id = secret().publicKey();
    java.util.concurrent.CountDownLatch began = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch answer = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicReference<Thread> first = new java.util.concurrent.atomic.AtomicReference<>();
    AtomicInteger lookups = new AtomicInteger();
    GossipBootstrapNames names = new GossipBootstrapNames("n1",
        List.of(GossipBootstrapNames.Peer.named(id, "seed", 7947)), host -> {
          if (lookups.incrementAndGet() > 1) {
            return List.of(ip("10.0.0.9")); // the record now
          }
          first.set(Thread.currentThread());
          began.countDown();
          try {
            answer.await(60, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return List.of(ip("10.0.0.5")); // the record when it was asked
        }, Duration.ofMillis(100));
    try {
      GossipBootstrapNames.Resolution start = names.start(0);
      assertThat(start.addrs()).containsExactly(EndpointAddr.of(id));
      assertThat(start.lines()).singleElement().asString().contains("the resolver gave no answer within 100 ms");
      assertThat(began.await(60, TimeUnit.SECONDS)).isTrue();
    } finally {
      answer.countDown();
    }
    first.get().join(TimeUnit.SECONDS.toMillis(60)); // its answer is in
    assertThat(first.get().isAlive()).isFalse();
    long later = GossipBootstrapNames.ANSWER_TTL.toMillis() + 1;
    GossipBootstrapNames.Resolution resolved = names.retry(0, later);
    assertThat(resolved.addrs()).containsExactly(EndpointAddr.of(id, new TransportAddr.Ip(SocketAddr.parse("10.0.0.9:7947"))));
    assertThat(resolved.lines()).containsExactly("node n1 resolved bootstrap peer " + id + "@seed:7947 after 1 failed"
        + " lookup(s): 10.0.0.9:7947");
    assertThat(lookups).hasValue(2);
  }

  /**
   * A round interrupted (the node shutting down) warns about no name and counts no failure; the
   * lookups it began are taken by the next round.
   */
  @Test
  void anInterruptedRoundWarnsAboutNoName() throws Exception {
    PublicKey one = secret().publicKey();
    PublicKey two = secret().publicKey();
    java.util.concurrent.CountDownLatch answer = new java.util.concurrent.CountDownLatch(1);
    AtomicInteger lookups = new AtomicInteger();
    GossipBootstrapNames names = new GossipBootstrapNames("n1", List.of(
        GossipBootstrapNames.Peer.named(one, "seed-1", 7947), GossipBootstrapNames.Peer.named(two, "seed-2", 7947)),
        host -> {
          lookups.incrementAndGet();
          try {
            answer.await(60, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return List.of(ip(host.equals("seed-1") ? "10.0.0.1" : "10.0.0.2"));
        });
    GossipBootstrapNames.Resolution start;
    try {
      Thread.currentThread().interrupt();
      start = names.start(0);
    } finally {
      assertThat(Thread.interrupted()).as("the interrupt is kept").isTrue();
      answer.countDown();
    }
    assertThat(start.lines()).isEmpty();
    assertThat(start.addrs()).containsExactly(EndpointAddr.of(one), EndpointAddr.of(two));
    GossipBootstrapNames.Resolution next = names.retry(0, RETRY);
    assertThat(next.addrs()).containsExactly(
        EndpointAddr.of(one, new TransportAddr.Ip(SocketAddr.parse("10.0.0.1:7947"))),
        EndpointAddr.of(two, new TransportAddr.Ip(SocketAddr.parse("10.0.0.2:7947"))));
    assertThat(next.lines()).as("no failure was counted").isEmpty();
    assertThat(lookups).hasValue(2);
  }

  @Test
  void withoutNamesNothingIsLookedUp() {
    EndpointAddr literal = EndpointAddr.of(secret().publicKey(), new TransportAddr.Ip(SocketAddr.parse("192.0.2.1:7000")));
    GossipBootstrapNames names = new GossipBootstrapNames("n1", List.of(GossipBootstrapNames.Peer.of(literal)),
        host -> {
          throw new AssertionError("looked up " + host);
        });
    assertThat(names.hasNames()).isFalse();
    assertThat(names.start(0).addrs()).containsExactly(literal);
    assertThat(names.due(0, 10 * RETRY)).isFalse();
    assertThat(names.retry(0, 10 * RETRY).addrs()).isEmpty();
  }

  @Test
  void bootstrapHostsAreIpLiteralsOrHostNames() {
    PublicKey id = secret().publicKey();
    GossipBootstrapNames.Peer local = GossipNodeOptions.parseBootstrap(id + "@localhost:7000");
    assertThat(local.isNamed()).isTrue();
    assertThat(local.host()).isEqualTo("localhost");
    assertThat(local.port()).isEqualTo(7000);
    assertThat(local.addr()).isEqualTo(EndpointAddr.of(id));
    for (String name : new String[] {"gossip-1.example.org", "example.org.", "compose_gossip_1", "a", "x1"}) {
      assertThat(GossipNodeOptions.parseBootstrap(id + "@" + name + ":1").host()).isEqualTo(name);
    }
    assertThat(GossipNodeOptions.parseBootstrap(id + "@" + "x".repeat(63) + ".org:65535").isNamed()).isTrue();
    GossipBootstrapNames.Peer v4 = GossipNodeOptions.parseBootstrap(id + "@127.0.0.1:7000");
    assertThat(v4.isNamed()).isFalse();
    assertThat(v4.addr().ipAddrs()).containsExactly(SocketAddr.parse("127.0.0.1:7000"));
    assertThat(GossipNodeOptions.parseBootstrap(id + "@[::1]:7000").addr().ipAddrs())
        .containsExactly(SocketAddr.parse("[::1]:7000"));
    for (String bad : new String[] {"a_b c:1", "-a:1", "a-:1", "a..b:1", ".a:1", "1.2.3:1", "a:1:2", "a:+1", "a:00000001"}) {
      assertThatThrownBy(() -> GossipNodeOptions.parseBootstrap(id + "@" + bad)).as(bad)
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("is not an endpoint ticket");
    }
  }

  /** Loopback and link-local advertised addresses are warned about, unless the node binds loopback. */
  @Test
  void advertisingALoopbackOrLinkLocalAddressWhileBoundBeyondLoopbackIsAWarning() throws Exception {
    List<SocketAddr> advertised = GossipNodeOptions.parseAdvertise(
        List.of("127.0.0.2:7947,169.254.1.2:7947,[fe80::1]:7947,192.0.2.7:7947"));
    List<String> warnings = GossipNodeOptions.advertiseWarnings(advertised, ip("0.0.0.0"));
    assertThat(warnings).hasSize(3);
    assertThat(warnings.get(0)).startsWith("warning: --advertise 127.0.0.2:7947: 127.0.0.2 is a loopback address,"
        + " which only this host can dial, yet --bind 0.0.0.0 takes connections from other hosts");
    assertThat(warnings.get(1)).startsWith("warning: --advertise 169.254.1.2:7947: 169.254.1.2 is a link-local address");
    assertThat(warnings.get(2)).contains("fe80::1 is a link-local address");
    assertThat(GossipNodeOptions.advertiseWarnings(advertised, ip("192.0.2.1"))).hasSize(3);
    assertThat(GossipNodeOptions.advertiseWarnings(advertised, ip("127.0.0.1"))).isEmpty();
    assertThat(GossipNodeOptions.advertiseWarnings(List.of(SocketAddr.parse("192.0.2.7:7947")), ip("0.0.0.0")))
        .isEmpty();
  }

  @Test
  void advertisedAddressesKeepTheirOrderAcrossCommasAndRepeats() {
    assertThat(GossipNodeOptions.parseAdvertise(List.of("203.0.113.7:7947, [2001:db8::7]:7947", "127.0.0.1:1")))
        .containsExactly(SocketAddr.parse("203.0.113.7:7947"), SocketAddr.parse("[2001:db8::7]:7947"),
            SocketAddr.parse("127.0.0.1:1"));
    assertThat(GossipNodeOptions.parseAdvertise(List.of())).isEmpty();
    List<String> sixteen = new ArrayList<>();
    for (int i = 1; i <= 16; i++) {
      sixteen.add("192.0.2." + i + ":7000");
    }
    assertThat(GossipNodeOptions.parseAdvertise(sixteen)).hasSize(16);
    assertThatThrownBy(() -> GossipNodeOptions.parseAdvertise(List.of("203.0.113.7:7947", "203.0.113.7:7947")))
        .hasMessage("--advertise 203.0.113.7:7947 is given twice");
  }

  /**
   * The example settings in deploy/config/gossip.env (commented out or not) parse: picocli takes
   * the options, and each --bootstrap and --advertise value is one the node accepts. (DeployFilesTest
   * starts the unit's command line with the settings that are not commented out.)
   */
  @Test
  void theExampleArgumentsOfTheDeployedSettingsParse() throws Exception {
    List<String> examples = java.nio.file.Files.readAllLines(java.nio.file.Path.of("deploy/config/gossip.env")).stream()
        .filter(l -> l.matches("#?KEYWAY_GOSSIP_ARGS=.*")).map(l -> l.substring(l.indexOf('=') + 1).trim()).toList();
    assertThat(examples).hasSizeGreaterThanOrEqualTo(2);
    int named = 0;
    int advertised = 0;
    for (String example : examples) {
      List<String> args = new ArrayList<>(List.of("gossip", "demo", "n"));
      if (!example.isEmpty()) {
        args.addAll(List.of(example.split("\\s+")));
      }
      dev.keyway.ops.Main.commandLine().parseArgs(args.toArray(String[]::new)); // throws on a bad option
      for (int i = 3; i + 1 < args.size(); i++) {
        if (args.get(i).equals("--bootstrap")) {
          named += GossipNodeOptions.parseBootstrap(args.get(i + 1)).isNamed() ? 1 : 0;
        } else if (args.get(i).equals("--advertise")) {
          advertised += GossipNodeOptions.parseAdvertise(List.of(args.get(i + 1))).size();
        }
      }
    }
    assertThat(named).as("an example names a host").isPositive();
    assertThat(advertised).as("an example advertises").isPositive();
  }

  /**
   * A node whose bootstrap peer's name does not resolve at first starts alone, and joins the peer
   * once the name resolves (the lookup is faked; the nodes are real, on 127.0.0.1).
   */
  @Test
  void aNodeJoinsItsPeerOnceThePeersNameResolves() throws Exception {
    StringWriter outA = new StringWriter();
    StringWriter errA = new StringWriter();
    StringWriter outB = new StringWriter();
    StringWriter errB = new StringWriter();
    SecretKey keyA = secret();
    GossipDemoNode a = new GossipDemoNode(new PrintWriter(outA, true), new PrintWriter(errA, true), true, null);
    AtomicInteger failing = new AtomicInteger(1);
    GossipDemoNode b = new GossipDemoNode(new PrintWriter(outB, true), new PrintWriter(errB, true), true, null, null,
        Clock.systemUTC(), flaky(failing, List.of(InetAddress.getLoopbackAddress())));
    try {
      InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
      BookConfig book = BookConfig.defaults("a").withAnnounceInterval(Duration.ofMillis(500));
      a.start(keyA, TransportKind.TCP, loopback, book, List.of(), null);
      int port = a.endpointAddr().ipAddrs().get(0).port();
      String label = keyA.publicKey() + "@seed.cluster.test:" + port;
      b.start(secret(), TransportKind.TCP, loopback,
          BookConfig.defaults("b").withAnnounceInterval(Duration.ofMillis(500)),
          List.of(GossipBootstrapNames.Peer.named(keyA.publicKey(), "seed.cluster.test", port)), null);
      assertThat(errB.toString()).contains("warning: node b cannot resolve bootstrap peer " + label);
      await("b resolves the name and joins", () -> errB.toString().contains("node b resolved bootstrap peer " + label
          + " after 1 failed lookup(s): 127.0.0.1:" + port) && errB.toString().contains("node b joined: "));
    } finally {
      b.close();
      a.close();
    }
  }

  /**
   * A resolver that hangs does not keep the node from listening: the start returns once the cap
   * is over (with a warning), and the node joins its peer once the lookup answers.
   */
  @Test
  void aNodeWhoseResolverHangsStartsAndJoinsOnceItAnswers() throws Exception {
    StringWriter outA = new StringWriter();
    StringWriter errB = new StringWriter();
    SecretKey keyA = secret();
    GossipDemoNode a = new GossipDemoNode(new PrintWriter(outA, true), new PrintWriter(new StringWriter(), true),
        true, null);
    java.util.concurrent.CountDownLatch answer = new java.util.concurrent.CountDownLatch(1);
    GossipDemoNode b = new GossipDemoNode(new PrintWriter(new StringWriter(), true), new PrintWriter(errB, true),
        true, null, null, Clock.systemUTC(), host -> {
          try {
            if (!answer.await(60, TimeUnit.SECONDS)) {
              throw new UnknownHostException(host + ": still no answer");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnknownHostException(host + ": interrupted");
          }
          return List.of(InetAddress.getLoopbackAddress());
        });
    try {
      InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
      a.start(keyA, TransportKind.TCP, loopback, BookConfig.defaults("a").withAnnounceInterval(Duration.ofMillis(500)),
          List.of(), null);
      int port = a.endpointAddr().ipAddrs().get(0).port();
      b.start(secret(), TransportKind.TCP, loopback,
          BookConfig.defaults("b").withAnnounceInterval(Duration.ofMillis(500)),
          List.of(GossipBootstrapNames.Peer.named(keyA.publicKey(), "seed.cluster.test", port)), null);
      assertThat(b.endpointAddr().ipAddrs()).isNotEmpty(); // listening
      assertThat(errB.toString()).contains("warning: node b cannot resolve bootstrap peer " + keyA.publicKey()
          + "@seed.cluster.test:" + port + ": the resolver gave no answer within 2 s");
      answer.countDown();
      await("b takes the answer and joins", () -> errB.toString().contains("node b joined: "));
    } finally {
      answer.countDown();
      b.close();
      a.close();
    }
  }

  private static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(50); // polling a condition, not a timing assertion
    }
  }
}
