package dev.keyway.relay.http;

import io.vertx.core.http.HttpHeaders;
import java.time.Clock;
import java.util.Objects;

/**
 * The {@code Date} header value (RFC 9110 §6.6.1: an origin server with a clock sends it on every
 * response), formatted at most once per second and shared by every event loop.
 */
final class DateHeader {
  /** The system clock's, for the listeners. */
  static final DateHeader SYSTEM = new DateHeader(Clock.systemUTC());
  static final CharSequence NAME = HttpHeaders.createOptimized("Date");

  private record Formatted(long second, CharSequence value) {}

  private final Clock clock;
  private volatile Formatted current = new Formatted(Long.MIN_VALUE, "");

  DateHeader(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Now, as an IMF-fixdate. */
  CharSequence now() {
    long second = Math.floorDiv(clock.millis(), 1_000L);
    Formatted f = current;
    if (f.second() != second) {
      f = new Formatted(second, HttpHeaders.createOptimized(HttpDates.format(second)));
      current = f; // a racing loop may format the same second too: harmless
    }
    return f.value();
  }
}
