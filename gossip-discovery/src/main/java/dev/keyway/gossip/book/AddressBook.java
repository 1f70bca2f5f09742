package dev.keyway.gossip.book;

import dev.keyway.client.keys.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The expiring address book: verified announcements keyed by node id, with a name → id view.
 * No IO; time comes from an injected {@link Clock}. Thread-safe (every method synchronizes).
 *
 * <ul>
 *   <li>An announcement replaces a node's entry only if it is newer ({@link Announcement#isNewerThan});
 *       an older or equal one is a replay and changes nothing. A removed node's newest
 *       announcement is remembered for the {@linkplain #replayWindow() replay window} (10·T), and
 *       announcements signed longer ago than that are refused: so an old announcement, re-sent by
 *       a peer that kept it or arriving late through gossip repair, never brings a dead node back.
 *   <li>An announcement through gossip counts as seen when it arrives, but never later than T after
 *       it was signed (T is the clock difference members may have); one signed more than 2·T ago
 *       is refused ({@link Outcome#UNTIMELY}). So a dead node's last announcement, broadcast again
 *       by a member that kept it, does not bring it back into the book of a member that has no
 *       tombstone for it (a newcomer, or one that restarted).
 *   <li>An announcement signed more than T ahead of this node's clock is refused too
 *       ({@link Outcome#UNTIMELY}): otherwise it would outrank its sender's honest announcements,
 *       and any other node's claim to its name, until the clocks caught up. Members' clocks must
 *       therefore agree to within T (NTP does; a node whose clock is off by more is refused by
 *       everyone, which its peers count as untimely).
 *   <li>An entry expires when nothing newer was accepted for {@code expiry}; {@link #sweep}
 *       removes expired entries. Called every {@code expiry / 3} (iroh-gossip-discovery), a dead
 *       node disappears between T and 1.33·T after its last announcement; the service sweeps
 *       every T/4 by default.
 *   <li>Names are attributes, not keys. A name belongs to the node whose announcement carrying it
 *       is newest; so a node restarting under the same name with a new id takes the name over as
 *       soon as it announces, and the old id's entry stays (reachable by id, not
 *       {@link BookEntry#current() current}) until it expires, or takes the name back if it
 *       announces again.
 *   <li>An announcement relayed by another member (a hand-over to a newcomer) counts as seen when it
 *       was signed, not when it arrived; one signed more than T ago, or more than T/10 ahead, is
 *       refused: a dead node's last announcement, handed from member to member, expires everywhere
 *       when it would have expired through gossip. (So a node whose clock lags by nearly T may
 *       drop out of a newcomer's book until its next announcement; the same copy arriving again
 *       through gossip is a replay and changes nothing, so that late duplicates never keep a
 *       dead node.)
 *   <li>A node that stops on purpose signs a {@link Leave}; {@link #leave} removes its entry at
 *       once if the leave is newer than the entry's announcement (else it is a replay: a leave
 *       captured and sent again after the node restarted removes nothing). The removed node's
 *       tombstone is dated at the leave, so an announcement of the run that left, arriving late,
 *       does not bring it back, while the announcements of a restart (dated later) do. Leaves obey
 *       the announcements' time window (through gossip: at most T ahead, at most 2·T old).
 *   <li>At most {@code maxEntries} nodes; a new node beyond that evicts the one silent longest.
 * </ul>
 */
public final class AddressBook {
  /** What {@link #apply} did. */
  public enum Outcome {
    /** A node not in the book. */
    NEW,
    /** A newer announcement of a known node whose name or addresses changed. */
    CHANGED,
    /** A newer announcement of a known node, same contact details. */
    REFRESHED,
    /** Not newer than what the book has, or had before the node was removed: dropped. */
    REPLAYED,
    /** Signed more than T ahead of our clock, or before the replay window: dropped. */
    UNTIMELY,
    /** Our own announcement: ignored. */
    SELF
  }

  /** What {@link #leave} did. */
  public enum LeaveOutcome {
    /** The node's entry was older than the leave: removed. */
    REMOVED,
    /** The node had no entry: nothing removed, but its older announcements are refused from now on. */
    ABSENT,
    /** Not newer than the node's entry (it restarted since), or than what the book had before: dropped. */
    REPLAYED,
    /** Signed more than T ahead of our clock, or more than 2·T ago: dropped. */
    UNTIMELY,
    /** Our own leave (from an earlier run): ignored. */
    SELF
  }

  /**
   * What {@link #leave} did, and the entry it removed.
   *
   * @param outcome what happened
   * @param removed the entry as it was before removal ({@link LeaveOutcome#REMOVED} only), else null
   */
  public record LeaveResult(LeaveOutcome outcome, BookEntry removed) {}

  private final PublicKey self;
  private final Duration expiry;
  private final Clock clock;
  private final int maxEntries;
  private final Map<PublicKey, Slot> byId = new HashMap<>();
  private final Map<String, PublicKey> names = new HashMap<>();
  /**
   * Of each removed node, its newest message (its last announcement, or its leave), oldest removal
   * first; at most maxEntries.
   */
  private final LinkedHashMap<PublicKey, Tombstone> removed = new LinkedHashMap<>();

  /** A removed node's newest message, as its timestamp and counter. */
  private record Tombstone(long timestampMicros, long counter, Instant removedAt) {}

  private static final class Slot {
    Announcement latest;
    /** The signed envelope of {@link #latest} as received, or null (applied without one). */
    byte[] envelope;
    final Instant firstSeen;
    Instant lastSeen;

    Slot(Announcement latest, byte[] envelope, Instant firstSeen, Instant lastSeen) {
      this.latest = latest;
      this.envelope = envelope;
      this.firstSeen = firstSeen;
      this.lastSeen = lastSeen;
    }
  }

  public AddressBook(PublicKey self, Duration expiry, Clock clock, int maxEntries) {
    this.self = Objects.requireNonNull(self, "self");
    this.expiry = Objects.requireNonNull(expiry, "expiry");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (expiry.isNegative() || expiry.isZero() || maxEntries < 1) {
      throw new IllegalArgumentException("expiry and maxEntries must be positive");
    }
    this.maxEntries = maxEntries;
  }

  /** The expiry timeout T. */
  public Duration expiry() {
    return expiry;
  }

  /** How long a removed node's newest announcement is remembered, and the oldest accepted: 10·T. */
  public Duration replayWindow() {
    return expiry.multipliedBy(10);
  }

  /**
   * How far ahead of this node's clock a relayed announcement may be signed: T/10. Less than the
   * T that gossip allows, because a relayed announcement counts as seen when signed: one signed
   * far ahead would keep its node in newcomers' books for that much longer after it died.
   */
  public Duration relayedSkew() {
    return expiry.dividedBy(10);
  }

  /** Records a verified announcement, received from its node through gossip. */
  public synchronized Outcome apply(Announcement a) {
    return apply(a, null, false);
  }

  /**
   * What {@link #apply} would say of {@code a} if it is one of the announcements the book drops
   * ({@link Outcome#SELF}, {@link Outcome#UNTIMELY}, {@link Outcome#REPLAYED}); null if it would
   * be taken. Lets a receiver skip the signature check of what it would drop anyway.
   */
  public synchronized Outcome precheck(Announcement a, boolean relayed) {
    if (a.nodeId().equals(self)) {
      return Outcome.SELF;
    }
    Instant now = clock.instant();
    long nowMicros = micros(now);
    // Through gossip, at most T behind (clock lag) counts as seen now and up to 2T as seen T
    // after signing; anything older would arrive expired.
    long oldest = nowMicros - (relayed ? expiry : expiry.multipliedBy(2)).toNanos() / 1_000;
    long newest = nowMicros + (relayed ? relayedSkew() : expiry).toNanos() / 1_000;
    if (a.timestampMicros() > newest || a.timestampMicros() < oldest) {
      return Outcome.UNTIMELY;
    }
    Slot slot = byId.get(a.nodeId());
    if (slot != null) {
      return a.isNewerThan(slot.latest) ? null : Outcome.REPLAYED;
    }
    Tombstone tomb = removed.get(a.nodeId());
    return tomb != null && !a.isNewerThan(tomb.timestampMicros(), tomb.counter()) ? Outcome.REPLAYED : null;
  }

  /**
   * Records a verified leave, received through gossip: removes the node's entry if the leave is
   * newer than its announcement. With no entry, the leave is remembered as the node's newest
   * message, so an announcement older than it (still in flight, or handed over by a member that
   * has not heard of the leave yet) does not add the node again.
   */
  public synchronized LeaveResult leave(Leave l) {
    LeaveOutcome refused = precheckLeave(l);
    if (refused != null) {
      return new LeaveResult(refused, null);
    }
    Slot slot = byId.get(l.nodeId());
    if (slot != null) {
      BookEntry gone = entry(slot);
      remove(l.nodeId(), l.timestampMicros(), l.counter());
      return new LeaveResult(LeaveOutcome.REMOVED, gone);
    }
    bury(l.nodeId(), l.timestampMicros(), l.counter());
    return new LeaveResult(LeaveOutcome.ABSENT, null);
  }

  /**
   * What {@link #leave} would say of {@code l} if it is one of the leaves the book drops
   * ({@link LeaveOutcome#SELF}, {@link LeaveOutcome#UNTIMELY}, {@link LeaveOutcome#REPLAYED});
   * null if it would be taken. Lets a receiver skip the signature check of what it would drop
   * anyway, as {@link #precheck} does for announcements.
   */
  public synchronized LeaveOutcome precheckLeave(Leave l) {
    if (l.nodeId().equals(self)) {
      return LeaveOutcome.SELF;
    }
    long nowMicros = micros(clock.instant());
    // The window of announcements through gossip (see precheck): the same clocks sign both.
    if (l.timestampMicros() > nowMicros + expiry.toNanos() / 1_000
        || l.timestampMicros() < nowMicros - expiry.multipliedBy(2).toNanos() / 1_000) {
      return LeaveOutcome.UNTIMELY;
    }
    Slot slot = byId.get(l.nodeId());
    if (slot != null) {
      return l.isNewerThan(slot.latest) ? null : LeaveOutcome.REPLAYED;
    }
    Tombstone tomb = removed.get(l.nodeId());
    return tomb != null && !l.isNewerThan(tomb.timestampMicros(), tomb.counter()) ? LeaveOutcome.REPLAYED : null;
  }

  /**
   * Records a verified announcement.
   *
   * @param envelope its signed bytes, kept to hand to newcomers ({@link #relayable}); may be null
   * @param relayed whether it came from another member's hand-over rather than from its node
   *     through gossip. A relayed announcement counts as seen when it was signed, not when it
   *     arrived (and one signed more than T ago, or more than {@link #relayedSkew()} ahead, is
   *     {@link Outcome#UNTIMELY}): so handing a dead node's last announcement on never keeps it
   *     alive longer than its own gossip would have.
   */
  public synchronized Outcome apply(Announcement a, byte[] envelope, boolean relayed) {
    Outcome refused = precheck(a, relayed);
    if (refused != null) {
      return refused;
    }
    Instant now = clock.instant();
    Instant signed = Instant.ofEpochSecond(0, Math.multiplyExact(a.timestampMicros(), 1_000L));
    // Relayed: seen when signed. Through gossip: seen now, but never later than T after signing
    // (T is the clock lag allowed), so the same old bytes re-broadcast without the hand-over
    // wrapper keep a dead node at most 2T after its last signing, not T after each re-broadcast.
    Instant latest = relayed ? signed : signed.plus(expiry);
    Instant seen = latest.isBefore(now) ? latest : now;
    Slot slot = byId.get(a.nodeId());
    Outcome outcome;
    String oldName = null;
    if (slot == null) {
      removed.remove(a.nodeId());
      if (byId.size() >= maxEntries) {
        evictStalest();
      }
      slot = new Slot(a, envelope, now, seen);
      byId.put(a.nodeId(), slot);
      outcome = Outcome.NEW;
    } else {
      outcome = a.sameContactAs(slot.latest) ? Outcome.REFRESHED : Outcome.CHANGED;
      oldName = slot.latest.name();
      slot.latest = a;
      slot.envelope = envelope;
      if (seen.isAfter(slot.lastSeen)) {
        slot.lastSeen = seen;
      }
    }
    if (oldName != null && !oldName.equals(a.name()) && a.nodeId().equals(names.get(oldName))) {
      reassign(oldName);
    }
    PublicKey owner = names.get(a.name());
    if (owner == null || owner.equals(a.nodeId())) {
      names.put(a.name(), a.nodeId());
    } else {
      Slot other = byId.get(owner);
      if (other == null || a.timestampMicros() >= other.latest.timestampMicros()) {
        names.put(a.name(), a.nodeId());
        if (outcome == Outcome.REFRESHED) {
          outcome = Outcome.CHANGED;
        }
      }
    }
    return outcome;
  }

  /**
   * The signed envelopes of up to {@code max} nodes, longest known first: what this member hands a
   * newcomer. Only entries applied with their envelope are included. Longest known first, so that
   * a member announcing many fresh identities cannot push the swarm's settled members out of a
   * hand-over.
   */
  public synchronized List<byte[]> relayable(int max) {
    List<Slot> slots = new ArrayList<>();
    for (Slot s : byId.values()) {
      if (s.envelope != null) {
        slots.add(s);
      }
    }
    slots.sort(Comparator.comparing((Slot s) -> s.firstSeen));
    List<byte[]> out = new ArrayList<>(Math.min(max, slots.size()));
    for (Slot s : slots) {
      if (out.size() >= max) {
        break;
      }
      out.add(s.envelope);
    }
    return out;
  }

  private void evictStalest() {
    Slot stalest = null;
    for (Slot s : byId.values()) {
      if (stalest == null || s.lastSeen.isBefore(stalest.lastSeen)) {
        stalest = s;
      }
    }
    if (stalest != null) {
      remove(stalest.latest.nodeId());
    }
  }

  /** Removes {@code id}'s entry; its tombstone is its last announcement. */
  private void remove(PublicKey id) {
    Slot s = byId.get(id);
    if (s != null) {
      remove(id, s.latest.timestampMicros(), s.latest.counter());
    }
  }

  /** Removes {@code id}'s entry; its tombstone is the message signed at {@code timestampMicros}. */
  private void remove(PublicKey id, long timestampMicros, long counter) {
    Slot s = byId.remove(id);
    if (s == null) {
      return;
    }
    bury(id, timestampMicros, counter);
    if (id.equals(names.get(s.latest.name()))) {
      reassign(s.latest.name());
    }
  }

  /** Remembers {@code id}'s newest message as removed now (the newest removal last). */
  private void bury(PublicKey id, long timestampMicros, long counter) {
    removed.remove(id);
    removed.put(id, new Tombstone(timestampMicros, counter, clock.instant()));
    if (removed.size() > maxEntries) {
      removed.remove(removed.keySet().iterator().next());
    }
  }

  /** Forgets tombstones older than the replay window: their announcements are refused anyway. */
  private void forgetOldTombstones(Instant now) {
    Instant horizon = now.minus(replayWindow());
    var it = removed.values().iterator();
    while (it.hasNext() && it.next().removedAt().isBefore(horizon)) {
      it.remove();
    }
  }

  private static long micros(Instant i) {
    return i.getEpochSecond() * 1_000_000 + i.getNano() / 1_000;
  }

  /** Gives {@code name} to the newest remaining announcement carrying it, or drops it. */
  private void reassign(String name) {
    names.remove(name);
    Slot best = null;
    for (Slot s : byId.values()) {
      if (s.latest.name().equals(name)
          && (best == null || s.latest.timestampMicros() > best.latest.timestampMicros())) {
        best = s;
      }
    }
    if (best != null) {
      names.put(name, best.latest.nodeId());
    }
  }

  /** Removes every entry silent for longer than the expiry; returns them. */
  public synchronized List<BookEntry> sweep() {
    Instant now = clock.instant();
    forgetOldTombstones(now);
    List<BookEntry> expired = new ArrayList<>();
    for (Slot s : new ArrayList<>(byId.values())) {
      if (Duration.between(s.lastSeen, now).compareTo(expiry) > 0) {
        expired.add(entry(s));
        remove(s.latest.nodeId());
      }
    }
    return expired;
  }

  private BookEntry entry(Slot s) {
    return new BookEntry(s.latest, s.firstSeen, s.lastSeen, s.latest.nodeId().equals(names.get(s.latest.name())));
  }

  /** The entry of {@code id}, current or not. */
  public synchronized Optional<BookEntry> get(PublicKey id) {
    Slot s = byId.get(id);
    return s == null ? Optional.empty() : Optional.of(entry(s));
  }

  /** The node that currently owns {@code name}. */
  public synchronized Optional<BookEntry> byName(String name) {
    PublicKey id = names.get(name);
    return id == null ? Optional.empty() : get(id);
  }

  /** The name → node id view. */
  public synchronized Map<String, PublicKey> names() {
    return Map.copyOf(names);
  }

  /** Current entries (each name's owner), by name then id. */
  public synchronized List<BookEntry> entries() {
    List<BookEntry> out = new ArrayList<>();
    for (Slot s : byId.values()) {
      BookEntry e = entry(s);
      if (e.current()) {
        out.add(e);
      }
    }
    out.sort(ORDER);
    return out;
  }

  /** Every entry, including ones whose name was taken over, by name then id. */
  public synchronized List<BookEntry> allEntries() {
    List<BookEntry> out = new ArrayList<>();
    for (Slot s : byId.values()) {
      out.add(entry(s));
    }
    out.sort(ORDER);
    return out;
  }

  /** Number of nodes (current or not). */
  public synchronized int size() {
    return byId.size();
  }

  private static final Comparator<BookEntry> ORDER =
      Comparator.comparing(BookEntry::name).thenComparing(BookEntry::nodeId);
}
