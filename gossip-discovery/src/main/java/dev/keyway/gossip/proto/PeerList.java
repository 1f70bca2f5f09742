package dev.keyway.gossip.proto;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A small insertion-ordered set of peers with random pick and removal: the HyParView views and
 * the PlumTree eager/lazy sets. Views hold at most a few dozen peers, so a list with linear
 * membership tests is both the smallest and the fastest choice, and its order is deterministic.
 */
final class PeerList<P> {
  private final ArrayList<P> items;

  PeerList(int expected) {
    this.items = new ArrayList<>(expected);
  }

  int size() {
    return items.size();
  }

  boolean isEmpty() {
    return items.isEmpty();
  }

  boolean contains(P p) {
    return items.contains(p);
  }

  /** Adds {@code p} at the end unless present; true if added. */
  boolean add(P p) {
    if (items.contains(p)) {
      return false;
    }
    items.add(p);
    return true;
  }

  /** Removes {@code p}, keeping the order of the rest; true if it was present. */
  boolean remove(P p) {
    return items.remove(p);
  }

  P get(int i) {
    return items.get(i);
  }

  /** A random member, or null if empty. */
  P pickRandom(RandomGenerator rng) {
    return items.isEmpty() ? null : items.get(rng.nextInt(items.size()));
  }

  /** A random member other than {@code a} and {@code b} (either may be null), or null. */
  P pickRandomExcept(P a, P b, RandomGenerator rng) {
    int eligible = 0;
    for (P p : items) {
      if (!p.equals(a) && !p.equals(b)) {
        eligible++;
      }
    }
    if (eligible == 0) {
      return null;
    }
    int k = rng.nextInt(eligible);
    for (P p : items) {
      if (!p.equals(a) && !p.equals(b) && k-- == 0) {
        return p;
      }
    }
    throw new AssertionError();
  }

  /** A random member not in any of the exclusion predicates' sets, or null. */
  P pickRandomWhere(java.util.function.Predicate<P> eligible, RandomGenerator rng) {
    int n = 0;
    for (P p : items) {
      if (eligible.test(p)) {
        n++;
      }
    }
    if (n == 0) {
      return null;
    }
    int k = rng.nextInt(n);
    for (P p : items) {
      if (eligible.test(p) && k-- == 0) {
        return p;
      }
    }
    throw new AssertionError();
  }

  /** Removes and returns a random member, or null if empty. */
  P removeRandom(RandomGenerator rng) {
    if (items.isEmpty()) {
      return null;
    }
    return items.remove(rng.nextInt(items.size()));
  }

  /**
   * Up to {@code max} distinct random members, excluding {@code except} (may be null), in random
   * order (a partial Fisher-Yates shuffle of a copy).
   */
  List<P> sample(int max, P except, RandomGenerator rng) {
    ArrayList<P> copy = new ArrayList<>(items.size());
    for (P p : items) {
      if (!p.equals(except)) {
        copy.add(p);
      }
    }
    int n = Math.min(max, copy.size());
    for (int i = 0; i < n; i++) {
      int j = i + rng.nextInt(copy.size() - i);
      Collections.swap(copy, i, j);
    }
    return new ArrayList<>(copy.subList(0, n));
  }

  /** An unmodifiable snapshot. */
  List<P> snapshot() {
    return List.copyOf(items);
  }

  /** The live list, for iteration by the owner only. */
  List<P> view() {
    return items;
  }
}
