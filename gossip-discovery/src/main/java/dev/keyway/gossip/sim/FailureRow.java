package dev.keyway.gossip.sim;

import java.util.List;

/**
 * The failure experiment for one crash fraction, over all seeds.
 *
 * @param fraction nodes crashed at once
 * @param seeds runs
 * @param live mean live nodes after the crash
 * @param isolated mean live nodes left without a live neighbour by the crash
 * @param reliability mean reliability of the k-th broadcast after the crash (index 0 = first)
 * @param minReliability smallest reliability of the k-th broadcast over the seeds
 * @param recoveredMean mean of the first broadcast at 100 %, over the seeds that recovered
 * @param recoveredMax largest first broadcast at 100 % (0 if some seed never recovered)
 * @param notRecovered seeds that never reached 100 %
 * @param firstRmr mean RMR of the first broadcast after the crash
 * @param lastRmr mean RMR of the last broadcast
 * @param lastLdh mean LDH of the last broadcast
 * @param recoverySeconds mean simulated time from the crash to the end of the first 100 % broadcast
 * @param wallSeconds total wall-clock time of the runs
 */
public record FailureRow(
    double fraction,
    int seeds,
    double live,
    double isolated,
    List<Double> reliability,
    List<Double> minReliability,
    double recoveredMean,
    int recoveredMax,
    int notRecovered,
    double firstRmr,
    double lastRmr,
    double lastLdh,
    double recoverySeconds,
    double wallSeconds) {

  public FailureRow {
    reliability = List.copyOf(reliability);
    minReliability = List.copyOf(minReliability);
  }
}
