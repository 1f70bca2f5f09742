package dev.keyway.client.packet;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issues signed-packet timestamps: microseconds since the epoch, strictly increasing within the
 * instance even if the clock stalls or steps back ({@code max(now, last + 1)}), as iroh's
 * {@code Timestamp::now()} does. Two packets signed by one process therefore never share a
 * timestamp, so a relay never sees them as equal-time rivals.
 *
 * <p>One exception (keyway's, not iroh's): when the next timestamp would be more than
 * {@link #MAX_AHEAD} ahead of the clock, the clock's time is issued instead. That happens after a
 * clock that ran more than an hour ahead is set right; following its last timestamp would date
 * every packet that far ahead until real time caught up, and keyway's relays refuse packets over
 * an hour ahead of their clock (their default far-future limit), so the endpoint could publish
 * nothing for as long. A relay that did store such a packet is handled by the publisher, which
 * signs above what each relay may hold.
 *
 * <p>Thread-safe. Use {@link #system()} for the process-wide instance.
 */
public final class Timestamps {
  /** How far ahead of the clock a timestamp may be carried forward: an hour. */
  public static final Duration MAX_AHEAD = Duration.ofHours(1);
  private static final long MAX_AHEAD_MICROS = MAX_AHEAD.toNanos() / 1_000;
  private static final Timestamps SYSTEM = new Timestamps(MicrosClock.system());

  private final MicrosClock clock;
  private final AtomicLong last = new AtomicLong(Long.MIN_VALUE);

  /** Issues timestamps from {@code clock}. */
  public Timestamps(MicrosClock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The process-wide instance on the system clock. */
  public static Timestamps system() {
    return SYSTEM;
  }

  /**
   * The next timestamp: the clock's time, or one more than the previous timestamp if larger,
   * unless that is more than {@link #MAX_AHEAD} ahead of the clock.
   */
  public long next() {
    long now = clock.nowMicros();
    return last.updateAndGet(prev -> prev >= now && prev - now < MAX_AHEAD_MICROS ? prev + 1 : now);
  }
}
