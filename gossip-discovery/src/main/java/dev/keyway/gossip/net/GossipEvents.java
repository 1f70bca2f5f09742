package dev.keyway.gossip.net;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One subscription to a topic's events, with a bounded buffer. A subscriber that falls behind
 * loses events instead of growing memory: when the buffer is full new events are dropped and
 * counted, and the subscriber next sees a {@link GossipEvent.Lagged} with that count (as
 * iroh-gossip's subscriptions do).
 *
 * <p>Read it by polling ({@link #poll}) or with a handler run on an executor of your choice
 * ({@link #handler}); handlers run one at a time, in order. Thread-safe.
 */
public final class GossipEvents implements AutoCloseable {
  private final int capacity;
  private final ArrayDeque<GossipEvent> queue = new ArrayDeque<>();
  private final Runnable onClose;
  private long missed;
  private boolean closed;
  private Executor executor;
  private Consumer<? super GossipEvent> handler;
  private boolean draining;

  GossipEvents(int capacity, Runnable onClose) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive");
    }
    this.capacity = capacity;
    this.onClose = onClose;
  }

  /** Adds an event; drops it (counting) when the buffer is full. Called by the node. */
  void offer(GossipEvent event) {
    boolean schedule;
    synchronized (this) {
      if (closed) {
        return;
      }
      if (queue.size() >= capacity) {
        missed++;
        return;
      }
      if (missed > 0) {
        queue.add(new GossipEvent.Lagged(missed));
        missed = 0;
        if (queue.size() >= capacity) {
          missed++;
          notifyAll();
          return;
        }
      }
      queue.add(event);
      notifyAll();
      schedule = handler != null && !draining;
      if (schedule) {
        draining = true;
      }
    }
    if (schedule) {
      executor.execute(this::drain);
    }
  }

  /** The next event, waiting up to {@code timeout}; null on timeout or once closed and empty. */
  public synchronized GossipEvent poll(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      GossipEvent e = take();
      if (e != null || closed) {
        return e;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return null;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  /** The next event if one is buffered, else null. */
  public synchronized GossipEvent tryPoll() {
    return take();
  }

  private GossipEvent take() {
    GossipEvent e = queue.poll();
    if (e == null && missed > 0) {
      e = new GossipEvent.Lagged(missed);
      missed = 0;
    }
    return e;
  }

  /**
   * Delivers every event (those buffered now and later) to {@code consumer} on {@code executor},
   * one at a time. Polling and a handler should not be mixed.
   */
  public void handler(Executor executor, Consumer<? super GossipEvent> consumer) {
    boolean schedule;
    synchronized (this) {
      this.executor = executor;
      this.handler = consumer;
      schedule = !draining && !queue.isEmpty();
      if (schedule) {
        draining = true;
      }
    }
    if (schedule) {
      executor.execute(this::drain);
    }
  }

  private void drain() {
    for (int i = 0; i < 64; i++) {
      GossipEvent e;
      Consumer<? super GossipEvent> h;
      synchronized (this) {
        e = take();
        h = handler;
        if (e == null) {
          draining = false;
          return;
        }
      }
      try {
        h.accept(e);
      } catch (RuntimeException ex) {
        org.slf4j.LoggerFactory.getLogger(GossipEvents.class).warn("gossip event handler failed", ex);
      }
    }
    executor.execute(this::drain);
  }

  /** Events buffered now. */
  public synchronized int size() {
    return queue.size();
  }

  /** Stops the subscription; buffered events can still be polled. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      notifyAll();
    }
    onClose.run();
  }

  /** Whether {@link #close} was called or the topic was left. */
  public synchronized boolean isClosed() {
    return closed;
  }

  /** Marks closed without calling back (the node left the topic). */
  void closeFromNode() {
    synchronized (this) {
      closed = true;
      notifyAll();
    }
  }
}
