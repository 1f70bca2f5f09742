package dev.keyway.client.lookup;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A runtime's {@linkplain SerialExecutor lanes} on the application's
 * {@linkplain ClientRuntime.Builder#callbackExecutor callback executor}: makes them, counts those
 * with a drain handed out (so that {@link ClientRuntime#close()} can wait for them a little), and
 * logs the executor's refusals, at WARN at most once per {@link #WARN_EVERY}.
 */
final class CallbackLanes {
  // The runtime's logger: everything about application callbacks is under one name.
  private static final Logger LOG = LoggerFactory.getLogger(ClientRuntime.class);
  /** Least time between two warnings about refusals; those in between are counted, at DEBUG. */
  static final Duration WARN_EVERY = Duration.ofMinutes(1);

  private final Executor executor;
  private final LongSupplier nanoTime;
  /** Lanes with a drain handed to the executor or running. */
  private final AtomicInteger busy = new AtomicInteger();
  /** Calls of {@link #awaitIdle} that had to wait: what tests observe instead of wall time. */
  private final AtomicInteger waits = new AtomicInteger();
  // guarded by this
  private boolean warned;
  private long lastWarnNanos;
  private long refusedSinceWarn;

  CallbackLanes(Executor executor) {
    this(executor, System::nanoTime);
  }

  /** With {@code nanoTime} for the warnings' spacing (tests). */
  CallbackLanes(Executor executor, LongSupplier nanoTime) {
    this.executor = Objects.requireNonNull(executor, "executor");
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
  }

  SerialExecutor newLane() {
    return new SerialExecutor(executor, this);
  }

  void busy() {
    busy.incrementAndGet();
  }

  void idle() {
    busy.decrementAndGet();
  }

  /** Lanes with a drain handed out or running now. */
  int busyLanes() {
    return busy.get();
  }

  /** How many times {@link #awaitIdle} found lanes to wait for and waited (tests). */
  int waits() {
    return waits.get();
  }

  /**
   * Waits until no lane is busy but those draining on this thread (a callback that closes the
   * runtime must not wait for itself), for at most {@code max}. False if some still were.
   *
   * <p>Does not wait at all on a thread the executor has run drains on: on a single-thread
   * executor (a UI thread, say) the drains are queued behind the calling code and cannot run
   * before it returns, and on a pool, code on one of its threads has no use for it either (it
   * cannot shut its own pool down and wait for that).
   */
  boolean awaitIdle(Duration max) {
    if (SerialExecutor.isThreadOf(executor)) {
      return busy.get() <= SerialExecutor.drainsOnThisThread();
    }
    long deadline = System.nanoTime() + max.toNanos();
    boolean counted = false;
    while (busy.get() > SerialExecutor.drainsOnThisThread()) {
      if (!counted) {
        counted = true;
        waits.incrementAndGet();
      }
      if (System.nanoTime() - deadline >= 0 || Thread.currentThread().isInterrupted()) {
        return false;
      }
      // A close-time wait, once per runtime: polling keeps the lanes free of any signalling.
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
    return true;
  }

  /** The executor refused a drain, or failed to take it: the lane runs it on this thread. */
  void refused(Throwable e) {
    long now = nanoTime.getAsLong();
    long before;
    synchronized (this) {
      if (warned && now - lastWarnNanos < WARN_EVERY.toNanos()) {
        refusedSinceWarn++;
        before = -1;
      } else {
        warned = true;
        lastWarnNanos = now;
        before = refusedSinceWarn;
        refusedSinceWarn = 0;
      }
    }
    if (before < 0) {
      LOG.debug("the callback executor refused a task; running it on {}",
          Thread.currentThread().getName(), e);
      return;
    }
    LOG.warn("the callback executor refused a task ({}); keyway runs those callbacks on its own"
        + " threads instead (the loop, HTTP threads), where they must not block. Shut the executor"
        + " down only after closing the ClientRuntime, with shutdown(), and give it no discard"
        + " policy ({} more refusals since the last warning; at most one warning a minute, the"
        + " others at DEBUG)", e.toString(), before);
  }
}
