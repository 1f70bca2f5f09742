package dev.keyway.gossip.sim;

import java.util.Arrays;

/**
 * A binary min-heap of events keyed by (time, sequence), with the keys in primitive arrays so
 * that sifting compares longs instead of chasing pointers (the queue holds millions of events in
 * the larger scenarios, and {@code PriorityQueue}'s comparisons were a third of the run time).
 */
final class EventQueue<E> {
  private long[] time = new long[1 << 12];
  private long[] seq = new long[1 << 12];
  private Object[] items = new Object[1 << 12];
  private int size;

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** The time of the next event; only valid when not empty. */
  long peekTime() {
    return time[0];
  }

  @SuppressWarnings("unchecked")
  E peek() {
    return size == 0 ? null : (E) items[0];
  }

  void add(long t, long s, E item) {
    if (size == items.length) {
      int cap = size * 2;
      time = Arrays.copyOf(time, cap);
      seq = Arrays.copyOf(seq, cap);
      items = Arrays.copyOf(items, cap);
    }
    int i = size++;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (!less(t, s, time[parent], seq[parent])) {
        break;
      }
      time[i] = time[parent];
      seq[i] = seq[parent];
      items[i] = items[parent];
      i = parent;
    }
    time[i] = t;
    seq[i] = s;
    items[i] = item;
  }

  /** Removes and returns the earliest event. */
  @SuppressWarnings("unchecked")
  E poll() {
    E head = (E) items[0];
    int last = --size;
    long t = time[last];
    long s = seq[last];
    Object item = items[last];
    items[last] = null;
    int i = 0;
    int half = last >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      int right = child + 1;
      if (right < last && less(time[right], seq[right], time[child], seq[child])) {
        child = right;
      }
      if (!less(time[child], seq[child], t, s)) {
        break;
      }
      time[i] = time[child];
      seq[i] = seq[child];
      items[i] = items[child];
      i = child;
    }
    if (last > 0) {
      time[i] = t;
      seq[i] = s;
      items[i] = item;
    }
    return head;
  }

  private static boolean less(long t1, long s1, long t2, long s2) {
    return t1 < t2 || (t1 == t2 && s1 < s2);
  }
}
