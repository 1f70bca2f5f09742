package dev.keyway.gossip.book;

import static dev.keyway.gossip.book.GossipAddressBookTest.RANDOM;
import static dev.keyway.gossip.book.GossipAddressBookTest.await;
import static dev.keyway.gossip.book.GossipAddressBookTest.get;
import static dev.keyway.gossip.book.GossipAddressBookTest.ids;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.addr.EndpointAddr;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.gossip.net.GossipEvent;
import dev.keyway.gossip.net.GossipEvents;
import dev.keyway.gossip.net.GossipNode;
import dev.keyway.gossip.net.GossipNodeConfig;
import dev.keyway.gossip.net.GossipTopic;
import dev.keyway.gossip.net.TransportKind;
import dev.keyway.gossip.proto.GossipConfig;
import dev.keyway.gossip.proto.PlumTreeConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Books on real loopback nodes with one injected clock: a node that closes says it is leaving,
 * and the others drop it at once (the clock never moves while they do, so expiry cannot be what
 * removes it), ask it back for 10·T (a restart without bootstrap peers is found again), take it
 * back when it restarts, and refuse forged, untimely and replayed leaves.
 */
class GossipAddressBookLeaveTest {
  static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  static Vertx vertx;
  final List<GossipNode> nodes = new ArrayList<>();
  final List<GossipAddressBook> books = new ArrayList<>();
  final List<SecretKey> keys = new ArrayList<>();
  final TestClock clock = new TestClock(START);
  GossipNodeConfig netConfig = GossipNodeConfig.defaults().withTransport(TransportKind.TCP)
      .withGossip(GossipConfig.defaults());

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setPreferNativeTransport(false));
  }

  @AfterAll
  static void stopVertx() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() {
    for (GossipAddressBook b : books) {
      b.closeWithoutLeaving();
    }
    for (GossipNode n : nodes) {
      n.close();
    }
  }

  /** Starts a node with {@code key} and a book with expiry {@code t}, joining through node 0; no sweeps. */
  GossipAddressBook startBook(SecretKey key, Duration t) {
    return startBook(key, t, netConfig, nodes.isEmpty() ? List.of() : List.of(nodes.get(0).endpointAddr()));
  }

  /** As above, on {@code net} (a restart binds its old address) and joining through {@code bootstrap}. */
  GossipAddressBook startBook(SecretKey key, Duration t, GossipNodeConfig net, List<EndpointAddr> bootstrap) {
    int i = nodes.size();
    GossipNode node = get(GossipNode.builder(key).vertx(vertx).config(net).start());
    nodes.add(node);
    keys.add(key);
    BookConfig config = BookConfig.defaults("node-" + i).withExpiry(t).withAnnounceInterval(Duration.ofMillis(200))
        .withSweepInterval(Duration.ofHours(1));
    GossipAddressBook book = get(GossipAddressBook.start(node, key, config, clock, bootstrap));
    books.add(book);
    return book;
  }

  /** Three books, each holding the two others. */
  void startThree(Duration t) {
    for (int i = 0; i < 3; i++) {
      startBook(SecretKey.generate(RANDOM), t);
    }
    for (int i = 0; i < 3; i++) {
      GossipAddressBook b = books.get(i);
      await("book " + i + " holds the two others", () -> ids(b).size() == 2, () -> b.entries().toString());
    }
  }

  /** Every leave node {@code i} receives, as sent. */
  List<byte[]> leavesSeenBy(int i) {
    List<byte[]> seen = new CopyOnWriteArrayList<>();
    GossipEvents events = books.get(i).topic().orElseThrow().events();
    events.handler(Runnable::run, e -> {
      if (e instanceof GossipEvent.Received r && BookMessageKind.of(r.content()) == BookMessageKind.LEAVE) {
        seen.add(r.content());
      }
    });
    return seen;
  }

  /**
   * Node 2 closes with an expiry of ten minutes and a clock that stands still: both others drop it
   * at once, count and log it once each, and remember it for a redial (a restart), still after T.
   * Restarted (its clock a second later), it is back in both books; its leave, captured and sent
   * again, does not remove it.
   */
  @Test
  void aNodeThatClosesIsDroppedAtOnceAndTakenBackWhenItRestarts() {
    Duration t = Duration.ofMinutes(10);
    try (LogCapture logged = new LogCapture(GossipAddressBook.class, ch.qos.logback.classic.Level.INFO)) {
      startThree(t);
      PublicKey leaving = nodes.get(2).id();
      List<byte[]> captured = leavesSeenBy(0);

      books.get(2).close();
      assertThat(books.get(2).topic().orElseThrow().neighbors()).isEmpty(); // close() returns once the topic is left
      for (int i = 0; i < 2; i++) {
        GossipAddressBook b = books.get(i);
        await("book " + i + " drops node 2", () -> b.book().get(leaving).isEmpty(), () -> b.entries().toString());
        assertThat(b.stats().left()).isEqualTo(1);
        assertThat(b.stats().expired()).isZero();
        assertThat(b.stats().forged() + b.stats().malformed()).isZero();
        assertThat(ids(b)).hasSize(1);
      }
      assertThat(clock.instant()).isEqualTo(START); // no expiry could have removed it
      assertThat(get(books.get(0).lookup().resolve(leaving).first())).isEmpty();
      assertThat(logged.messages()).filteredOn(m -> m.contains(leaving.fmtShort()) && m.contains("said so"))
          .hasSize(2);

      // A departed node to redial (10·T): after T and a sweep, both still remember it.
      clock.advance(t.plusSeconds(1));
      for (int i = 0; i < 2; i++) {
        GossipAddressBook b = books.get(i);
        await("book " + i + " hears from the other live node after the clock moved",
            () -> b.entries().stream().allMatch(e -> !e.lastSeen().isBefore(clock.instant())),
            () -> b.entries().toString());
        assertThat(b.sweep()).isEmpty();
        assertThat(b.departedIds()).contains(leaving);
      }

      // Restarted with its key: its announcements, dated after its leave, add it again.
      clock.advance(Duration.ofSeconds(1));
      GossipAddressBook restarted = startBook(keys.get(2), t);
      for (int i = 0; i < 2; i++) {
        GossipAddressBook b = books.get(i);
        await("book " + i + " holds the restarted node", () -> b.book().get(leaving).isPresent(),
            () -> b.entries().toString());
      }
      await("the restarted node holds the others", () -> ids(restarted).size() == 2,
          () -> restarted.entries().toString());

      // The leave, captured by node 0, sent again to its neighbours, then a message of an unknown
      // kind after it on the same links: once book 1 has counted that one, it has seen the replay.
      // The broadcast copy, and the direct one if node 2 was a neighbour: the same bytes.
      assertThat(captured).isNotEmpty().allSatisfy(c -> assertThat(c).isEqualTo(captured.get(0)));
      GossipTopic zero = books.get(0).topic().orElseThrow();
      await("node 0 has node 1 as a neighbour", () -> zero.neighbors().contains(nodes.get(1).id()),
          zero.neighbors()::toString);
      long malformed = books.get(1).stats().malformed();
      long replayed = books.get(1).stats().replayed();
      get(zero.broadcastNeighbors(captured.get(0)));
      byte[] later = captured.get(0).clone();
      later[1] = 0x09; // [9, ...]: a kind of some later version
      get(zero.broadcastNeighbors(later));
      await("book 1 counts the unknown kind as malformed", () -> books.get(1).stats().malformed() == malformed + 1,
          () -> books.get(1).stats().toString());
      assertThat(books.get(1).book().get(leaving)).isPresent();
      assertThat(books.get(1).stats().replayed()).isGreaterThan(replayed);
      assertThat(books.get(0).book().get(leaving)).isPresent();
      assertThat(books.get(1).stats().left()).isEqualTo(1);
      // The unknown kind cost no link.
      assertThat(books.get(1).topic().orElseThrow().neighbors()).contains(nodes.get(0).id());
    }
  }

  /**
   * With every link lazy, the leaving node's broadcast would only queue IHaves, batched for up to a
   * second (as {@link GossipAddressBook#nodeConfig} does for a 3 s interval), which leaving the topic
   * drops: its direct copy to each neighbour is what gets through, and a neighbour that takes it
   * broadcasts it on.
   */
  @Test
  void withEveryLinkLazyTheLeaveStillReachesEveryone() {
    netConfig = netConfig.withGossip(GossipConfig.defaults().withPlumTree(PlumTreeConfig.defaults()
        .withInitialLazyPercent(100).withDispatchTimeout(GossipAddressBook.MAX_IHAVE_WINDOW)));
    startThree(Duration.ofMinutes(10));
    PublicKey leaving = nodes.get(2).id();
    books.get(2).close();
    for (int i = 0; i < 2; i++) {
      GossipAddressBook b = books.get(i);
      await("book " + i + " drops node 2", () -> b.book().get(leaving).isEmpty(), () -> b.entries().toString());
      assertThat(b.stats().left()).isEqualTo(1);
    }
  }

  /**
   * Leaves of node 2 that are not node 2's (signed by another key, or naming node 2 as signer
   * without its key) are counted as forged, and one signed far ahead of the receiver's clock as
   * untimely; none removes it.
   */
  @Test
  void forgedAndUntimelyLeavesAreRefused() {
    startThree(Duration.ofSeconds(30));
    PublicKey victim = nodes.get(2).id();
    GossipTopic zero = books.get(0).topic().orElseThrow();
    long nowMicros = START.getEpochSecond() * 1_000_000;
    Leave l = new Leave(victim, 1_000, nowMicros + 1_000_000);
    SecretKey forger = SecretKey.generate(RANDOM);
    get(zero.broadcast(Leaves.envelope(forger.publicKey(), Leaves.body(l), forger)));
    get(zero.broadcast(Leaves.envelope(victim, Leaves.body(l), forger)));
    GossipAddressBook one = books.get(1);
    await("book 1 counts both forgeries", () -> one.stats().forged() == 2, () -> one.stats().toString());
    Leave ahead = new Leave(victim, 1_000, nowMicros + Duration.ofMinutes(2).toNanos() / 1_000);
    get(zero.broadcast(Leaves.sign(ahead, keys.get(2))));
    await("book 1 counts the leave from the future as untimely", () -> one.stats().untimely() == 1,
        () -> one.stats().toString());
    assertThat(one.book().get(victim)).isPresent();
    assertThat(one.stats().left()).isZero();
  }

  /**
   * The first member (started without bootstrap peers, as the deploy files start it) is restarted
   * on purpose: it says it leaves, and comes back with its key and address and still no bootstrap
   * peers. It knows nobody, and the two others, each other's neighbours, forgot it as a peer when
   * it left: only their redial of a node that left brings it back.
   */
  @Test
  void aFirstMemberRestartedOnPurposeWithoutBootstrapPeersIsFoundAgain() {
    Duration t = Duration.ofMinutes(10);
    startThree(t); // node 0 started with no bootstrap peers
    PublicKey first = nodes.get(0).id();
    InetSocketAddress at = nodes.get(0).localAddress();
    // The order GossipAddressBook#closeAsync documents: the leave goes out before the node stops.
    get(books.get(0).closeAsync().thenCompose(v -> nodes.get(0).closeAsync()));
    for (int i = 1; i < 3; i++) {
      GossipAddressBook b = books.get(i);
      await("book " + i + " drops node 0", () -> b.book().get(first).isEmpty(), () -> b.entries().toString());
      assertThat(b.stats().left()).isEqualTo(1);
      assertThat(b.departedIds()).contains(first);
    }
    clock.advance(Duration.ofSeconds(1)); // the restart's announcements come after its leave
    GossipAddressBook restarted = startBook(keys.get(0), t, netConfig.withBind(at), List.of());
    Set<PublicKey> others = Set.of(nodes.get(1).id(), nodes.get(2).id());
    await("the restarted first member is asked back and learns the others",
        () -> ids(restarted).equals(others), () -> restarted.entries().toString());
    for (int i = 1; i < 3; i++) {
      GossipAddressBook b = books.get(i);
      await("book " + i + " holds node 0 again", () -> b.book().get(first).isPresent(), () -> b.entries().toString());
      await("book " + i + " no longer redials node 0", () -> !b.departedIds().contains(first),
          () -> b.departedIds().toString());
    }
  }

  /**
   * A node that left for good is asked back for 10·T after its leave (5 minutes at T = 30 s), not
   * for the hour an expired node is.
   *
   * <p>The clock moves in steps of T/2, each followed by node 0's next announcement reaching book
   * 1 and a sweep: node 0, which stays, is never silent for T, so no sweep (the test's or a timer's)
   * can expire it and add it to the departed nodes.
   */
  @Test
  void aNodeThatLeftIsAskedBackFor10TOnly() {
    Duration t = Duration.ofSeconds(30);
    startThree(t);
    PublicKey gone = nodes.get(2).id();
    get(books.get(2).closeAsync().thenCompose(v -> nodes.get(2).closeAsync()));
    GossipAddressBook one = books.get(1);
    await("book 1 drops node 2", () -> one.book().get(gone).isEmpty(), () -> one.entries().toString());
    assertThat(one.departedIds()).containsExactly(gone);
    advanceKeepingNode0Fresh(one, t.multipliedBy(10).minusSeconds(1), t.dividedBy(2));
    assertThat(one.departedIds()).containsExactly(gone);
    advanceKeepingNode0Fresh(one, Duration.ofSeconds(2), t.dividedBy(2));
    await("book 1 stops asking node 2 back after 10·T", () -> one.departedIds().isEmpty(),
        () -> one.departedIds().toString());
  }

  /**
   * Moves the clock {@code total} forward in steps of at most {@code step} (less than T); after each,
   * waits until {@code book} has node 0's announcement dated then, and sweeps it: nothing expires.
   */
  void advanceKeepingNode0Fresh(GossipAddressBook book, Duration total, Duration step) {
    PublicKey zero = nodes.get(0).id();
    for (Duration left = total; !left.isZero(); ) {
      Duration d = left.compareTo(step) < 0 ? left : step;
      clock.advance(d);
      left = left.minus(d);
      Instant now = clock.instant();
      await("book holds node 0 announced at " + now, () -> book.book().get(zero)
          .map(e -> !e.lastSeen().isBefore(now)).orElse(false), () -> book.entries().toString());
      assertThat(book.sweep()).isEmpty();
    }
  }

  /**
   * Leaves the book would drop anyway (one older than node 2's announcement, one from far ahead)
   * are dropped before their signature is checked: with a signature that does not verify, they
   * count as replayed and untimely, not as forged, so a flood of them costs no Ed25519 check.
   */
  @Test
  void staleLeavesAreRefusedBeforeTheirSignatureIsChecked() {
    startThree(Duration.ofSeconds(30));
    PublicKey victim = nodes.get(2).id();
    GossipTopic zero = books.get(0).topic().orElseThrow();
    GossipAddressBook one = books.get(1);
    await("node 0 has node 1 as a neighbour", () -> zero.neighbors().contains(nodes.get(1).id()),
        zero.neighbors()::toString);
    long nowMicros = START.getEpochSecond() * 1_000_000;
    SecretKey forger = SecretKey.generate(RANDOM);
    long replayed = one.stats().replayed();
    // In order on one link: the replay first, so that once the untimely one is counted, both are.
    Leave older = new Leave(victim, 0, nowMicros); // node 2 announced at START and after
    get(zero.broadcastNeighbors(Leaves.envelope(victim, Leaves.body(older), forger)));
    Leave ahead = new Leave(victim, 1_000, nowMicros + Duration.ofMinutes(2).toNanos() / 1_000);
    get(zero.broadcastNeighbors(Leaves.envelope(victim, Leaves.body(ahead), forger)));
    await("book 1 counts the leave from the future as untimely", () -> one.stats().untimely() == 1,
        () -> one.stats().toString());
    assertThat(one.stats().replayed()).isGreaterThan(replayed);
    assertThat(one.stats().forged()).isZero();
    assertThat(one.book().get(victim)).isPresent();
  }

  /**
   * A node that crashed, expired and is asked to rejoin, and whose leave comes after all (it was
   * slow, or came through a member that had been cut off), is asked back only as long as a node
   * that left: 10·T from the leave, not the hour of an expired one.
   */
  @Test
  void aLeaveOfAnExpiredNodeShortensItsRedials() {
    Duration t = Duration.ofSeconds(30);
    startThree(t);
    PublicKey gone = nodes.get(2).id();
    get(books.get(2).closeWithoutLeaving());
    get(nodes.get(2).kill());
    GossipAddressBook one = books.get(1);
    await("node 1 no longer has node 2 as a neighbour",
        () -> !one.topic().orElseThrow().neighbors().contains(gone), () -> "");
    long lastSigned = one.book().get(gone).orElseThrow().announcement().timestampMicros();
    clock.advance(t.plusSeconds(1));
    PublicKey live = nodes.get(0).id();
    await("book 1 hears from node 0 after the clock moved", () -> one.book().get(live)
        .map(e -> !e.lastSeen().isBefore(clock.instant())).orElse(false), () -> one.entries().toString());
    assertThat(one.sweep()).extracting(BookEntry::nodeId).containsExactly(gone);
    assertThat(one.departedIds()).containsExactly(gone);
    // The late leave from node 0 to its neighbours, then a message of an unknown kind on the same
    // links: once book 1 has counted that one, it has taken the leave.
    GossipTopic zero = books.get(0).topic().orElseThrow();
    await("node 0 has node 1 as a neighbour", () -> zero.neighbors().contains(nodes.get(1).id()),
        zero.neighbors()::toString);
    long malformed = one.stats().malformed();
    byte[] leave = Leaves.sign(new Leave(gone, 1_000_000, lastSigned + 1), keys.get(2));
    get(zero.broadcastNeighbors(leave));
    byte[] later = leave.clone();
    later[1] = 0x09;
    get(zero.broadcastNeighbors(later));
    await("book 1 counts the unknown kind", () -> one.stats().malformed() == malformed + 1, () -> one.stats().toString());
    assertThat(one.stats().left()).isZero(); // nothing was in the book to remove
    assertThat(one.departedIds()).containsExactly(gone);
    clock.advance(t.multipliedBy(10).plusSeconds(1));
    await("book 1 stops asking node 2 back 10·T after its leave", () -> !one.departedIds().contains(gone),
        () -> one.departedIds().toString());
  }
}
