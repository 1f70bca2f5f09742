package dev.keyway.gossip.book;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The book's rules with an injected clock: replays, expiry timing, names. */
class AddressBookTest {
  static final SecureRandom RANDOM = new SecureRandom();
  static final Duration T = Duration.ofSeconds(30);
  final TestClock clock = new TestClock(Instant.parse("2026-01-01T00:00:00Z"));
  final PublicKey self = SecretKey.generate(RANDOM).publicKey();
  final AddressBook book = new AddressBook(self, T, clock, 100);

  /** The test clock's start in µs: announcement times below are offsets from it. */
  static final long START_MICROS = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli() * 1_000;

  /** An announcement signed {@code ts} µs after the test clock's start. */
  static Announcement ann(PublicKey id, String name, long counter, long ts, String addr) {
    return new Announcement(id, name, List.of(), List.of(SocketAddr.parse(addr)), null, counter,
        START_MICROS + ts);
  }

  static PublicKey id() {
    return SecretKey.generate(RANDOM).publicKey();
  }

  @Test
  void olderOrEqualAnnouncementsAreReplays() {
    PublicKey a = id();
    assertThat(book.apply(ann(a, "a", 5, 100, "127.0.0.1:1"))).isEqualTo(AddressBook.Outcome.NEW);
    assertThat(book.apply(ann(a, "a", 5, 100, "127.0.0.1:1"))).isEqualTo(AddressBook.Outcome.REPLAYED);
    assertThat(book.apply(ann(a, "a", 4, 100, "127.0.0.1:9"))).isEqualTo(AddressBook.Outcome.REPLAYED);
    assertThat(book.apply(ann(a, "a", 9, 99, "127.0.0.1:9"))).isEqualTo(AddressBook.Outcome.REPLAYED);
    assertThat(book.get(a).orElseThrow().announcement().directAddrs()).containsExactly(SocketAddr.parse("127.0.0.1:1"));
    assertThat(book.apply(ann(a, "a", 6, 100, "127.0.0.1:1"))).isEqualTo(AddressBook.Outcome.REFRESHED);
    assertThat(book.apply(ann(a, "a", 0, 200, "127.0.0.1:2"))).isEqualTo(AddressBook.Outcome.CHANGED);
    assertThat(book.apply(ann(self, "me", 0, 1, "127.0.0.1:3"))).isEqualTo(AddressBook.Outcome.SELF);
    assertThat(book.size()).isEqualTo(1);
  }

  @Test
  void aSilentNodeExpiresBetweenTAndOneThirdMoreWithASweepEveryThird() {
    PublicKey a = id();
    PublicKey b = id();
    book.apply(ann(a, "a", 0, 1, "127.0.0.1:1"));
    book.apply(ann(b, "b", 0, 1, "127.0.0.1:2"));
    Duration step = T.dividedBy(3);
    // Sweeps every T/3 from an arbitrary phase; a keeps announcing, b is dead.
    clock.advance(Duration.ofSeconds(4));
    Duration sinceB = Duration.ofSeconds(4);
    long counter = 1;
    Duration removedAfter = null;
    for (int i = 0; i < 10 && removedAfter == null; i++) {
      clock.advance(step);
      sinceB = sinceB.plus(step);
      book.apply(ann(a, "a", counter++, counter, "127.0.0.1:1"));
      for (BookEntry e : book.sweep()) {
        assertThat(e.nodeId()).isEqualTo(b);
        removedAfter = sinceB;
      }
    }
    assertThat(removedAfter).isNotNull().isGreaterThan(T)
        .isLessThanOrEqualTo(T.plus(T.dividedBy(3)).plusSeconds(1));
    assertThat(book.get(a)).isPresent();
    assertThat(book.get(b)).isEmpty();
  }

  @Test
  void aRestartUnderTheSameNameWithANewIdTakesTheNameOverAndTheOldEntryExpires() {
    PublicKey old = id();
    PublicKey fresh = id();
    book.apply(ann(old, "worker", 10, 1_000, "127.0.0.1:1"));
    assertThat(book.byName("worker").orElseThrow().nodeId()).isEqualTo(old);
    clock.advance(Duration.ofSeconds(5));
    // The restarted process announces later: it owns the name from now on.
    book.apply(ann(fresh, "worker", 0, 6_000_000, "127.0.0.1:2"));
    assertThat(book.byName("worker").orElseThrow().nodeId()).isEqualTo(fresh);
    assertThat(book.entries()).extracting(BookEntry::nodeId).containsExactly(fresh);
    assertThat(book.get(old).orElseThrow().current()).isFalse();
    // A late, older message of the old process does not take it back.
    book.apply(ann(old, "worker", 11, 2_000, "127.0.0.1:1"));
    assertThat(book.names()).containsEntry("worker", fresh);
    // The old entry goes when it expires; the new one stays while it announces.
    clock.advance(T.plusSeconds(1));
    book.apply(ann(fresh, "worker", 1, 40_000_000, "127.0.0.1:2"));
    assertThat(book.sweep()).extracting(BookEntry::nodeId).containsExactly(old);
    assertThat(book.allEntries()).extracting(BookEntry::nodeId).containsExactly(fresh);
  }

  @Test
  void aRenamedNodeReleasesItsOldNameAndCapacityEvictsTheStalest() {
    PublicKey a = id();
    book.apply(ann(a, "x", 0, 1, "127.0.0.1:1"));
    book.apply(ann(a, "y", 1, 2, "127.0.0.1:1"));
    assertThat(book.names()).containsOnlyKeys("y");

    AddressBook small = new AddressBook(self, T, clock, 2);
    PublicKey p1 = id();
    PublicKey p2 = id();
    PublicKey p3 = id();
    small.apply(ann(p1, "1", 0, 1, "127.0.0.1:1"));
    clock.advance(Duration.ofSeconds(1));
    small.apply(ann(p2, "2", 0, 1, "127.0.0.1:2"));
    clock.advance(Duration.ofSeconds(1));
    small.apply(ann(p3, "3", 0, 1, "127.0.0.1:3"));
    assertThat(small.allEntries()).extracting(BookEntry::nodeId).containsExactlyInAnyOrder(p2, p3);
  }

  /** The clock's current time plus {@code offset}, as an announcement time. */
  long nowPlus(Duration offset) {
    return (clock.instant().toEpochMilli() + offset.toMillis()) * 1_000 - START_MICROS;
  }

  @Test
  void aRemovedNodesOldAnnouncementsDoNotBringItBack() {
    PublicKey dead = id();
    assertThat(book.apply(ann(dead, "dead", 1, 0, "127.0.0.1:1"))).isEqualTo(AddressBook.Outcome.NEW);
    assertThat(book.apply(ann(dead, "dead", 2, 1, "127.0.0.1:1"))).isEqualTo(AddressBook.Outcome.REFRESHED);
    clock.advance(T.plusSeconds(1));
    assertThat(book.sweep()).extracting(BookEntry::nodeId).containsExactly(dead);

    // A peer that kept its envelopes re-sends them, or one arrives late through gossip repair:
    // the newest it had and any older one are replays, so it stays dead (it used to come back as
    // NEW after every expiry, for ever).
    assertThat(book.apply(ann(dead, "dead", 2, 1, "127.0.0.1:1"))).isEqualTo(AddressBook.Outcome.REPLAYED);
    assertThat(book.apply(ann(dead, "dead", 1, 0, "127.0.0.1:1"))).isEqualTo(AddressBook.Outcome.REPLAYED);
    assertThat(book.get(dead)).isEmpty();

    // Past the replay window the memory of it goes, and so does any announcement that old.
    clock.advance(book.replayWindow());
    book.sweep();
    assertThat(book.apply(ann(dead, "dead", 2, 1, "127.0.0.1:1"))).isEqualTo(AddressBook.Outcome.UNTIMELY);
    assertThat(book.get(dead)).isEmpty();

    // A new announcement (the node really came back) is welcome at any time.
    assertThat(book.apply(ann(dead, "dead", 3, nowPlus(Duration.ZERO), "127.0.0.1:2")))
        .isEqualTo(AddressBook.Outcome.NEW);
  }

  @Test
  void announcementsFromTooFarAheadAreRefusedSoNoneCanOwnANameForEver() {
    PublicKey alice = id();
    PublicKey mallory = id();
    book.apply(ann(alice, "alice", 0, nowPlus(Duration.ZERO), "127.0.0.1:1"));
    // Signed far in the future, it would outrank every honest announcement of "alice".
    assertThat(book.apply(ann(mallory, "alice", 0, Long.MAX_VALUE / 2 - START_MICROS, "127.0.0.1:6")))
        .isEqualTo(AddressBook.Outcome.UNTIMELY);
    assertThat(book.apply(ann(mallory, "alice", 0, nowPlus(T.plusMillis(1)), "127.0.0.1:6")))
        .isEqualTo(AddressBook.Outcome.UNTIMELY);
    assertThat(book.byName("alice").orElseThrow().nodeId()).isEqualTo(alice);
    // Clocks that agree to within T are fine.
    PublicKey fastClock = id();
    assertThat(book.apply(ann(fastClock, "fast", 0, nowPlus(T.minusSeconds(1)), "127.0.0.1:7")))
        .isEqualTo(AddressBook.Outcome.NEW);
    // A name claimed with a timestamp at most T ahead is only held while its claimant keeps
    // announcing: the real alice, announcing on, gets it back within T.
    book.apply(ann(mallory, "alice", 1, nowPlus(T.minusSeconds(1)), "127.0.0.1:6"));
    assertThat(book.byName("alice").orElseThrow().nodeId()).isEqualTo(mallory);
    clock.advance(T);
    book.apply(ann(alice, "alice", 1, nowPlus(Duration.ZERO), "127.0.0.1:1"));
    assertThat(book.byName("alice").orElseThrow().nodeId()).isEqualTo(alice);
  }

  @Test
  void aRelayedAnnouncementCountsAsSeenWhenSignedSoHandingItOnNeverExtendsALife() {
    PublicKey dead = id();
    clock.advance(Duration.ofSeconds(25));
    // Signed at 0 s (its node died then), handed over at 25 s: seen at 0 s, not at 25 s.
    Announcement last = ann(dead, "dead", 7, 0, "127.0.0.1:1");
    assertThat(book.apply(last, new byte[] {1}, true)).isEqualTo(AddressBook.Outcome.NEW);
    assertThat(book.get(dead).orElseThrow().lastSeen()).isEqualTo(clock.instant().minusSeconds(25));
    assertThat(book.get(dead).orElseThrow().firstSeen()).isEqualTo(clock.instant());
    clock.advance(Duration.ofSeconds(6));
    assertThat(book.sweep()).extracting(BookEntry::nodeId).containsExactly(dead);
    // Handed over once more, after T since it was signed: refused, and the tombstone stays.
    assertThat(book.apply(last, new byte[] {1}, true)).isEqualTo(AddressBook.Outcome.UNTIMELY);
    assertThat(book.get(dead)).isEmpty();
    // The same announcement through gossip is still a replay of the removed node.
    assertThat(book.apply(last)).isEqualTo(AddressBook.Outcome.REPLAYED);
  }

  @Test
  void anOldAnnouncementBroadcastAgainNeverOutlivesTAfterItsSigning() {
    // A member that kept a dead node's last announcement broadcasts the same bytes as plain
    // gossip; this book (a newcomer) has no tombstone for it.
    PublicKey dead = id();
    clock.advance(T.multipliedBy(4));
    Announcement signedLongAgo = ann(dead, "dead", 41, 0, "127.0.0.1:1");
    assertThat(book.apply(signedLongAgo, new byte[] {1}, true)).isEqualTo(AddressBook.Outcome.UNTIMELY);
    assertThat(book.apply(signedLongAgo, new byte[] {1}, false)).isEqualTo(AddressBook.Outcome.UNTIMELY);
    assertThat(book.get(dead)).isEmpty();

    // Signed 1.5·T ago: counts as seen T after its signing, so it goes at the next sweep past that.
    Announcement late = ann(dead, "dead", 42, nowPlus(T.multipliedBy(3).dividedBy(2).negated()), "127.0.0.1:1");
    assertThat(book.apply(late)).isEqualTo(AddressBook.Outcome.NEW);
    assertThat(book.get(dead).orElseThrow().lastSeen()).isEqualTo(clock.instant().minus(T.dividedBy(2)));
    clock.advance(T.dividedBy(2).plusSeconds(1));
    assertThat(book.sweep()).extracting(BookEntry::nodeId).containsExactly(dead);

    // Within T of its signing (a live node, or a clock that lags), it counts as seen now.
    PublicKey live = id();
    assertThat(book.apply(ann(live, "live", 1, nowPlus(T.minusSeconds(1).negated()), "127.0.0.1:2")))
        .isEqualTo(AddressBook.Outcome.NEW);
    assertThat(book.get(live).orElseThrow().lastSeen()).isEqualTo(clock.instant());
  }

  @Test
  void aRelayedAnnouncementNeverMovesLastSeenBackOrIntoTheFuture() {
    PublicKey a = id();
    clock.advance(Duration.ofSeconds(10));
    book.apply(ann(a, "a", 1, 9_000_000, "127.0.0.1:1")); // through gossip at 10 s
    Instant gossiped = clock.instant();
    // A newer one relayed, signed at 9.5 s: seen at 9.5 s, so last seen stays at 10 s.
    assertThat(book.apply(ann(a, "a", 2, 9_500_000, "127.0.0.1:1"), new byte[] {2}, true))
        .isEqualTo(AddressBook.Outcome.REFRESHED);
    assertThat(book.get(a).orElseThrow().lastSeen()).isEqualTo(gossiped);
    // Signed a little ahead (within T/10): seen now, not later.
    clock.advance(Duration.ofSeconds(1));
    assertThat(book.apply(ann(a, "a", 3, 12_000_000, "127.0.0.1:1"), new byte[] {3}, true))
        .isEqualTo(AddressBook.Outcome.REFRESHED);
    assertThat(book.get(a).orElseThrow().lastSeen()).isEqualTo(clock.instant());
    // Further ahead than T/10 is refused when relayed (it would stretch a dead node's life), while
    // gossip from the node itself may be up to T ahead.
    Announcement ahead = ann(a, "a", 4, 15_000_000, "127.0.0.1:1");
    assertThat(book.apply(ahead, new byte[] {4}, true)).isEqualTo(AddressBook.Outcome.UNTIMELY);
    assertThat(book.apply(ahead, new byte[] {4}, false)).isEqualTo(AddressBook.Outcome.REFRESHED);
  }

  @Test
  void precheckNamesWhatApplyWouldDropAndChangesNothing() {
    PublicKey a = id();
    Announcement first = ann(a, "a", 5, 100, "127.0.0.1:1");
    assertThat(book.precheck(first, false)).isNull();
    assertThat(book.size()).isZero();
    book.apply(first);
    assertThat(book.precheck(first, false)).isEqualTo(AddressBook.Outcome.REPLAYED);
    assertThat(book.precheck(ann(a, "a", 6, 100, "127.0.0.1:1"), false)).isNull();
    assertThat(book.precheck(ann(self, "me", 0, 1, "127.0.0.1:3"), true)).isEqualTo(AddressBook.Outcome.SELF);
    assertThat(book.precheck(ann(id(), "x", 0, T.toNanos() / 1_000 + 1_000_000, "127.0.0.1:3"), false))
        .isEqualTo(AddressBook.Outcome.UNTIMELY);
    assertThat(book.get(a).orElseThrow().announcement().counter()).isEqualTo(5);
  }

  @Test
  void relayableHandsOverTheLongestKnownNodesFirst() {
    PublicKey a = id();
    PublicKey b = id();
    PublicKey c = id();
    book.apply(ann(b, "b", 0, 100, "127.0.0.1:2"), new byte[] {'b'}, false);
    clock.advance(Duration.ofSeconds(1));
    book.apply(ann(c, "c", 0, 1_000_200, "127.0.0.1:3"), new byte[] {'c'}, false);
    clock.advance(Duration.ofSeconds(1));
    book.apply(ann(id(), "no-envelope", 0, 2_000_400, "127.0.0.1:4")); // applied without its bytes
    book.apply(ann(a, "a", 0, 2_000_300, "127.0.0.1:1"), new byte[] {'a'}, false);
    assertThat(book.relayable(10)).containsExactly(new byte[] {'b'}, new byte[] {'c'}, new byte[] {'a'});
    assertThat(book.relayable(2)).containsExactly(new byte[] {'b'}, new byte[] {'c'});
    // However often a newer node re-announces, the settled ones come first; a newer announcement
    // of a settled node replaces the envelope handed over.
    book.apply(ann(a, "a", 1, 2_000_301, "127.0.0.1:1"), new byte[] {'A'}, false);
    book.apply(ann(b, "b", 1, 2_000_302, "127.0.0.1:2"), new byte[] {'B'}, false);
    assertThat(book.relayable(3)).containsExactly(new byte[] {'B'}, new byte[] {'c'}, new byte[] {'A'});
  }
}
