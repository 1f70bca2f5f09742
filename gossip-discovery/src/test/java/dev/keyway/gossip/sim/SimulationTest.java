package dev.keyway.gossip.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The invariants and iroh-gossip's own bounds (tests/sim.rs) on whole simulated networks.
 * iroh's bounds are for 100 peers; its LDH is the round (hops - 1), ours the hop count, so our
 * check is one hop stricter.
 */
class SimulationTest {
  static final List<Long> IROH_SEEDS = List.of(0L, 1L, 212312388123L, 123L);

  static SimReport run(Scenario s) {
    SimReport r = Simulator.run(s);
    assertThat(r.invariants().ok()).as(ReportPrinter.invariantLine(r.invariants())).isTrue();
    assertThat(r.invariants().checks()).isPositive();
    return r;
  }

  @Test
  void singleSenderAt100NodesMeetsIrohsBoundsAndOurs() {
    SimReport r = run(Scenario.builder(Scenario.Kind.SINGLE, 100).seeds(IROH_SEEDS).build());
    for (SeedResult s : r.runs()) {
      assertThat(s.mean().missed()).isZero();
      assertThat(s.mean().rmr()).isLessThan(0.2);
      assertThat(s.max().ldh()).isLessThan(15);
      // Ours: RMR < 0.1. The first round floods (RMR ~3, i.e. ~0.1 of the 30-round mean); every
      // later round follows the tree.
      assertThat(s.mean().rmr()).isLessThanOrEqualTo(0.1);
      assertThat(RoundStats.mean(s.rounds().subList(1, s.rounds().size())).rmr()).isLessThan(0.01);
    }
  }

  @Test
  void multiSenderAt100NodesMeetsIrohsBounds() {
    SimReport r = run(Scenario.builder(Scenario.Kind.MULTI, 100).seeds(IROH_SEEDS).build());
    for (SeedResult s : r.runs()) {
      assertThat(s.mean().missed()).isZero();
      assertThat(s.mean().rmr()).isLessThan(1);
      assertThat(s.mean().ldh()).isLessThan(18);
    }
  }

  @Test
  void allSendersAt100NodesMeetIrohsBounds() {
    SimReport r = run(Scenario.builder(Scenario.Kind.ALL, 100).rounds(5).seeds(List.of(0L, 1L)).build());
    for (SeedResult s : r.runs()) {
      assertThat(s.mean().missed()).isZero();
      assertThat(s.mean().rmr()).isLessThan(3);
      assertThat(s.max().ldh()).isLessThan(30);
    }
  }

  @Test
  void invariantsHoldAt1000Nodes() {
    for (Scenario.Kind kind : List.of(Scenario.Kind.SINGLE, Scenario.Kind.MULTI)) {
      SimReport r = run(Scenario.builder(kind, 1000).rounds(10).seeds(List.of(5L, 6L)).build());
      assertThat(r.mean().missed()).isZero();
      assertThat(r.mean().reliability()).isEqualTo(1.0);
    }
  }

  @Test
  void afterCrashingMostNodesReliabilityIsBackWithinThreeBroadcasts() {
    SimReport r = run(Scenario.builder(Scenario.Kind.FAILURE, 1000)
        .seeds(List.of(1L, 2L, 3L)).settleMs(120_000).maxBroadcasts(4)
        .crashFractions(List.of(0.5, 0.8)).build());
    for (SeedResult s : r.runs()) {
      assertThat(s.recoveredAt()).as("seed %d crash %.0f%%", s.seed(), s.crashFraction() * 100).isBetween(1, 3);
      assertThat(s.stayedRecovered()).isTrue();
    }
  }

  @Test
  void crashesRestartsAndPartitionsKeepTheInvariants() {
    Scenario churn = Scenario.builder(Scenario.Kind.MULTI, 200).rounds(14).seeds(List.of(11L, 12L))
        .events(List.of(
            new Scenario.FailureEvent(3, Scenario.Action.CRASH, 0.3),
            new Scenario.FailureEvent(6, Scenario.Action.RESTART, 1.0),
            new Scenario.FailureEvent(9, Scenario.Action.PARTITION, 0.5),
            new Scenario.FailureEvent(12, Scenario.Action.HEAL, 0)))
        .build();
    SimReport r = run(churn);
    for (SeedResult s : r.runs()) {
      // Before the first failure and after the restart, everyone gets everything.
      assertThat(s.rounds().get(0).reliability()).isEqualTo(1.0);
      assertThat(s.rounds().get(7).reliability()).isEqualTo(1.0);
      // During the partition a broadcast reaches at most the sender's side.
      assertThat(s.rounds().get(9).reliability()).isLessThan(1.0);
    }
  }

  @Test
  void aRunIsDeterministicForItsSeed() {
    Scenario s = Scenario.builder(Scenario.Kind.MULTI, 300).rounds(5).seeds(List.of(99L)).build();
    SeedResult a = Simulator.run(s).runs().get(0);
    SeedResult b = Simulator.run(s).runs().get(0);
    assertThat(a.rounds()).isEqualTo(b.rounds());
    assertThat(a.events()).isEqualTo(b.events());
    assertThat(a.messages()).isEqualTo(b.messages());
    assertThat(a.simSeconds()).isEqualTo(b.simSeconds());
  }

  @Test
  void theMeanOverSeedsIsTheMeanOfTheSeedMeans() {
    SimReport r = Simulator.run(Scenario.builder(Scenario.Kind.MULTI, 50).rounds(6).seeds(List.of(1L, 2L, 3L)).build());
    double sum = 0;
    int rounds = 0;
    double max = 0;
    for (SeedResult s : r.runs()) {
      for (RoundStats rs : s.rounds()) {
        sum += rs.rmr();
        rounds++;
        max = Math.max(max, rs.ldh());
      }
    }
    assertThat(r.mean().rmr()).isCloseTo(sum / rounds, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(r.max().ldh()).isEqualTo(max);
  }
}
