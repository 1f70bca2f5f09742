package dev.keyway.relay.http;

import dev.keyway.relay.config.Durations;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Log lines about requests that fail for a reason that lasts (a full or failed store, an
 * overloaded writer, a bug hit by every request), at most one per kind per interval: a server
 * whose store failed refuses every PUT, and clients republish every few minutes, so a line per
 * request would flood the log, on what may be the very disk that is full.
 *
 * <p>The first occurrence of a kind is logged at once; later ones within the interval are only
 * counted, and the first occurrence after the interval logs how many there were since the last
 * line ({@code "<kind>: 1234 times in the last 60 s; latest: <detail>"}). Occurrences at the end
 * of a burst that no later one follows are not logged: the metrics count every request.
 *
 * <p>Kinds are keys: pass a small fixed set of texts (never one with a key, an address or a
 * path in it), and put what varies in the detail. An occurrence logged with a stack trace (an
 * unexpected failure) is keyed by its kind and its exception's class, so that a second bug is
 * not hidden behind a first one that recurs. Safe on any thread.
 */
public final class ThrottledLog {
  /** The interval the servers use. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(1);

  private final Logger log;
  private final LongSupplier millis;
  private final long intervalMillis;
  private final String interval;
  private final ConcurrentHashMap<String, Kind> kinds = new ConcurrentHashMap<>();

  /**
   * @param log where the lines go
   * @param millis the clock, in milliseconds (only differences count)
   * @param interval the shortest time between two lines of one kind
   */
  public ThrottledLog(Logger log, LongSupplier millis, Duration interval) {
    this.log = Objects.requireNonNull(log, "log");
    this.millis = Objects.requireNonNull(millis, "millis");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval must be positive, got " + interval);
    }
    this.intervalMillis = interval.toMillis();
    this.interval = Durations.format(interval);
  }

  /** One occurrence of {@code kind} at WARN; see {@link #log}. */
  public void warn(String kind, String detail, Throwable trace) {
    log(Level.WARN, kind, detail, trace);
  }

  /** One occurrence of {@code kind} at ERROR; see {@link #log}. */
  public void error(String kind, String detail, Throwable trace) {
    log(Level.ERROR, kind, detail, trace);
  }

  /**
   * Logs or counts one occurrence of {@code kind}.
   *
   * @param kind what happened, the same text every time (a key of this log)
   * @param detail this occurrence's particulars, such as an exception's message
   * @param trace logged with its stack trace when the line is written, or null for none (pass
   *     one for unexpected failures only: a known condition needs no stack trace)
   */
  public void log(Level level, String kind, String detail, Throwable trace) {
    if (trace != null) {
      kind = kind + " (" + unwrapped(trace).getClass().getName() + ")";
    }
    Kind k = kinds.computeIfAbsent(kind, x -> new Kind());
    long repeats;
    long since;
    long now;
    synchronized (k) {
      // Read under the lock: read before it, a line another thread wrote meanwhile would make
      // this reading look like a clock that went back, and log again at once.
      now = millis.getAsLong();
      if (k.logged && now - k.lastLine < intervalMillis && now >= k.lastLine) {
        k.suppressed++;
        return;
      }
      repeats = k.logged ? k.suppressed : -1;
      since = now - k.lastLine;
      k.logged = true;
      k.lastLine = now;
      k.suppressed = 0;
    }
    LoggingEventBuilder line = log.atLevel(level);
    if (repeats <= 0) {
      line.setMessage("{}: {} (repeats are summarized at most once every {})")
          .addArgument(kind).addArgument(detail).addArgument(interval);
    } else {
      line.setMessage("{}: {} times in the last {} s; latest: {}")
          .addArgument(kind).addArgument(repeats + 1).addArgument(Math.max(0, since) / 1000)
          .addArgument(detail);
    }
    if (trace != null) {
      line.setCause(trace);
    }
    line.log();
  }

  /** The exception inside the wrappers futures add, whose class tells one bug from another. */
  private static Throwable unwrapped(Throwable t) {
    while ((t instanceof java.util.concurrent.CompletionException
        || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** What one kind has logged. */
  private static final class Kind {
    boolean logged;
    long lastLine;
    long suppressed;
  }
}
