package dev.keyway.client.lookup;

import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sequence of application callbacks (one stream's, one publisher listener's) on the
 * application's {@linkplain ClientRuntime.Builder#callbackExecutor callback executor}: tasks run
 * one at a time, in the order they were given, on the executor's threads. A lane has no thread
 * of its own, only a queue and at most one drain task handed to the executor at a time, so many
 * lanes share a small pool and an idle lane costs nothing.
 *
 * <p>{@link #enqueue} and {@link #flush} are split so that a caller can fix the order of its
 * tasks under its own lock and hand the drain to the executor (foreign code) outside it.
 *
 * <p>If the executor refuses the drain ({@link RejectedExecutionException}: shut down, or a full
 * bounded queue) or fails to take it (any other exception or error of {@code execute}, such as
 * an {@link OutOfMemoryError} for want of a native thread), the drain runs on the calling thread
 * instead, usually the client's loop: callbacks late on the wrong thread beat futures that never
 * complete. The runtime is told ({@link CallbackLanes#refused}). A task that throws is logged and
 * the lane goes on with the next.
 *
 * <p>A drain the executor accepts and then drops without running it ({@code shutdownNow()}, a
 * discard policy) cannot be told from one that waits for a thread: the lane then stays
 * "scheduled" and never runs again. {@link ClientRuntime.Builder#callbackExecutor} says so.
 */
final class SerialExecutor implements Executor {
  // The runtime's logger: everything about application callbacks is under one name.
  private static final Logger LOG = LoggerFactory.getLogger(ClientRuntime.class);
  /** What the current thread is doing with lanes, see {@link OnThread}. */
  private static final ThreadLocal<OnThread> ON_THREAD = ThreadLocal.withInitial(OnThread::new);

  /** Per thread: lanes it drains and hands over now, and the executor it last ran a drain for. */
  private static final class OnThread {
    /** Lanes this thread is draining (more than one if a refused or inline drain nests). */
    int draining;
    /** Calls of an executor's {@code execute} under way here (a drain run inside is inline). */
    int handingOver;
    /**
     * The callback executor that last ran a drain on this thread, handed over from elsewhere:
     * this thread is one of that executor's own (a pool's, a UI thread), so tasks queued there
     * may be waiting for whatever this thread does next.
     */
    Executor ranDrainsFor;
  }

  private final Executor executor;
  private final CallbackLanes owner;
  private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
  /** True while a drain is handed to the executor or running. */
  private final AtomicBoolean scheduled = new AtomicBoolean();
  /** The thread running this lane's tasks, or null. */
  private volatile Thread drainer;

  SerialExecutor(Executor executor, CallbackLanes owner) {
    this.executor = Objects.requireNonNull(executor, "executor");
    this.owner = Objects.requireNonNull(owner, "owner");
  }

  /** Another lane on the same executor (for a stream made of streams that had one). */
  SerialExecutor sibling() {
    return owner.newLane();
  }

  /** How many lanes the calling thread is draining now. */
  static int drainsOnThisThread() {
    return ON_THREAD.get().draining;
  }

  /**
   * True when {@code executor} has run a lane's drain on the calling thread before (now or in
   * the past), not counting drains run inline (by a refusal, {@code Runnable::run} or
   * {@code CallerRunsPolicy}): the calling thread is one of the executor's own.
   */
  static boolean isThreadOf(Executor executor) {
    return ON_THREAD.get().ranDrainsFor == executor;
  }

  @Override
  public void execute(Runnable task) {
    enqueue(task);
    flush();
  }

  /** Queues {@code task} behind the others without starting anything; call {@link #flush} next. */
  void enqueue(Runnable task) {
    queue.add(Objects.requireNonNull(task, "task"));
  }

  /** Makes sure a drain runs if tasks are queued. Never runs a task itself unless refused. */
  void flush() {
    if (queue.isEmpty() || !scheduled.compareAndSet(false, true)) {
      return;
    }
    owner.busy();
    OnThread here = ON_THREAD.get();
    here.handingOver++;
    try {
      executor.execute(this::drain);
    } catch (Throwable refused) {
      // Errors too (as Caffeine does when it submits): a lane left "scheduled" would never run
      // again, and the error would surface in whatever completed a source.
      owner.refused(refused);
      drain(); // inline: handingOver keeps it from marking this thread
    } finally {
      here.handingOver--;
    }
  }

  /**
   * True when every task given so far has run, or when called from one of them (which must not
   * wait for the lane: the tasks behind it wait for it).
   */
  boolean caughtUp() {
    return drainer == Thread.currentThread() || (queue.isEmpty() && !scheduled.get());
  }

  private void drain() {
    OnThread here = ON_THREAD.get();
    if (here.handingOver == 0) {
      // Run by the executor on a thread of its own, not inline in execute: remember the thread
      // as the executor's, so that close() on it does not wait for tasks queued behind it.
      here.ranDrainsFor = executor;
    }
    here.draining++;
    drainer = Thread.currentThread();
    try {
      Runnable task;
      while ((task = queue.poll()) != null) {
        try {
          task.run();
        } catch (RuntimeException e) {
          LOG.warn("keyway client callback failed", e);
        }
      }
    } finally {
      drainer = null;
      here.draining--;
      // getAndSet: an executor that ran the drain and then threw must not count it idle twice.
      if (scheduled.getAndSet(false)) {
        owner.idle();
      }
      // A task queued after the last poll, before the flag cleared, found a drain running.
      flush();
    }
  }
}
