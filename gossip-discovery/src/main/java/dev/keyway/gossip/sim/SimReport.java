package dev.keyway.gossip.sim;

import java.util.List;

/**
 * The result of running one scenario over all its seeds.
 *
 * @param scenario what was run
 * @param runs one entry per seed (Failure: per seed and crash fraction)
 * @param mean mean over seeds of each seed's mean (every seed runs the same rounds, so this is also
 *     the mean over all rounds); broadcast kinds only
 * @param max largest over seeds of each seed's largest
 * @param min smallest over seeds of each seed's smallest
 * @param failure one row per crash fraction (Failure scenarios), else empty
 * @param invariants violations summed over the runs
 * @param wallSeconds wall-clock time of the whole scenario
 */
public record SimReport(
    Scenario scenario,
    List<SeedResult> runs,
    RoundStats mean,
    RoundStats max,
    RoundStats min,
    List<FailureRow> failure,
    Invariants invariants,
    double wallSeconds) {

  public SimReport {
    runs = List.copyOf(runs);
    failure = List.copyOf(failure);
  }
}
