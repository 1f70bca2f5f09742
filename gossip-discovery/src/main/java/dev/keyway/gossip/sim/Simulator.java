package dev.keyway.gossip.sim;

import dev.keyway.gossip.proto.Event;
import dev.keyway.gossip.proto.GossipConfig;
import dev.keyway.gossip.proto.GossipState;
import dev.keyway.gossip.proto.Message;
import dev.keyway.gossip.proto.MessageId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Runs {@link Scenario}s on a {@link SimNetwork} and measures them.
 *
 * <p>A run: bootstrap as iroh does ({@code Set}: nodes 1..k-1 join node 0, then after 7 maximum
 * latencies every other node joins one of the first k at random, then 20 maximum latencies pass),
 * optionally let it settle, check the invariants, then play the rounds. A round broadcasts one
 * message (GossipSingle, GossipMulti) or one per node (GossipAll) and ends when every live node
 * delivered every message or after the round timeout; in-flight messages are then drained (so that
 * late redundant payloads count in the RMR) and the invariants are checked again. The Failure
 * kind bootstraps, warms the tree up with a few broadcasts, crashes a fraction of the nodes at once
 * and broadcasts from random live nodes, recording the reliability of each broadcast.
 */
public final class Simulator {
  /** How long a drain may take before the network is declared "not quiet". */
  private static final long DRAIN_LIMIT = Duration.ofSeconds(30).toNanos();

  private Simulator() {}

  /** Runs every seed of {@code scenario} with default protocol settings. */
  public static SimReport run(Scenario scenario) {
    return run(scenario, GossipConfig.defaults(), s -> {});
  }

  /**
   * Runs every seed (and, for Failure, every crash fraction) of {@code scenario}.
   *
   * @param config protocol settings; the scenario's shuffle interval, if set, overrides it
   * @param progress receives a line per finished run
   */
  public static SimReport run(Scenario scenario, GossipConfig config, Consumer<String> progress) {
    long t0 = System.nanoTime();
    GossipConfig effective = scenario.shuffleIntervalMs() > 0
        ? config.withHyParView(config.hyParView().withShuffleInterval(Duration.ofMillis(scenario.shuffleIntervalMs())))
        : config;
    List<SeedResult> runs = new ArrayList<>();
    List<FailureRow> rows = new ArrayList<>();
    Invariants inv = Invariants.NONE;
    if (scenario.kind() == Scenario.Kind.FAILURE) {
      for (double fraction : scenario.crashFractions()) {
        List<SeedResult> perFraction = new ArrayList<>();
        for (long seed : scenario.seeds()) {
          SeedResult r = new Run(scenario, effective, seed).failure(fraction);
          perFraction.add(r);
          inv = inv.plus(r.invariants());
          progress.accept(String.format("%s crash=%.0f%% seed=%d: recovered at %s, %d events, %.1f s",
              scenario.name(), fraction * 100, seed, r.recoveredAt() > 0 ? "#" + r.recoveredAt() : "never",
              r.events(), r.wallSeconds()));
        }
        runs.addAll(perFraction);
        rows.add(failureRow(fraction, perFraction, scenario.maxBroadcasts()));
      }
    } else {
      for (long seed : scenario.seeds()) {
        SeedResult r = new Run(scenario, effective, seed).rounds();
        runs.add(r);
        inv = inv.plus(r.invariants());
        progress.accept(String.format("%s seed=%d: RMR %.3f LDH %.1f missed %.1f, %d events, %.1f s",
            scenario.name(), seed, r.mean().rmr(), r.mean().ldh(), r.mean().missed(), r.events(), r.wallSeconds()));
      }
    }
    RoundStats mean = null;
    RoundStats max = null;
    RoundStats min = null;
    if (scenario.kind() != Scenario.Kind.FAILURE) {
      mean = RoundStats.mean(runs.stream().map(SeedResult::mean).toList());
      max = RoundStats.max(runs.stream().map(SeedResult::max).toList());
      min = RoundStats.min(runs.stream().map(SeedResult::min).toList());
    }
    return new SimReport(scenario, runs, mean, max, min, rows, inv, (System.nanoTime() - t0) / 1e9);
  }

  private static FailureRow failureRow(double fraction, List<SeedResult> runs, int broadcasts) {
    List<Double> rel = new ArrayList<>();
    List<Double> minRel = new ArrayList<>();
    for (int b = 0; b < broadcasts; b++) {
      double sum = 0;
      double lo = 1;
      for (SeedResult r : runs) {
        double v = r.rounds().get(b).reliability();
        sum += v;
        lo = Math.min(lo, v);
      }
      rel.add(sum / runs.size());
      minRel.add(lo);
    }
    double live = 0;
    double isolated = 0;
    double recSum = 0;
    int recovered = 0;
    int recMax = 0;
    int never = 0;
    double firstRmr = 0;
    double lastRmr = 0;
    double lastLdh = 0;
    double wall = 0;
    double recoverySeconds = 0;
    for (SeedResult r : runs) {
      live += r.live();
      isolated += r.isolatedAtCrash();
      if (r.recoveredAt() > 0) {
        recSum += r.recoveredAt();
        recovered++;
        recMax = Math.max(recMax, r.recoveredAt());
        double ms = 0;
        for (int i = 0; i < r.recoveredAt(); i++) {
          ms += r.rounds().get(i).durationMs();
        }
        recoverySeconds += ms / 1000;
      } else {
        never++;
      }
      firstRmr += r.rounds().get(0).rmr();
      lastRmr += r.rounds().get(r.rounds().size() - 1).rmr();
      lastLdh += r.rounds().get(r.rounds().size() - 1).ldh();
      wall += r.wallSeconds();
    }
    int n = runs.size();
    return new FailureRow(fraction, n, live / n, isolated / n, rel, minRel,
        recovered == 0 ? 0 : recSum / recovered, never > 0 ? 0 : recMax, never,
        firstRmr / n, lastRmr / n, lastLdh / n, recovered == 0 ? 0 : recoverySeconds / recovered, wall);
  }

  // ==================================================================== one run

  /** Delivery bookkeeping of one broadcast. */
  private static final class Track {
    final int expected;
    final BitSet delivered;
    int deliveries;
    int deliveriesAtDeadline = -1;
    int payloads;
    int maxHop;

    Track(int expected, int n) {
      this.expected = expected;
      this.delivered = new BitSet(n);
    }
  }

  private static final class Run implements SimNetwork.Observer {
    private final Scenario scenario;
    private final long seed;
    private final SimNetwork net;
    private final SplittableRandom rng;
    private final HashMap<MessageId, Track> tracks = new HashMap<>();
    /** The same tracks keyed by the id instances the nodes pass around (one per broadcast). */
    private final IdentityHashMap<MessageId, Track> byInstance = new IdentityHashMap<>();
    private int incomplete;
    private long lastDelivery;
    private int duplicates;
    private Invariants inv = Invariants.NONE;
    private int messageCounter;

    Run(Scenario scenario, GossipConfig config, long seed) {
      this.scenario = scenario;
      this.seed = seed;
      this.net = new SimNetwork(scenario.nodes(), seed, config, scenario.latencyMinMs(),
          scenario.latencyMaxMs(), scenario.loss(), scenario.detectMs());
      this.net.setObserver(this);
      this.rng = new SplittableRandom(SimNetwork.mix(seed + 0x5ce9a710L));
    }

    // ------------------------------------------------------------ observer

    @Override
    public void onReceived(int node, Event.Received<Integer> event, long now) {
      Track t = track(event.id());
      if (t == null) {
        return;
      }
      if (t.delivered.get(node)) {
        duplicates++;
        return;
      }
      t.delivered.set(node);
      t.deliveries++;
      t.maxHop = Math.max(t.maxHop, event.round() + 1);
      if (t.deliveriesAtDeadline < 0) {
        lastDelivery = now;
        if (t.deliveries == t.expected) {
          incomplete--;
        }
      }
    }

    @Override
    public void onPayload(int node, Message.Gossip<Integer> gossip) {
      Track t = track(gossip.id());
      if (t != null) {
        t.payloads++;
      }
    }

    private Track track(MessageId id) {
      Track t = byInstance.get(id);
      if (t == null) {
        t = tracks.get(id);
        if (t != null) {
          byInstance.put(id, t);
        }
      }
      return t;
    }

    // ------------------------------------------------------------ phases

    SeedResult rounds() {
      long t0 = System.nanoTime();
      bootstrap();
      List<RoundStats> stats = new ArrayList<>();
      int sender = randomLive();
      for (int r = 1; r <= scenario.rounds(); r++) {
        for (Scenario.FailureEvent e : scenario.events()) {
          if (e.beforeRound() == r) {
            apply(e);
          }
        }
        int[] senders;
        switch (scenario.kind()) {
          case SINGLE -> {
            if (!net.isAlive(sender)) {
              sender = randomLive();
            }
            senders = new int[] {sender};
          }
          case MULTI -> senders = new int[] {randomLive()};
          default -> senders = liveNodes();
        }
        stats.add(round(senders));
      }
      return result(stats, -1, 0, 0, t0);
    }

    SeedResult failure(double fraction) {
      long t0 = System.nanoTime();
      bootstrap();
      for (int w = 0; w < scenario.warmupRounds(); w++) {
        round(new int[] {randomLive()});
      }
      int[] victims = sample(net.n, (int) Math.round(fraction * net.n), -1);
      net.crash(victims);
      int isolated = 0;
      for (int v = 0; v < net.n; v++) {
        if (net.isAlive(v) && !hasLiveNeighbor(v)) {
          isolated++;
        }
      }
      List<RoundStats> stats = new ArrayList<>();
      int recoveredAt = 0;
      for (int b = 1; b <= scenario.maxBroadcasts(); b++) {
        RoundStats s = round(new int[] {randomLive()});
        stats.add(s);
        if (recoveredAt == 0 && s.reliability() >= 1.0) {
          recoveredAt = b;
        }
      }
      return result(stats, fraction, isolated, recoveredAt, t0);
    }

    private SeedResult result(List<RoundStats> stats, double fraction, int isolated, int recoveredAt, long t0) {
      inv = inv.plus(new Invariants(0, 0, 0, 0, 0, duplicates, 0));
      return new SeedResult(seed, fraction, stats, RoundStats.mean(stats), RoundStats.max(stats),
          RoundStats.min(stats), inv, net.liveCount(), isolated, recoveredAt, net.eventsProcessed,
          net.messagesSent, net.now() / 1e9, (System.nanoTime() - t0) / 1e9);
    }

    private void bootstrap() {
      long maxLat = scenario.latencyMaxMs() * 1_000_000L;
      int k = Math.min(scenario.bootstrapNodes(), net.n);
      net.join(0);
      for (int i = 1; i < k; i++) {
        net.join(i, 0);
      }
      net.runFor(7 * maxLat);
      for (int i = k; i < net.n; i++) {
        net.join(i, rng.nextInt(k));
      }
      net.runFor(20 * maxLat);
      if (scenario.settleMs() > 0) {
        net.runFor(scenario.settleMs() * 1_000_000L);
      }
      boolean quiet = net.drain(DRAIN_LIMIT);
      if (scenario.checkInvariants()) {
        int isolated = 0;
        for (int v = 0; v < net.n; v++) {
          if (net.isAlive(v) && net.node(v).neighborCount(SimNetwork.TOPIC) == 0) {
            isolated++;
          }
        }
        inv = inv.plus(new Invariants(0, 0, 0, 0, isolated, 0, 0));
        check(quiet);
      }
    }

    private RoundStats round(int[] senders) {
      long start = net.now();
      int expected = net.liveCount() - 1;
      List<Track> round = new ArrayList<>(senders.length);
      incomplete = 0;
      lastDelivery = start;
      byte[][] contents = new byte[senders.length][];
      for (int i = 0; i < senders.length; i++) {
        contents[i] = makeContent(senders[i]);
        Track t = new Track(expected, net.n);
        tracks.put(MessageId.of(contents[i]), t);
        round.add(t);
        if (expected > 0) {
          incomplete++;
        }
      }
      for (int i = 0; i < senders.length; i++) {
        net.broadcast(senders[i], contents[i]);
      }
      long deadline = start + scenario.roundTimeoutMs() * 1_000_000L;
      net.runUntil(deadline, () -> incomplete == 0);
      boolean complete = incomplete == 0;
      for (Track t : round) {
        t.deliveriesAtDeadline = t.deliveries;
      }
      double durationMs = ((complete ? lastDelivery : deadline) - start) / 1e6;
      boolean quiet = net.drain(DRAIN_LIMIT);
      if (scenario.checkInvariants()) {
        check(quiet);
      }
      double rmr = 0;
      int rmrCount = 0;
      int ldh = 0;
      long delivered = 0;
      long expectedTotal = 0;
      for (Track t : round) {
        delivered += t.deliveriesAtDeadline;
        expectedTotal += t.expected;
        ldh = Math.max(ldh, t.maxHop);
        if (t.deliveries > 0) {
          rmr += (double) t.payloads / t.deliveries - 1;
          rmrCount++;
        }
      }
      return new RoundStats(rmrCount == 0 ? 0 : rmr / rmrCount, ldh, expectedTotal - delivered,
          expectedTotal == 0 ? 1 : (double) delivered / expectedTotal, durationMs, senders.length);
    }

    /** Unique payloads: seed, counter and sender, padded to the configured size. */
    private byte[] makeContent(int sender) {
      String head = "s" + seed + ":m" + (messageCounter++) + ":n" + sender + ":";
      byte[] h = head.getBytes(StandardCharsets.US_ASCII);
      byte[] out = new byte[Math.max(scenario.messageSize(), h.length)];
      System.arraycopy(h, 0, out, 0, h.length);
      for (int i = h.length; i < out.length; i++) {
        out[i] = (byte) ('a' + (i % 26));
      }
      return out;
    }

    // ------------------------------------------------------------ failures

    private void apply(Scenario.FailureEvent e) {
      switch (e.action()) {
        case CRASH -> {
          int count = Math.min(net.liveCount() - 1, (int) Math.round(e.fraction() * net.n));
          net.crash(sampleLive(count));
        }
        case RESTART -> {
          List<Integer> dead = new ArrayList<>();
          for (int v = 0; v < net.n; v++) {
            if (!net.isAlive(v)) {
              dead.add(v);
            }
          }
          int count = (int) Math.round(e.fraction() * dead.size());
          for (int i = 0; i < count; i++) {
            int pick = dead.remove(rng.nextInt(dead.size()));
            net.restart(pick, randomLive());
          }
        }
        case PARTITION -> net.partition(sample(net.n, (int) Math.round(e.fraction() * net.n), -1));
        case HEAL -> net.heal();
      }
      boolean quiet = net.drain(DRAIN_LIMIT);
      if (scenario.checkInvariants()) {
        check(quiet);
      }
    }

    // ------------------------------------------------------------ invariants

    private void check(boolean quiet) {
      if (!quiet) {
        inv = inv.plus(new Invariants(1, 0, 0, 0, 0, 0, 1));
        return;
      }
      if (scenario.loss() > 0) {
        // Lost Disconnects and Prunes leave one-sided relations by design.
        return;
      }
      int asymActive = 0;
      int asymEager = 0;
      int dead = 0;
      for (int v = 0; v < net.n; v++) {
        if (!net.isAlive(v)) {
          continue;
        }
        GossipState<Integer> node = net.node(v);
        List<Integer> active = node.activeView(SimNetwork.TOPIC);
        List<Integer> eager = node.eagerPeers(SimNetwork.TOPIC);
        List<Integer> lazy = node.lazyPeers(SimNetwork.TOPIC);
        if (eager.size() + lazy.size() != active.size() || !active.containsAll(eager) || !active.containsAll(lazy)) {
          asymEager++;
        }
        for (Integer p : active) {
          if (!net.isAlive(p)) {
            dead++;
          } else if (!net.node(p).isNeighbor(SimNetwork.TOPIC, v)) {
            asymActive++;
          }
        }
        for (Integer p : eager) {
          if (net.isAlive(p) && !net.node(p).isEager(SimNetwork.TOPIC, v)) {
            asymEager++;
          }
        }
      }
      inv = inv.plus(new Invariants(1, asymActive, asymEager, dead, 0, 0, 0));
    }

    // ------------------------------------------------------------ helpers

    private boolean hasLiveNeighbor(int v) {
      for (Integer p : net.node(v).activeView(SimNetwork.TOPIC)) {
        if (net.isAlive(p)) {
          return true;
        }
      }
      return false;
    }

    private int randomLive() {
      while (true) {
        int v = rng.nextInt(net.n);
        if (net.isAlive(v)) {
          return v;
        }
      }
    }

    private int[] liveNodes() {
      int[] out = new int[net.liveCount()];
      int k = 0;
      for (int v = 0; v < net.n; v++) {
        if (net.isAlive(v)) {
          out[k++] = v;
        }
      }
      return out;
    }

    private int[] sampleLive(int count) {
      int[] live = liveNodes();
      shuffle(live);
      return java.util.Arrays.copyOf(live, Math.min(count, live.length));
    }

    /** {@code count} distinct nodes out of {@code n}, none equal to {@code except}. */
    private int[] sample(int n, int count, int except) {
      int[] all = new int[n];
      for (int i = 0; i < n; i++) {
        all[i] = i;
      }
      shuffle(all);
      int[] out = new int[Math.min(count, n)];
      int k = 0;
      for (int i = 0; i < n && k < out.length; i++) {
        if (all[i] != except) {
          out[k++] = all[i];
        }
      }
      return java.util.Arrays.copyOf(out, k);
    }

    private void shuffle(int[] a) {
      for (int i = a.length - 1; i > 0; i--) {
        int j = rng.nextInt(i + 1);
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
      }
    }
  }
}
