package dev.keyway.gossip.book;

import static dev.keyway.gossip.book.AddressBookTest.START_MICROS;
import static dev.keyway.gossip.book.AddressBookTest.ann;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** {@link AddressBook#leave}: which leaves remove an entry, and what a leave keeps out afterwards. */
class AddressBookLeaveTest {
  static final SecureRandom RANDOM = new SecureRandom();
  static final Duration T = Duration.ofSeconds(30);
  final TestClock clock = new TestClock(Instant.parse("2026-01-01T00:00:00Z"));
  final PublicKey self = SecretKey.generate(RANDOM).publicKey();
  final AddressBook book = new AddressBook(self, T, clock, 100);
  final PublicKey a = SecretKey.generate(RANDOM).publicKey();

  /** A leave of {@code id} signed {@code ts} µs after the test clock's start. */
  static Leave leave(PublicKey id, long counter, long ts) {
    return new Leave(id, counter, START_MICROS + ts);
  }

  @Test
  void aLeaveNewerThanTheEntryRemovesItAtOnceAndFreesItsName() {
    book.apply(ann(a, "worker", 3, 1_000, "127.0.0.1:1"));
    AddressBook.LeaveResult r = book.leave(leave(a, 4, 1_001));
    assertThat(r.outcome()).isEqualTo(AddressBook.LeaveOutcome.REMOVED);
    assertThat(r.removed().nodeId()).isEqualTo(a);
    assertThat(r.removed().name()).isEqualTo("worker");
    assertThat(book.get(a)).isEmpty();
    assertThat(book.byName("worker")).isEmpty();
    assertThat(book.size()).isZero();
    // Nothing left for the sweep to expire later.
    clock.advance(T.multipliedBy(2));
    assertThat(book.sweep()).isEmpty();
  }

  @Test
  void aLeaveOlderThanTheEntrysAnnouncementRemovesNothing() {
    book.apply(ann(a, "worker", 3, 1_000, "127.0.0.1:1"));
    assertThat(book.leave(leave(a, 9, 999)).outcome()).isEqualTo(AddressBook.LeaveOutcome.REPLAYED);
    // Same timestamp: the counter decides.
    assertThat(book.leave(leave(a, 3, 1_000)).outcome()).isEqualTo(AddressBook.LeaveOutcome.REPLAYED);
    assertThat(book.get(a)).isPresent();
  }

  /**
   * An attacker who captured a node's leave sends it again after the node restarted: the restarted
   * node's announcements are dated later than the leave, so the replay removes nothing, however
   * low their counter (a restart counts from 0 again).
   */
  @Test
  void aReplayedLeaveDoesNotRemoveTheRestartedNode() {
    book.apply(ann(a, "worker", 7, 1_000, "127.0.0.1:1"));
    Leave captured = leave(a, 8, 1_001);
    assertThat(book.leave(captured).outcome()).isEqualTo(AddressBook.LeaveOutcome.REMOVED);
    clock.advance(Duration.ofSeconds(5));
    // Restarted: counter 0, a later timestamp.
    assertThat(book.apply(ann(a, "worker", 0, 5_000_000, "127.0.0.1:2"))).isEqualTo(AddressBook.Outcome.NEW);
    assertThat(book.leave(captured).outcome()).isEqualTo(AddressBook.LeaveOutcome.REPLAYED);
    assertThat(book.get(a).orElseThrow().announcement().counter()).isZero();
    assertThat(book.byName("worker").map(BookEntry::nodeId)).contains(a);
  }

  @Test
  void aLaterAnnouncementAddsTheNodeAgainButOneOfTheRunThatLeftDoesNot() {
    book.apply(ann(a, "worker", 3, 1_000, "127.0.0.1:1"));
    book.leave(leave(a, 5, 3_000));
    // Its announcement 4, still in flight when it left (or handed over by a member that has not
    // heard of the leave yet): older than the leave, refused.
    assertThat(book.apply(ann(a, "worker", 4, 2_000, "127.0.0.1:1"))).isEqualTo(AddressBook.Outcome.REPLAYED);
    assertThat(book.apply(ann(a, "worker", 4, 2_000, "127.0.0.1:1"), null, true))
        .isEqualTo(AddressBook.Outcome.REPLAYED);
    assertThat(book.get(a)).isEmpty();
    // Restarted: back in the book.
    assertThat(book.apply(ann(a, "worker", 0, 3_001, "127.0.0.1:2"))).isEqualTo(AddressBook.Outcome.NEW);
    assertThat(book.get(a).orElseThrow().announcement().directAddrs().get(0).toString()).isEqualTo("127.0.0.1:2");
  }

  @Test
  void aLeaveOfANodeNotInTheBookKeepsItsOlderAnnouncementsOut() {
    AddressBook.LeaveResult r = book.leave(leave(a, 5, 3_000));
    assertThat(r.outcome()).isEqualTo(AddressBook.LeaveOutcome.ABSENT);
    assertThat(r.removed()).isNull();
    assertThat(book.apply(ann(a, "worker", 4, 2_000, "127.0.0.1:1"))).isEqualTo(AddressBook.Outcome.REPLAYED);
    assertThat(book.leave(leave(a, 5, 3_000)).outcome()).isEqualTo(AddressBook.LeaveOutcome.REPLAYED);
    assertThat(book.apply(ann(a, "worker", 0, 4_000, "127.0.0.1:1"))).isEqualTo(AddressBook.Outcome.NEW);
  }

  /** The announcements' clock rules: at most T ahead of this node's clock, at most 2·T old. */
  @Test
  void aLeaveFromFarInTheFutureOrTheFarPastIsUntimely() {
    book.apply(ann(a, "worker", 3, 1_000, "127.0.0.1:1"));
    long t = T.toNanos() / 1_000;
    assertThat(book.leave(leave(a, 4, t + 1_000_000)).outcome()).isEqualTo(AddressBook.LeaveOutcome.UNTIMELY);
    assertThat(book.get(a)).isPresent();
    clock.advance(T.multipliedBy(3));
    long now = T.multipliedBy(3).toNanos() / 1_000;
    assertThat(book.leave(leave(a, 4, now - 2 * t - 1)).outcome()).isEqualTo(AddressBook.LeaveOutcome.UNTIMELY);
    // Within the window (just under T ahead): taken.
    assertThat(book.leave(leave(a, 4, now + t - 1)).outcome()).isEqualTo(AddressBook.LeaveOutcome.REMOVED);
  }

  /** The cheap checks agree with {@link AddressBook#leave} and change nothing. */
  @Test
  void thePrecheckNamesWhatTheBookWouldDropAndChangesNothing() {
    book.apply(ann(a, "worker", 3, 1_000, "127.0.0.1:1"));
    long t = T.toNanos() / 1_000;
    assertThat(book.precheckLeave(leave(self, 0, 1))).isEqualTo(AddressBook.LeaveOutcome.SELF);
    assertThat(book.precheckLeave(leave(a, 4, t + 1_000_000))).isEqualTo(AddressBook.LeaveOutcome.UNTIMELY);
    assertThat(book.precheckLeave(leave(a, 3, 1_000))).isEqualTo(AddressBook.LeaveOutcome.REPLAYED);
    assertThat(book.precheckLeave(leave(a, 4, 1_001))).isNull();
    assertThat(book.get(a)).isPresent();
    assertThat(book.leave(leave(a, 4, 1_001)).outcome()).isEqualTo(AddressBook.LeaveOutcome.REMOVED);
    // Against the tombstone now: the same leave again is a replay.
    assertThat(book.precheckLeave(leave(a, 4, 1_001))).isEqualTo(AddressBook.LeaveOutcome.REPLAYED);
    PublicKey unknown = SecretKey.generate(RANDOM).publicKey();
    assertThat(book.precheckLeave(leave(unknown, 0, 1))).isNull();
  }

  @Test
  void ourOwnLeaveIsIgnored() {
    assertThat(book.leave(leave(self, 0, 1)).outcome()).isEqualTo(AddressBook.LeaveOutcome.SELF);
  }
}
