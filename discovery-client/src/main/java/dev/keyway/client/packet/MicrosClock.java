package dev.keyway.client.packet;

import java.time.Clock;
import java.time.Instant;
import java.util.Objects;

/**
 * Wall-clock time in microseconds since the Unix epoch, the unit of pkarr timestamps and of
 * last-seen times. Injected wherever logic needs "now", so tests can drive time by hand.
 */
@FunctionalInterface
public interface MicrosClock {

  /** Microseconds since 1970-01-01T00:00:00Z. */
  long nowMicros();

  /** The system UTC clock. */
  static MicrosClock system() {
    return of(Clock.systemUTC());
  }

  /** Reads {@code clock}, truncated to whole microseconds. */
  static MicrosClock of(Clock clock) {
    Objects.requireNonNull(clock, "clock");
    return () -> toMicros(clock.instant());
  }

  /** Converts an instant to whole microseconds since the epoch (truncating). */
  static long toMicros(Instant instant) {
    return Math.addExact(
        Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
  }
}
