package dev.keyway.gossip.sim;

import java.util.List;

/**
 * One run of a scenario with one seed (for a Failure scenario: one seed and one crash fraction).
 *
 * @param seed the seed
 * @param crashFraction the fraction crashed at once (Failure), or -1
 * @param rounds per-round metrics, in order (Failure: the broadcasts after the crash)
 * @param mean mean over the rounds
 * @param max largest over the rounds
 * @param min smallest over the rounds
 * @param invariants violations found
 * @param live live nodes at the end
 * @param isolatedAtCrash live nodes left with no live neighbour by the crash (Failure), else 0
 * @param recoveredAt the first broadcast after the crash with reliability 100 % (1-based), 0 if
 *     none (Failure), else 0
 * @param events events processed
 * @param messages messages sent
 * @param simSeconds simulated time
 * @param wallSeconds wall-clock time of the run
 */
public record SeedResult(
    long seed,
    double crashFraction,
    List<RoundStats> rounds,
    RoundStats mean,
    RoundStats max,
    RoundStats min,
    Invariants invariants,
    int live,
    int isolatedAtCrash,
    int recoveredAt,
    long events,
    long messages,
    double simSeconds,
    double wallSeconds) {

  public SeedResult {
    rounds = List.copyOf(rounds);
  }

  /** Whether every broadcast from the first 100 % one on also reached 100 %. */
  public boolean stayedRecovered() {
    if (recoveredAt <= 0) {
      return false;
    }
    for (int i = recoveredAt - 1; i < rounds.size(); i++) {
      if (rounds.get(i).reliability() < 1.0) {
        return false;
      }
    }
    return true;
  }
}
