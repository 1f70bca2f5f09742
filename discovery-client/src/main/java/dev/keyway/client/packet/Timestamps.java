package dev.keyway.client.packet;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issues signed-packet timestamps: microseconds since the epoch, strictly increasing within the
 * instance even if the clock stalls or steps back ({@code max(now, last + 1)}), as iroh's
 * {@code Timestamp::now()} does. Two packets signed by one process therefore never share a
 * timestamp, so a relay never sees them as equal-time rivals.
 *
 * <p>Thread-safe. Use {@link #system()} for the process-wide instance.
 */
public final class Timestamps {
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

  /** The next timestamp: the clock's time, or one more than the previous timestamp if larger. */
  public long next() {
    long now = clock.nowMicros();
    return last.updateAndGet(prev -> Math.max(now, prev + 1));
  }
}
