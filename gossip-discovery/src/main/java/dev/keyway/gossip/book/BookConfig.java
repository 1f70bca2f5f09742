package dev.keyway.gossip.book;

import dev.keyway.client.addr.RelayUrl;
import dev.keyway.client.record.UserData;
import dev.keyway.gossip.proto.TopicId;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Settings of a {@link GossipAddressBook}.
 *
 * @param topic the address-book topic (every member must use the same one)
 * @param name this node's name in the book
 * @param relayUrls relay URLs to announce (may be empty)
 * @param userData user data to announce, or null
 * @param announceInterval how often this node announces itself (default 3 s, the seed's demo);
 *     {@link GossipAddressBook#start} requires it to be shorter than {@code expiry}
 * @param expiry T: a node silent for longer is dropped (default 30 s)
 * @param sweepInterval how often expired nodes are dropped (default T/4: a dead node goes between
 *     T and 1.25·T after its last announcement, inside the 1.33·T bound with room for timer delays
 *     on a loaded machine; iroh-gossip-discovery sweeps every T/3)
 * @param joinInterval how often newly seen nodes are joined (default 1 s)
 * @param joinsPerInterval how many newly seen nodes are joined per interval (default 2)
 * @param joinWhenNeighborsBelow newly seen nodes are joined only while this node has fewer
 *     neighbours (default 5, HyParView's active view): a full view needs no help, and every Join
 *     would evict one of the receiver's neighbours
 * @param maxEntries the book's capacity (default 10 000)
 */
public record BookConfig(TopicId topic, String name, List<RelayUrl> relayUrls, UserData userData,
    Duration announceInterval, Duration expiry, Duration sweepInterval, Duration joinInterval,
    int joinsPerInterval, int joinWhenNeighborsBelow, int maxEntries) {
  /**
   * Longest expiry T: 30 days (the replay window, 10·T, is kept in nanoseconds, which stop at 292
   * years, and a node silent for a month is not coming back).
   */
  public static final Duration MAX_EXPIRY = Duration.ofDays(30);

  /** The default address-book topic. */
  public static final TopicId DEFAULT_TOPIC = TopicId.ofName("keyway/gossip-address-book/1");

  public BookConfig {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(name, "name");
    relayUrls = List.copyOf(relayUrls);
    // Timers run on Vert.x, whose shortest delay is 1 ms.
    atLeastAMillisecond(announceInterval, "announceInterval");
    atLeastAMillisecond(expiry, "expiry");
    atLeastAMillisecond(sweepInterval, "sweepInterval");
    atLeastAMillisecond(joinInterval, "joinInterval");
    if (expiry.compareTo(MAX_EXPIRY) > 0) {
      throw new IllegalArgumentException("expiry must be at most " + MAX_EXPIRY.toDays() + " days");
    }
    if (joinsPerInterval < 1 || maxEntries < 1) {
      throw new IllegalArgumentException("joinsPerInterval and maxEntries must be positive");
    }
  }

  private static void atLeastAMillisecond(Duration d, String what) {
    if (d == null || d.compareTo(Duration.ofMillis(1)) < 0) {
      throw new IllegalArgumentException(what + " must be at least 1 ms");
    }
  }

  /** Defaults for a node called {@code name}. */
  public static BookConfig defaults(String name) {
    Duration t = Duration.ofSeconds(30);
    return new BookConfig(DEFAULT_TOPIC, name, List.of(), null, Duration.ofSeconds(3), t, t.dividedBy(4),
        Duration.ofSeconds(1), 2, 5, 10_000);
  }

  /** A copy with expiry T and the sweep at T/4. */
  public BookConfig withExpiry(Duration t) {
    return new BookConfig(topic, name, relayUrls, userData, announceInterval, t, t.dividedBy(4), joinInterval,
        joinsPerInterval, joinWhenNeighborsBelow, maxEntries);
  }

  public BookConfig withAnnounceInterval(Duration d) {
    return new BookConfig(topic, name, relayUrls, userData, d, expiry, sweepInterval, joinInterval,
        joinsPerInterval, joinWhenNeighborsBelow, maxEntries);
  }

  public BookConfig withSweepInterval(Duration d) {
    return new BookConfig(topic, name, relayUrls, userData, announceInterval, expiry, d, joinInterval,
        joinsPerInterval, joinWhenNeighborsBelow, maxEntries);
  }

  public BookConfig withTopic(TopicId t) {
    return new BookConfig(t, name, relayUrls, userData, announceInterval, expiry, sweepInterval, joinInterval,
        joinsPerInterval, joinWhenNeighborsBelow, maxEntries);
  }

  public BookConfig withUserData(UserData u) {
    return new BookConfig(topic, name, relayUrls, u, announceInterval, expiry, sweepInterval, joinInterval,
        joinsPerInterval, joinWhenNeighborsBelow, maxEntries);
  }

  public BookConfig withJoins(Duration interval, int perInterval, int whenNeighborsBelow) {
    return new BookConfig(topic, name, relayUrls, userData, announceInterval, expiry, sweepInterval, interval,
        perInterval, whenNeighborsBelow, maxEntries);
  }
}
