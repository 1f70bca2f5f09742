package dev.keyway.client.lookup;

import dev.keyway.client.packet.MicrosClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's one thread of its own: a {@link Selector} loop that also runs timers, so that
 * scheduled work (staggering, timeouts, republishing) and socket I/O (DNS over UDP and TCP)
 * share a single thread named {@code keyway-client-loop-N}.
 *
 * <h2>Design</h2>
 * Three inputs feed the loop: tasks handed over by other threads ({@link #execute}), timers
 * ({@link #schedule}, ordered by deadline, then by scheduling order) and ready channels
 * ({@link #register}). Each turn selects with a timeout up to the next deadline, runs I/O
 * handlers, then handed-over tasks, then due timers. Other threads wake the selector only when
 * they add work. Timer deadlines use the monotonic {@code System.nanoTime()}; {@link #clock()}
 * reports wall time. This is the system implementation of {@link Scheduler}, as Caffeine's
 * {@code systemTicker()} is of its {@code Ticker}.
 *
 * <p>Handlers and tasks run on the loop thread and must not block: a blocked handler delays
 * every timer and every DNS answer of the client. One that runs for over a second is reported
 * with the loop's stack ({@link BlockedLoopWatch}). A task that throws is logged and dropped.
 *
 * <p>{@link #close()} stops the thread, closes every registered channel and waits (briefly) for
 * the thread to end; afterwards new work is rejected with {@link IllegalStateException}.
 */
public final class EventLoop implements Scheduler, Executor, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);
  private static final AtomicLong THREADS = new AtomicLong();

  /** What a registered channel does when it becomes ready; runs on the loop thread. */
  @FunctionalInterface
  public interface IoHandler {
    /** Called with the ready key; the handler reads, writes or closes its channel. */
    void ready(SelectionKey key) throws IOException;
  }

  private final Selector selector;
  private final Thread thread;
  private final MicrosClock clock;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final PriorityQueue<Timer> timers = new PriorityQueue<>();
  private final AtomicLong sequence = new AtomicLong();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean closing;
  /** {@link #busySince} while no handler or task runs. */
  static final long IDLE = Long.MIN_VALUE;
  /** When the running handler or task started ({@code System.nanoTime()}), or {@link #IDLE}. */
  private volatile long busySince = IDLE;
  /** The {@link #busySince} last reported as blocked; written by the watch thread only. */
  private long warnedFor = IDLE;

  /** Starts a loop whose {@link #clock()} is {@code clock}. */
  public EventLoop(MicrosClock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    try {
      this.selector = Selector.open();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a selector", e);
    }
    this.thread = new Thread(this::run, "keyway-client-loop-" + THREADS.incrementAndGet());
    thread.setDaemon(true);
    BlockedLoopWatch.watch(this);
    thread.start();
  }

  @Override
  public MicrosClock clock() {
    return clock;
  }

  /** True when called on the loop thread. */
  public boolean inLoop() {
    return Thread.currentThread() == thread;
  }

  /** Runs {@code task} on the loop thread, after work already handed over. */
  @Override
  public void execute(Runnable task) {
    Objects.requireNonNull(task, "task");
    checkOpen();
    tasks.add(task);
    if (!inLoop()) {
      selector.wakeup();
    }
  }

  @Override
  public Cancellable schedule(Duration delay, Runnable task) {
    Objects.requireNonNull(task, "task");
    long nanos = Math.max(0, saturatedNanos(delay));
    Timer timer = new Timer(System.nanoTime() + nanos, sequence.getAndIncrement(), task);
    execute(() -> {
      if (!timer.cancelled) {
        timers.add(timer);
      }
    });
    return timer::cancel;
  }

  /**
   * Registers a non-blocking channel for {@code ops}; {@code handler} runs on the loop thread
   * whenever it is ready. Closing the channel (from any thread) deregisters it.
   */
  public void register(SelectableChannel channel, int ops, IoHandler handler) {
    checkOpen();
    Runnable doRegister = () -> {
      try {
        channel.register(selector, ops, handler);
      } catch (ClosedChannelException closed) {
        // cancelled before it was registered: nothing to watch
      }
    };
    if (inLoop()) {
      doRegister.run();
    } else {
      execute(doRegister);
    }
  }

  private void run() {
    try {
      while (!closing) {
        long timeoutMs = nextTimeoutMillis();
        int ready = timeoutMs < 0 ? selector.selectNow() : selector.select(timeoutMs);
        if (ready > 0) {
          for (SelectionKey key : selector.selectedKeys()) {
            busySince = System.nanoTime();
            handle(key);
            busySince = IDLE;
          }
          selector.selectedKeys().clear();
        }
        runTasks();
        runTimers();
      }
    } catch (IOException | RuntimeException | Error e) {
      LOG.error("keyway client loop failed; the client no longer works", e);
    } finally {
      // Later work fails at once (IllegalStateException) instead of queueing for a dead thread,
      // where its timeouts would never fire and its futures never complete.
      closing = true;
      busySince = IDLE;
      BlockedLoopWatch.forget(this);
      for (SelectionKey key : selector.keys()) {
        closeQuietly(key);
      }
      try {
        selector.close();
      } catch (IOException ignored) {
        // nothing more to release
      }
      tasks.clear();
      timers.clear();
      stopped.countDown();
    }
  }

  private void handle(SelectionKey key) {
    IoHandler handler = (IoHandler) key.attachment();
    try {
      if (key.isValid()) {
        handler.ready(key);
      }
    } catch (CancelledKeyException cancelled) {
      // closed by another thread while ready
    } catch (IOException | RuntimeException e) {
      LOG.debug("I/O handler failed; closing its channel", e);
      closeQuietly(key);
    }
  }

  private static void closeQuietly(SelectionKey key) {
    try {
      key.channel().close();
    } catch (IOException ignored) {
      // closing is best effort
    }
  }

  /** -1: work is waiting (select without blocking); 0: no timer (block); else millis. */
  private long nextTimeoutMillis() {
    if (!tasks.isEmpty()) {
      return -1;
    }
    Timer next = timers.peek();
    while (next != null && next.cancelled) {
      timers.poll();
      next = timers.peek();
    }
    if (next == null) {
      return 0;
    }
    long nanos = next.deadline - System.nanoTime();
    if (nanos <= 0) {
      return -1;
    }
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999));
  }

  private void runTasks() {
    Runnable task;
    while ((task = tasks.poll()) != null) {
      runSafely(task);
    }
  }

  private void runTimers() {
    long now = System.nanoTime();
    Timer next;
    while ((next = timers.peek()) != null && next.deadline - now <= 0) {
      timers.poll();
      if (next.start()) {
        runSafely(next.task);
      }
    }
  }

  private void runSafely(Runnable task) {
    busySince = System.nanoTime();
    try {
      task.run();
    } catch (RuntimeException e) {
      LOG.warn("keyway client task failed", e);
    } finally {
      busySince = IDLE;
    }
  }

  /** When the running handler or task started, or {@link #IDLE}; for {@link BlockedLoopWatch}. */
  long busySince() {
    return busySince;
  }

  /** True the first time a task that started at {@code since} is reported; watch thread only. */
  boolean markWarned(long since) {
    if (warnedFor == since) {
      return false;
    }
    warnedFor = since;
    return true;
  }

  /** The loop thread. */
  Thread thread() {
    return thread;
  }

  private void checkOpen() {
    if (closing) {
      throw new IllegalStateException("keyway client is closed");
    }
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return d.isNegative() ? Long.MIN_VALUE / 2 : Long.MAX_VALUE / 2;
    }
  }

  /** Stops the loop, closes its channels and waits up to 5 s for the thread to end. */
  @Override
  public void close() {
    if (closing) {
      return;
    }
    closing = true;
    selector.wakeup();
    if (!inLoop()) {
      try {
        stopped.await(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static final class Timer implements Comparable<Timer> {
    final long deadline;
    final long seq;
    final Runnable task;
    volatile boolean cancelled;
    private boolean started;

    Timer(long deadline, long seq, Runnable task) {
      this.deadline = deadline;
      this.seq = seq;
      this.task = task;
    }

    synchronized boolean cancel() {
      if (started || cancelled) {
        return false;
      }
      cancelled = true;
      return true;
    }

    synchronized boolean start() {
      if (cancelled) {
        return false;
      }
      started = true;
      return true;
    }

    @Override
    public int compareTo(Timer o) {
      int c = Long.compare(deadline - o.deadline, 0);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }
}
