package dev.keyway.gossip.proto;

import java.time.Duration;
import java.util.Objects;

/**
 * PlumTree settings. Every node of a swarm should use the same values. Sources as in
 * {@link HyParViewConfig}: "paper" is the PlumTree paper, "iroh-gossip default" a value from
 * iroh-gossip's {@code plumtree::Config} (its timeouts are marked there as unvalidated guesses),
 * "iroh-gossip cap" a memory bound iroh added after memory-exhaustion reports, "guess" ours.
 *
 * @param graftTimeout1 wait after the first IHave for an unseen message before sending a Graft;
 *     iroh-gossip default: 80 ms (paper p8 leaves it to the deployment)
 * @param graftTimeout2 wait before grafting the next announcer; iroh-gossip default: 40 ms
 *     (paper p9: "in the order of an average round trip time")
 * @param dispatchTimeout how long IHave announcements are batched; iroh-gossip default: 5 ms
 * @param optimizationThreshold how many hops shorter a lazy path must be before the tree is
 *     rebuilt along it; paper p12 (experimental setting), iroh-gossip default: 7
 * @param messageCacheRetention how long payloads are kept to answer Grafts; iroh-gossip default: 30 s
 * @param messageIdRetention how long ids are kept for duplicate suppression; iroh-gossip
 *     default: 90 s
 * @param cacheEvictInterval how often expired ids and payloads are dropped; iroh-gossip default: 1 s
 * @param maxIHavePerMessage announcements per IHave message; iroh-gossip cap: 100 (fits a 4096
 *     byte frame)
 * @param maxMissingMessages message ids announced to us but not yet received that we track;
 *     iroh-gossip cap: 10,000
 * @param maxLazyQueuePerPeer announcements queued per lazy peer between dispatches; iroh-gossip
 *     cap: 1,000
 * @param messageCacheCapacity payloads kept at most, oldest dropped first; guess: 4,096 (16 MiB of
 *     4 KiB payloads)
 * @param messageIdCapacity message ids kept at most, oldest dropped first; guess: 65,536
 * @param initialLazyPercent share of new links (0..100) that start lazy instead of eager, picked
 *     by a hash of the two peers so both ends agree; ours: 10. The paper starts every link eager,
 *     so the first broadcast floods every link; starting a few lazy trims that flood (single
 *     sender RMR over 30 broadcasts at 20 nodes: 0.105 → 0.093) while the eager links still
 *     span the swarm, so the rare node reached only lazily grafts (ops/bench/RESULTS.md). Higher
 *     values cost more grafts than they save at 1000 nodes.
 */
public record PlumTreeConfig(
    Duration graftTimeout1,
    Duration graftTimeout2,
    Duration dispatchTimeout,
    int optimizationThreshold,
    Duration messageCacheRetention,
    Duration messageIdRetention,
    Duration cacheEvictInterval,
    int maxIHavePerMessage,
    int maxMissingMessages,
    int maxLazyQueuePerPeer,
    int messageCacheCapacity,
    int messageIdCapacity,
    int initialLazyPercent) {

  public PlumTreeConfig {
    positive(graftTimeout1, "graftTimeout1");
    positive(graftTimeout2, "graftTimeout2");
    positive(dispatchTimeout, "dispatchTimeout");
    positive(messageCacheRetention, "messageCacheRetention");
    positive(messageIdRetention, "messageIdRetention");
    positive(cacheEvictInterval, "cacheEvictInterval");
    if (optimizationThreshold < 1) {
      throw new IllegalArgumentException("optimizationThreshold must be at least 1");
    }
    if (messageIdRetention.compareTo(messageCacheRetention) < 0) {
      // A payload we still cache but no longer remember as seen would be delivered twice.
      throw new IllegalArgumentException("messageIdRetention must be at least messageCacheRetention");
    }
    if (maxIHavePerMessage < 1 || maxMissingMessages < 1 || maxLazyQueuePerPeer < 1
        || messageCacheCapacity < 1 || messageIdCapacity < 1) {
      throw new IllegalArgumentException("capacities must be positive");
    }
    if (initialLazyPercent < 0 || initialLazyPercent > 100) {
      throw new IllegalArgumentException("initialLazyPercent must be 0..100, got " + initialLazyPercent);
    }
  }

  /** The defaults documented on each component. */
  public static PlumTreeConfig defaults() {
    return new PlumTreeConfig(
        Duration.ofMillis(80),
        Duration.ofMillis(40),
        Duration.ofMillis(5),
        7,
        Duration.ofSeconds(30),
        Duration.ofSeconds(90),
        Duration.ofSeconds(1),
        100,
        10_000,
        1_000,
        4_096,
        65_536,
        10);
  }

  /** A copy with another optimization threshold. */
  public PlumTreeConfig withOptimizationThreshold(int threshold) {
    return new PlumTreeConfig(graftTimeout1, graftTimeout2, dispatchTimeout, threshold,
        messageCacheRetention, messageIdRetention, cacheEvictInterval, maxIHavePerMessage,
        maxMissingMessages, maxLazyQueuePerPeer, messageCacheCapacity, messageIdCapacity,
        initialLazyPercent);
  }

  /** A copy with other graft timeouts. */
  public PlumTreeConfig withGraftTimeouts(Duration first, Duration next) {
    return new PlumTreeConfig(first, next, dispatchTimeout, optimizationThreshold,
        messageCacheRetention, messageIdRetention, cacheEvictInterval, maxIHavePerMessage,
        maxMissingMessages, maxLazyQueuePerPeer, messageCacheCapacity, messageIdCapacity,
        initialLazyPercent);
  }

  /** A copy with another IHave batching window. */
  public PlumTreeConfig withDispatchTimeout(Duration timeout) {
    return new PlumTreeConfig(graftTimeout1, graftTimeout2, timeout, optimizationThreshold,
        messageCacheRetention, messageIdRetention, cacheEvictInterval, maxIHavePerMessage,
        maxMissingMessages, maxLazyQueuePerPeer, messageCacheCapacity, messageIdCapacity,
        initialLazyPercent);
  }

  /** A copy with another share of links that start lazy (0 starts every link eager, as the paper). */
  public PlumTreeConfig withInitialLazyPercent(int percent) {
    return new PlumTreeConfig(graftTimeout1, graftTimeout2, dispatchTimeout, optimizationThreshold,
        messageCacheRetention, messageIdRetention, cacheEvictInterval, maxIHavePerMessage,
        maxMissingMessages, maxLazyQueuePerPeer, messageCacheCapacity, messageIdCapacity, percent);
  }

  private static void positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive");
    }
  }
}
