package dev.keyway.client.lookup;

import dev.keyway.client.packet.MicrosClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A {@link Scheduler} whose clock moves only when a test calls {@link #advance}: due tasks then
 * run on the test's thread, in deadline order, each seeing the clock at its own deadline.
 * Thread-safe, so HTTP callbacks on other threads may schedule while the test advances.
 */
public final class ManualScheduler implements Scheduler {
  private long nowMicros;
  private long seq;
  private final PriorityQueue<Task> tasks = new PriorityQueue<>();

  private static final class Task implements Comparable<Task> {
    final long at;
    final long seq;
    final Runnable run;
    boolean cancelled;

    Task(long at, long seq, Runnable run) {
      this.at = at;
      this.seq = seq;
      this.run = run;
    }

    @Override
    public int compareTo(Task o) {
      int c = Long.compare(at, o.at);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }

  /** Starts at {@code startMicros} since the epoch. */
  public ManualScheduler(long startMicros) {
    this.nowMicros = startMicros;
  }

  /** Starts at 2026-01-01T00:00:00Z. */
  public ManualScheduler() {
    this(1_767_225_600_000_000L);
  }

  @Override
  public MicrosClock clock() {
    return this::now;
  }

  public synchronized long now() {
    return nowMicros;
  }

  @Override
  public synchronized Cancellable schedule(Duration delay, Runnable task) {
    long d = Math.max(0, delay.toNanos() / 1000);
    Task t = new Task(nowMicros + d, seq++, task);
    tasks.add(t);
    return () -> {
      synchronized (ManualScheduler.this) {
        boolean was = !t.cancelled && tasks.contains(t);
        t.cancelled = true;
        tasks.remove(t);
        return was;
      }
    };
  }

  /** Moves time forward by {@code d}, running every task that falls due on the way. */
  public void advance(Duration d) {
    long target;
    synchronized (this) {
      target = nowMicros + d.toNanos() / 1000;
    }
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.peek();
        if (next == null || next.at > target) {
          nowMicros = target;
          return;
        }
        tasks.poll();
        nowMicros = Math.max(nowMicros, next.at);
      }
      next.run.run();
    }
  }

  /** Runs the tasks due now (delay zero) without moving time. */
  public void runDue() {
    advance(Duration.ZERO);
  }

  /** Delays from now of the pending tasks, in order. */
  public synchronized List<Duration> pendingDelays() {
    List<Task> sorted = new ArrayList<>(tasks);
    sorted.sort(null);
    return sorted.stream().map(t -> Duration.ofNanos((t.at - nowMicros) * 1000)).toList();
  }

  /** The earliest pending task's delay from now, or null. */
  public synchronized Duration nextDelay() {
    Task t = tasks.peek();
    return t == null ? null : Duration.ofNanos((t.at - nowMicros) * 1000);
  }
}
