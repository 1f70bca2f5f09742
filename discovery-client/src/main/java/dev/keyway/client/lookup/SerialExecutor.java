package dev.keyway.client.lookup;

import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sequence of application callbacks (one stream's, one publisher's) on the application's
 * {@linkplain ClientRuntime.Builder#callbackExecutor callback executor}: tasks run one at a time,
 * in the order they were given, on the executor's threads. A lane has no thread of its own, only
 * a queue and at most one drain task handed to the executor at a time, so many lanes share a
 * small pool and an idle lane costs nothing.
 *
 * <p>{@link #enqueue} and {@link #flush} are split so that a caller can fix the order of its
 * tasks under its own lock and hand the drain to the executor (foreign code) outside it.
 *
 * <p>If the executor refuses the drain ({@link RejectedExecutionException}: shut down, or a full
 * bounded queue; any other exception of {@code execute} counts the same) the drain runs on the
 * calling thread instead, usually the client's loop: callbacks late on the wrong thread beat
 * futures that never complete. The runtime is told ({@code onRejected}) and warns once. A task
 * that throws is logged and the lane goes on with the next.
 */
final class SerialExecutor implements Executor {
  // The runtime's logger: everything about application callbacks is under one name.
  private static final Logger LOG = LoggerFactory.getLogger(ClientRuntime.class);

  private final Executor executor;
  private final Consumer<RuntimeException> onRejected;
  private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
  /** True while a drain is handed to the executor or running. */
  private final AtomicBoolean scheduled = new AtomicBoolean();
  /** The thread running this lane's tasks, or null. */
  private volatile Thread drainer;

  SerialExecutor(Executor executor, Consumer<RuntimeException> onRejected) {
    this.executor = Objects.requireNonNull(executor, "executor");
    this.onRejected = Objects.requireNonNull(onRejected, "onRejected");
  }

  /** Another lane on the same executor (for a stream made of streams that had one). */
  SerialExecutor sibling() {
    return new SerialExecutor(executor, onRejected);
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
    try {
      executor.execute(this::drain);
    } catch (RuntimeException refused) {
      onRejected.accept(refused);
      drain();
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
      scheduled.set(false);
      // A task queued after the last poll, before the flag cleared, found a drain running.
      flush();
    }
  }
}
