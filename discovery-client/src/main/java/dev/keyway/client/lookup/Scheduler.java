package dev.keyway.client.lookup;

import dev.keyway.client.packet.MicrosClock;
import java.time.Duration;

/**
 * Runs tasks after a delay, on the time of its own {@link #clock()}: the one place where the
 * client's schedules (DNS staggering, attempt timeouts, republishing, retry backoff) meet time.
 *
 * <p>The real implementation is the client's single {@link EventLoop} thread; tests inject a
 * manual scheduler whose clock only moves when the test says so, which makes every schedule
 * checkable without sleeping. Logic reads "now" only through {@link #clock()}.
 */
public interface Scheduler {

  /** The wall clock this scheduler's delays are measured against. */
  MicrosClock clock();

  /**
   * Runs {@code task} once, {@code delay} from now (at once for zero or negative delays, but
   * never on the calling thread's stack). Tasks due at the same time run in scheduling order.
   *
   * @return a handle that cancels the task if it has not started
   */
  Cancellable schedule(Duration delay, Runnable task);

  /** A scheduled task that may still be cancelled. */
  @FunctionalInterface
  interface Cancellable {
    /** Cancels the task if it has not run yet; returns true if it will now never run. */
    boolean cancel();
  }
}
