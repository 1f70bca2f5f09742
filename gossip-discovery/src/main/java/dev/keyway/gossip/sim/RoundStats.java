package dev.keyway.gossip.sim;

import java.util.List;

/**
 * The metrics of one round (or an aggregate of rounds), with the PlumTree paper's definitions.
 *
 * @param rmr relative message redundancy, {@code m / (n - 1) - 1} per message, where m is the
 *     number of payload messages received for it and n the number of nodes that delivered it
 *     (including the origin); averaged over the round's messages. 0 means every node got exactly
 *     one copy. iroh pools the messages of a round instead; for one message per round it is the same.
 * @param ldh last delivery hop: the number of hops on the path of the last node to deliver, i.e.
 *     the largest round at first delivery plus one (iroh reports the round, one less); the
 *     largest over the round's messages
 * @param missed expected deliveries that did not happen before the round ended
 * @param reliability delivered / expected over the round's messages (expected: every live node
 *     except the origin)
 * @param durationMs simulated time from the broadcast to the last delivery, or the round timeout
 * @param messages broadcasts in the round
 */
public record RoundStats(double rmr, double ldh, double missed, double reliability, double durationMs, int messages) {

  /** Mean of each field. */
  static RoundStats mean(List<RoundStats> rounds) {
    double rmr = 0;
    double ldh = 0;
    double missed = 0;
    double rel = 0;
    double dur = 0;
    double msgs = 0;
    for (RoundStats r : rounds) {
      rmr += r.rmr;
      ldh += r.ldh;
      missed += r.missed;
      rel += r.reliability;
      dur += r.durationMs;
      msgs += r.messages;
    }
    int n = Math.max(1, rounds.size());
    return new RoundStats(rmr / n, ldh / n, missed / n, rel / n, dur / n, (int) Math.round(msgs / n));
  }

  /** Largest of each field. */
  static RoundStats max(List<RoundStats> rounds) {
    RoundStats m = rounds.get(0);
    for (RoundStats r : rounds) {
      m = new RoundStats(Math.max(m.rmr, r.rmr), Math.max(m.ldh, r.ldh), Math.max(m.missed, r.missed),
          Math.max(m.reliability, r.reliability), Math.max(m.durationMs, r.durationMs),
          Math.max(m.messages, r.messages));
    }
    return m;
  }

  /** Smallest of each field. */
  static RoundStats min(List<RoundStats> rounds) {
    RoundStats m = rounds.get(0);
    for (RoundStats r : rounds) {
      m = new RoundStats(Math.min(m.rmr, r.rmr), Math.min(m.ldh, r.ldh), Math.min(m.missed, r.missed),
          Math.min(m.reliability, r.reliability), Math.min(m.durationMs, r.durationMs),
          Math.min(m.messages, r.messages));
    }
    return m;
  }
}
