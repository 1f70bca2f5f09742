package dev.keyway.gossip.sim;

import java.util.List;
import java.util.Objects;

/**
 * One simulation: a network, what is broadcast, and which failures happen, run once per seed.
 *
 * @param name label used in reports and baselines
 * @param kind what is broadcast each round
 * @param nodes number of nodes
 * @param seeds one run per seed; everything random derives from it
 * @param rounds broadcast rounds (for {@link Kind#FAILURE}: unused, see the failure fields)
 * @param latencyMinMs smallest one-way link latency; each pair of nodes draws a fixed latency
 * @param latencyMaxMs largest one-way link latency
 * @param loss probability that a message is dropped without notice (0 in iroh's scenarios;
 *     symmetry invariants are not checked when positive)
 * @param roundTimeoutMs a round ends when every live node delivered every message, or after this
 * @param bootstrapNodes iroh's bootstrap {@code Set{count}}: the first nodes join node 0, the rest
 *     join one of them at random
 * @param settleMs simulated time to run after bootstrap before the first round (lets shuffles fill
 *     the passive views)
 * @param detectMs how long after a crash (or partition) the peers connected to a node notice that
 *     the connection is dead, if they send nothing to it (a send to a dead node fails after one
 *     round trip regardless: the papers' "TCP as failure detector")
 * @param messageSize payload bytes per broadcast (each payload is unique)
 * @param shuffleIntervalMs HyParView shuffle period, or 0 for the protocol default
 * @param events failures applied before given rounds (for the broadcast kinds)
 * @param crashFractions for {@link Kind#FAILURE}: fractions of nodes crashed at once, one
 *     experiment each
 * @param warmupRounds for {@link Kind#FAILURE}: broadcasts before the crash (tree building)
 * @param maxBroadcasts for {@link Kind#FAILURE}: broadcasts after the crash (each is a round:
 *     it ends when every live node delivered it or after the round timeout, and the next starts
 *     once the network is quiet)
 * @param checkInvariants whether to check the invariants after bootstrap and each round
 */
public record Scenario(
    String name,
    Kind kind,
    int nodes,
    List<Long> seeds,
    int rounds,
    int latencyMinMs,
    int latencyMaxMs,
    double loss,
    int roundTimeoutMs,
    int bootstrapNodes,
    int settleMs,
    int detectMs,
    int messageSize,
    int shuffleIntervalMs,
    List<FailureEvent> events,
    List<Double> crashFractions,
    int warmupRounds,
    int maxBroadcasts,
    boolean checkInvariants) {

  /** What a scenario broadcasts. The first three are iroh-gossip's simulations. */
  public enum Kind {
    /** One fixed random sender, one message per round (iroh GossipSingle). */
    SINGLE("GossipSingle"),
    /** A new random sender each round, one message per round (iroh GossipMulti). */
    MULTI("GossipMulti"),
    /** Every node sends one message per round, all at once (iroh GossipAll). */
    ALL("GossipAll"),
    /** The papers' experiment: crash a fraction of the nodes at once, then broadcast until
     *  reliability is back to 100 %. */
    FAILURE("Failure");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    /** The name used in scenario files and reports. */
    public String label() {
      return label;
    }

    /** Parses a label (case-insensitive; "single", "GossipSingle", ...). */
    public static Kind parse(String s) {
      for (Kind k : values()) {
        if (k.label.equalsIgnoreCase(s) || k.name().equalsIgnoreCase(s)) {
          return k;
        }
      }
      throw new IllegalArgumentException("unknown sim kind '" + s + "' (GossipSingle, GossipMulti, GossipAll, Failure)");
    }
  }

  /**
   * A failure applied before round {@code beforeRound} (1-based).
   *
   * @param beforeRound the round it precedes
   * @param action what happens
   * @param fraction of all nodes (crash, partition) or of the crashed nodes (restart)
   */
  public record FailureEvent(int beforeRound, Action action, double fraction) {
    public FailureEvent {
      Objects.requireNonNull(action, "action");
      if (beforeRound < 1) {
        throw new IllegalArgumentException("before_round must be at least 1");
      }
      if (fraction < 0 || fraction > 1) {
        throw new IllegalArgumentException("fraction must be in [0, 1]");
      }
    }
  }

  /** A failure action. */
  public enum Action {
    /** Crash a random fraction of the live nodes (state lost). */
    CRASH,
    /** Restart a fraction of the crashed nodes with fresh state; each joins a random live node. */
    RESTART,
    /** Split the nodes in two groups (the fraction is the size of the second); links across fail. */
    PARTITION,
    /** Remove the partition; nodes rediscover each other only through what their views kept. */
    HEAL
  }

  public Scenario {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    seeds = List.copyOf(seeds);
    events = List.copyOf(events);
    crashFractions = List.copyOf(crashFractions);
    if (nodes < 2) {
      throw new IllegalArgumentException(name + ": nodes must be at least 2");
    }
    if (seeds.isEmpty()) {
      throw new IllegalArgumentException(name + ": at least one seed is needed");
    }
    if (latencyMinMs < 0 || latencyMaxMs < latencyMinMs) {
      throw new IllegalArgumentException(name + ": latency_ms must be [min, max] with 0 <= min <= max");
    }
    if (loss < 0 || loss >= 1) {
      throw new IllegalArgumentException(name + ": loss must be in [0, 1)");
    }
    if (rounds < 0 || roundTimeoutMs <= 0 || bootstrapNodes < 1 || settleMs < 0 || detectMs < 0
        || messageSize < 8 || shuffleIntervalMs < 0 || warmupRounds < 0 || maxBroadcasts < 1) {
      throw new IllegalArgumentException(name + ": a numeric setting is out of range");
    }
    if (kind == Kind.FAILURE && crashFractions.isEmpty()) {
      throw new IllegalArgumentException(name + ": a Failure scenario needs crash = [fractions]");
    }
    for (double f : crashFractions) {
      if (f < 0 || f >= 1) {
        throw new IllegalArgumentException(name + ": crash fractions must be in [0, 1)");
      }
    }
  }

  /** iroh's label form, e.g. {@code GossipSingle-n100-r30}. */
  public static String defaultName(Kind kind, int nodes, int rounds) {
    return kind == Kind.FAILURE ? "Failure-n" + nodes : kind.label() + "-n" + nodes + "-r" + rounds;
  }

  /** A copy with other seeds. */
  public Scenario withSeeds(List<Long> newSeeds) {
    return new Scenario(name, kind, nodes, newSeeds, rounds, latencyMinMs, latencyMaxMs, loss,
        roundTimeoutMs, bootstrapNodes, settleMs, detectMs, messageSize, shuffleIntervalMs, events,
        crashFractions, warmupRounds, maxBroadcasts, checkInvariants);
  }

  /** A copy with other crash fractions. */
  public Scenario withCrashFractions(List<Double> fractions) {
    return new Scenario(name, kind, nodes, seeds, rounds, latencyMinMs, latencyMaxMs, loss,
        roundTimeoutMs, bootstrapNodes, settleMs, detectMs, messageSize, shuffleIntervalMs, events,
        fractions, warmupRounds, maxBroadcasts, checkInvariants);
  }

  /** A builder with iroh's defaults: 30 rounds, 10-50 ms, 5 s timeout, bootstrap set of 5. */
  public static Builder builder(Kind kind, int nodes) {
    return new Builder(kind, nodes);
  }

  /** Builds a {@link Scenario}; every setting starts at its default. */
  public static final class Builder {
    private String name;
    private final Kind kind;
    private final int nodes;
    private List<Long> seeds = List.of(0L, 1L, 212312388123L, 123L);
    private int rounds = 30;
    private int latencyMinMs = 10;
    private int latencyMaxMs = 50;
    private double loss;
    private int roundTimeoutMs = 5000;
    private int bootstrapNodes = 5;
    private int settleMs;
    private int detectMs = 1000;
    private int messageSize = 32;
    private int shuffleIntervalMs;
    private List<FailureEvent> events = List.of();
    private List<Double> crashFractions = List.of();
    private int warmupRounds = 5;
    private int maxBroadcasts = 10;
    private boolean checkInvariants = true;

    Builder(Kind kind, int nodes) {
      this.kind = kind;
      this.nodes = nodes;
    }

    public Builder name(String v) { name = v; return this; }
    public Builder seeds(List<Long> v) { seeds = v; return this; }
    public Builder rounds(int v) { rounds = v; return this; }
    public Builder latencyMs(int min, int max) { latencyMinMs = min; latencyMaxMs = max; return this; }
    public Builder loss(double v) { loss = v; return this; }
    public Builder roundTimeoutMs(int v) { roundTimeoutMs = v; return this; }
    public Builder bootstrapNodes(int v) { bootstrapNodes = v; return this; }
    public Builder settleMs(int v) { settleMs = v; return this; }
    public Builder detectMs(int v) { detectMs = v; return this; }
    public Builder messageSize(int v) { messageSize = v; return this; }
    public Builder shuffleIntervalMs(int v) { shuffleIntervalMs = v; return this; }
    public Builder events(List<FailureEvent> v) { events = v; return this; }
    public Builder crashFractions(List<Double> v) { crashFractions = v; return this; }
    public Builder warmupRounds(int v) { warmupRounds = v; return this; }
    public Builder maxBroadcasts(int v) { maxBroadcasts = v; return this; }
    public Builder checkInvariants(boolean v) { checkInvariants = v; return this; }

    public Scenario build() {
      return new Scenario(name != null ? name : defaultName(kind, nodes, rounds), kind, nodes, seeds,
          rounds, latencyMinMs, latencyMaxMs, loss, roundTimeoutMs, bootstrapNodes, settleMs,
          detectMs, messageSize, shuffleIntervalMs, events, crashFractions, warmupRounds,
          maxBroadcasts, checkInvariants);
    }
  }
}
