package dev.keyway.relay.http;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counts PUTs and GETs and turns them into per-second rates over about the last minute, for the
 * status page. {@link #sample} is called every few seconds (by a timer); times are passed in.
 */
public final class RequestRates {
  private static final int SLOTS = 13; // 12 intervals of 5 s

  private final LongAdder puts = new LongAdder();
  private final LongAdder gets = new LongAdder();
  private final long[] times = new long[SLOTS];
  private final long[] putCounts = new long[SLOTS];
  private final long[] getCounts = new long[SLOTS];
  private int next;
  private int filled;

  /**
   * @param putsPerSecond PUT rate over the sampled window
   * @param getsPerSecond GET (and HEAD) rate over the sampled window
   * @param windowSeconds how long the window is (0 before two samples exist)
   */
  public record Rates(double putsPerSecond, double getsPerSecond, long totalPuts, long totalGets,
      double windowSeconds) {}

  void put() {
    puts.increment();
  }

  void get() {
    gets.increment();
  }

  /** Records the totals at {@code nowMillis}. */
  public synchronized void sample(long nowMillis) {
    times[next] = nowMillis;
    putCounts[next] = puts.sum();
    getCounts[next] = gets.sum();
    next = (next + 1) % SLOTS;
    filled = Math.min(SLOTS, filled + 1);
  }

  /** Rates between the oldest sample and now. */
  public synchronized Rates rates(long nowMillis) {
    long p = puts.sum();
    long g = gets.sum();
    if (filled == 0) {
      return new Rates(0, 0, p, g, 0);
    }
    int oldest = filled < SLOTS ? 0 : next;
    double seconds = (nowMillis - times[oldest]) / 1000.0;
    if (seconds <= 0) {
      return new Rates(0, 0, p, g, 0);
    }
    return new Rates((p - putCounts[oldest]) / seconds, (g - getCounts[oldest]) / seconds, p, g, seconds);
  }
}
