package dev.keyway.gossip.book;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Counters of a {@link GossipAddressBook}. */
public final class BookStats {
  final LongAdder announced = new LongAdder();
  final LongAdder accepted = new LongAdder();
  final LongAdder discovered = new LongAdder();
  final LongAdder forged = new LongAdder();
  final LongAdder replayed = new LongAdder();
  final LongAdder untimely = new LongAdder();
  final LongAdder malformed = new LongAdder();
  final LongAdder expired = new LongAdder();
  final LongAdder left = new LongAdder();
  final LongAdder joined = new LongAdder();
  final LongAdder lagged = new LongAdder();
  final LongAdder relayed = new LongAdder();
  final LongAdder handedOver = new LongAdder();
  final LongAdder keyShared = new LongAdder();

  /** Own announcements broadcast. */
  public long announced() {
    return announced.sum();
  }

  /** Verified, newer announcements of others. */
  public long accepted() {
    return accepted.sum();
  }

  /** Nodes that were new to the book. */
  public long discovered() {
    return discovered.sum();
  }

  /** Dropped: bad signature, or signed by another key than the node announced (or leaving). */
  public long forged() {
    return forged.sum();
  }

  /**
   * Dropped: not newer than the book's entry (or a removed node's last one). Checked before the
   * signature, so a forged replay counts here; repeats inside hand-overs are not counted. Leaves
   * count here too (verified first): one older than the node's entry, a replay after it restarted.
   */
  public long replayed() {
    return replayed.sum();
  }

  /**
   * Dropped: signed more than the expiry ahead of this node's clock, or before the replay window
   * (leaves: more than 2·T ago).
   */
  public long untimely() {
    return untimely.sum();
  }

  /**
   * Dropped: not an announcement, hand-over or leave, or a kind this version does not know (a
   * hand-over message counts once, however many of its entries).
   */
  public long malformed() {
    return malformed.sum();
  }

  /** Entries removed by the sweep. */
  public long expired() {
    return expired.sum();
  }

  /**
   * Entries removed because their node said it was leaving (a verified {@link Leave} newer than
   * the entry): nodes stopped on purpose, removed at once rather than expired.
   */
  public long left() {
    return left.sum();
  }

  /** Newly seen nodes this node asked to join. */
  public long joined() {
    return joined.sum();
  }

  /** Events lost because the book's subscription lagged. */
  public long lagged() {
    return lagged.sum();
  }

  /** Announcements taken from other members' hand-overs (counted in {@link #accepted()} too). */
  public long relayed() {
    return relayed.sum();
  }

  /** Hand-over messages queued to the neighbours (one per frame's worth of the book). */
  public long handedOver() {
    return handedOver.sum();
  }

  /**
   * Announcements of this node's own id, signed with its key, from another process (other
   * addresses or name): two nodes share one key, and one of them is unreachable.
   */
  public long keyShared() {
    return keyShared.sum();
  }

  /** All counters by name. */
  public Map<String, Long> asMap() {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("announced", announced());
    m.put("accepted", accepted());
    m.put("discovered", discovered());
    m.put("forged", forged());
    m.put("replayed", replayed());
    m.put("untimely", untimely());
    m.put("malformed", malformed());
    m.put("expired", expired());
    m.put("left", left());
    m.put("joined", joined());
    m.put("lagged", lagged());
    m.put("relayed", relayed());
    m.put("handed_over", handedOver());
    m.put("key_shared", keyShared());
    return m;
  }

  @Override
  public String toString() {
    return "BookStats" + asMap();
  }
}
