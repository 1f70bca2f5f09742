package dev.keyway.client.lookup;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warns when a client loop is held by one handler or task for longer than {@link #THRESHOLD},
 * with the loop thread's stack at that moment, as Vert.x's blocked-thread checker does for its
 * event loops. The usual cause is an application callback that blocks: by default, callbacks on
 * {@link LookupStream#first()}, {@link LookupStream#done()} and {@link LookupStream#onItem} of
 * DNS answers run on the loop, and a blocked loop delays every timer and DNS answer of the
 * client, including the lookup the callback may be waiting for. With a
 * {@linkplain ClientRuntime.Builder#callbackExecutor callback executor} they run there instead
 * (unless it refuses them), and the watch only ever reports the client's own work.
 *
 * <p>One daemon thread, {@code keyway-client-watch}, runs while any loop is open, and ends
 * with the last one. A loop costs it two volatile writes per task.
 */
final class BlockedLoopWatch {
  private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);
  /** How long one task may hold a loop before the warning (Vert.x warns after 2 s). */
  static final Duration THRESHOLD = Duration.ofSeconds(1);
  private static final long CHECK_EVERY_MS = 250;

  private static final Set<EventLoop> LOOPS = ConcurrentHashMap.newKeySet();
  // guarded by BlockedLoopWatch.class
  private static Thread watcher;

  private BlockedLoopWatch() {}

  /** Watches {@code loop} until {@link #forget} (starts the watch thread if needed). */
  static synchronized void watch(EventLoop loop) {
    LOOPS.add(loop);
    if (watcher == null) {
      watcher = new Thread(BlockedLoopWatch::run, "keyway-client-watch");
      watcher.setDaemon(true);
      watcher.start();
    }
  }

  /** Stops watching {@code loop}; the watch thread ends at once if it was the last one. */
  static synchronized void forget(EventLoop loop) {
    LOOPS.remove(loop);
    if (LOOPS.isEmpty() && watcher != null) {
      java.util.concurrent.locks.LockSupport.unpark(watcher);
    }
  }

  private static void run() {
    long thresholdNanos = THRESHOLD.toNanos();
    while (true) {
      synchronized (BlockedLoopWatch.class) {
        if (LOOPS.isEmpty()) {
          watcher = null; // the next watch() starts a new one
          return;
        }
      }
      long now = System.nanoTime();
      for (EventLoop loop : LOOPS) {
        long since = loop.busySince();
        if (since != EventLoop.IDLE && now - since > thresholdNanos && loop.markWarned(since)) {
          Exception where = new Exception("the loop thread is here");
          where.setStackTrace(loop.thread().getStackTrace());
          LOG.warn("{} has been running one task for {} ms; it serves every DNS answer and timer of"
              + " this client, so they all wait. Callbacks on first(), done() and onItem() run on it"
              + " and must not block: use thenApplyAsync for blocking work, or give the runtime an"
              + " executor for callbacks (ClientRuntime.Builder.callbackExecutor)",
              loop.thread().getName(), TimeUnit.NANOSECONDS.toMillis(now - since), where);
        }
      }
      // Not interruptible: an interrupt from elsewhere must not end the watch for good (the
      // next watch() would find a thread that is gone). forget() unparks it to end it at once.
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(CHECK_EVERY_MS));
      Thread.interrupted();
    }
  }
}
