package dev.keyway.gossip.proto;

import java.time.Duration;
import java.util.Objects;

/**
 * HyParView settings. Every node of a swarm should use the same values. Each default says where it
 * comes from: "paper p9" is the HyParView paper's experimental setting (which iroh-gossip also
 * uses), "iroh-gossip default" a value iroh chose (its own comment calls some of them guesses),
 * "guess" a value of ours.
 *
 * @param activeViewCapacity connected neighbours; paper p9: 5 (fanout 4, plus one because a node
 *     never forwards to the sender)
 * @param passiveViewCapacity backup peers; paper p9: 30
 * @param activeRandomWalkLength ARWL, the initial ForwardJoin ttl; paper p9: 6
 * @param passiveRandomWalkLength PRWL, the ttl at which the joiner enters the passive view;
 *     paper p9: 3
 * @param shuffleRandomWalkLength initial Shuffle ttl; iroh-gossip default: 6 (= ARWL)
 * @param shuffleActiveViewCount ka, active peers in a Shuffle; paper p9: 3
 * @param shufflePassiveViewCount kp, passive peers in a Shuffle; paper p9: 4
 * @param shuffleInterval period of the shuffle; iroh-gossip default: 60 s ("wild guess")
 * @param neighborRequestTimeout how long a Neighbor request may go unanswered before the peer is
 *     taken as failed; iroh-gossip default: 500 ms ("wild guess")
 * @param highPriorityBelow a node with fewer neighbours than this asks with HIGH priority, which
 *     is never refused; paper: 1 (only a node with an empty active view); ours: 2. After mass
 *     failures the simulator showed pairs of nodes that only know each other: each has one
 *     neighbour, so with the paper's rule both only send LOW requests, which every full node of
 *     the main overlay refuses, and the pair stays cut off for good. At most
 *     {@code activeViewCapacity - 1}: a forced eviction leaves its victim one below capacity, and
 *     that must not be below the threshold, or evictions cascade.
 * @param refusalBudget refused Low-priority Neighbor requests a node accepts per shuffle interval
 *     before it stops asking until the next shuffle; guess: 10. The paper retries refused
 *     requests without bound; in a swarm where most views are full that is an endless
 *     request/refusal loop. Requests to dead peers are not counted: each removes a passive entry,
 *     so they are bounded anyway, and after mass failures they must not use up the budget.
 */
public record HyParViewConfig(
    int activeViewCapacity,
    int passiveViewCapacity,
    int activeRandomWalkLength,
    int passiveRandomWalkLength,
    int shuffleRandomWalkLength,
    int shuffleActiveViewCount,
    int shufflePassiveViewCount,
    Duration shuffleInterval,
    Duration neighborRequestTimeout,
    int highPriorityBelow,
    int refusalBudget) {

  public HyParViewConfig {
    Objects.requireNonNull(shuffleInterval, "shuffleInterval");
    Objects.requireNonNull(neighborRequestTimeout, "neighborRequestTimeout");
    positive(activeViewCapacity, "activeViewCapacity");
    positive(passiveViewCapacity, "passiveViewCapacity");
    positive(activeRandomWalkLength, "activeRandomWalkLength");
    if (passiveRandomWalkLength < 0 || passiveRandomWalkLength > activeRandomWalkLength) {
      throw new IllegalArgumentException("passiveRandomWalkLength must be in 0..activeRandomWalkLength");
    }
    nonNegative(shuffleRandomWalkLength, "shuffleRandomWalkLength");
    nonNegative(shuffleActiveViewCount, "shuffleActiveViewCount");
    nonNegative(shufflePassiveViewCount, "shufflePassiveViewCount");
    nonNegative(refusalBudget, "refusalBudget");
    // A forced eviction leaves its victim at capacity - 1 neighbours; were that below the
    // threshold, the victim would force the next eviction, and so on.
    if (highPriorityBelow < 1 || highPriorityBelow > Math.max(1, activeViewCapacity - 1)) {
      throw new IllegalArgumentException("highPriorityBelow must be in 1..max(1, activeViewCapacity - 1)");
    }
    if (shuffleInterval.isNegative() || shuffleInterval.isZero()) {
      throw new IllegalArgumentException("shuffleInterval must be positive");
    }
    if (neighborRequestTimeout.isNegative() || neighborRequestTimeout.isZero()) {
      throw new IllegalArgumentException("neighborRequestTimeout must be positive");
    }
  }

  /** The defaults documented on each component. */
  public static HyParViewConfig defaults() {
    return new HyParViewConfig(5, 30, 6, 3, 6, 3, 4, Duration.ofSeconds(60), Duration.ofMillis(500), 2, 10);
  }

  /** A copy with another shuffle interval. */
  public HyParViewConfig withShuffleInterval(Duration interval) {
    return new HyParViewConfig(activeViewCapacity, passiveViewCapacity, activeRandomWalkLength,
        passiveRandomWalkLength, shuffleRandomWalkLength, shuffleActiveViewCount,
        shufflePassiveViewCount, interval, neighborRequestTimeout, highPriorityBelow, refusalBudget);
  }

  /** A copy with other view capacities (the HIGH-priority threshold is lowered if needed). */
  public HyParViewConfig withViewCapacities(int active, int passive) {
    return new HyParViewConfig(active, passive, activeRandomWalkLength,
        passiveRandomWalkLength, shuffleRandomWalkLength, shuffleActiveViewCount,
        shufflePassiveViewCount, shuffleInterval, neighborRequestTimeout,
        Math.max(1, Math.min(highPriorityBelow, active - 1)), refusalBudget);
  }

  /** A copy with another HIGH-priority threshold (1 is the paper's rule). */
  public HyParViewConfig withHighPriorityBelow(int below) {
    return new HyParViewConfig(activeViewCapacity, passiveViewCapacity, activeRandomWalkLength,
        passiveRandomWalkLength, shuffleRandomWalkLength, shuffleActiveViewCount,
        shufflePassiveViewCount, shuffleInterval, neighborRequestTimeout, below, refusalBudget);
  }

  /** The most peers a Shuffle carries: ka + kp + the origin itself. */
  int maxShuffleNodes() {
    return shuffleActiveViewCount + shufflePassiveViewCount + 1;
  }

  private static void positive(int v, String name) {
    if (v <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + v);
    }
  }

  private static void nonNegative(int v, String name) {
    if (v < 0) {
      throw new IllegalArgumentException(name + " must not be negative, got " + v);
    }
  }
}
