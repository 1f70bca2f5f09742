package dev.keyway.relay;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** A UTC clock that stands still until a test moves it. Thread-safe. */
public final class SteppedClock extends Clock {
  private final AtomicLong millis;

  /** A clock at {@code start}. */
  public SteppedClock(Instant start) {
    this.millis = new AtomicLong(start.toEpochMilli());
  }

  /** A clock at the system's time now. */
  public SteppedClock() {
    this(Instant.now());
  }

  /** Moves the clock forward by {@code d}. */
  public void advance(Duration d) {
    millis.addAndGet(d.toMillis());
  }

  /** The time in µs since the epoch, as a {@code MicrosClock} reads it. */
  public long micros() {
    return millis() * 1_000L;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public long millis() {
    return millis.get();
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis());
  }
}
