package dev.keyway.client.lookup;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.packet.MicrosClock;
import dev.keyway.client.packet.SignedPacket;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Recent lookup answers by endpoint id, with pkarr's freshness rule.
 *
 * <h2>Freshness (pkarr client)</h2>
 * An entry is fresh while {@code 0 <= now - lastSeen < clamp(ttl, minTtl, maxTtl)} (a
 * {@code lastSeen} ahead of now means the wall clock was stepped back: the age is unknown, the
 * entry stale), where
 * {@code lastSeen} is when the answer was received (or, if the source said, when the source
 * itself last saw it: a relay's {@code Memento-Datetime}, ignored if in the future) and
 * {@code ttl} is the source's hint ({@link LookupItem#ttl()}: the DNS answer TTL, or a relay's
 * {@code max-age} when shorter than the packet's TTL), else the signed packet's TTL (its
 * smallest record TTL), else {@code minTtl}.
 * pkarr's own client uses min 300 s / max 86 400 s; keyway's default minimum is 30 s, iroh's
 * publishing TTL, so an iroh record lives exactly as long as it asks. A zero TTL hint (e.g.
 * {@code Cache-Control: no-store}) with a zero minimum is never fresh.
 *
 * <h2>Replacement</h2>
 * A newer answer replaces the entry, except that an answer carrying a signed packet never
 * replaces one whose packet {@linkplain SignedPacket#isMoreRecentThan is more recent}, and a plain
 * DNS answer never replaces a fresh entry from a signed packet (a DNS server or resolver lagging
 * behind a relay would otherwise bring back the old addresses; the packet's timestamp says how
 * new it is, a plain answer's age is unknown); the same packet again only refreshes
 * {@code lastSeen}. The most recent signed packet ever seen for a key
 * is kept even when a plain DNS answer replaces the entry, and even once it expired:
 * {@link #knownPacket} hands it to a relay lookup for {@code If-Modified-Since} revalidation.
 *
 * <p>Bounded: past {@code capacity} keys, the least recently used one goes. Thread-safe; a hit
 * takes one short lock. Time comes from the injected clock.
 */
public final class TtlCache {
  /** Default minimum TTL: iroh's publishing TTL. */
  public static final Duration DEFAULT_MIN_TTL = Duration.ofSeconds(30);
  /** Default maximum TTL: pkarr's. */
  public static final Duration DEFAULT_MAX_TTL = Duration.ofDays(1);
  /** Default number of keys kept. */
  public static final int DEFAULT_CAPACITY = 10_000;

  private final MicrosClock clock;
  private final long minTtlMicros;
  private final long maxTtlMicros;
  private final int capacity;
  private final LinkedHashMap<PublicKey, Entry> entries;

  private record Entry(LookupItem item, long lastSeenMicros, long ttlMicros, SignedPacket packet) {}

  /** A cache with the default TTL bounds and capacity. */
  public TtlCache(MicrosClock clock) {
    this(clock, DEFAULT_MIN_TTL, DEFAULT_MAX_TTL, DEFAULT_CAPACITY);
  }

  /**
   * A cache on {@code clock} with TTLs clamped to [{@code minTtl}, {@code maxTtl}]. As in pkarr,
   * a minimum above the maximum raises the maximum.
   */
  public TtlCache(MicrosClock clock, Duration minTtl, Duration maxTtl, int capacity) {
    this.clock = Objects.requireNonNull(clock, "clock");
    if (minTtl.isNegative() || maxTtl.isNegative()) {
      throw new IllegalArgumentException("TTL bounds must not be negative: " + minTtl + ", " + maxTtl);
    }
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
    }
    this.minTtlMicros = micros(minTtl);
    this.maxTtlMicros = Math.max(minTtlMicros, micros(maxTtl));
    this.capacity = capacity;
    this.entries = new LinkedHashMap<>(16, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<PublicKey, Entry> eldest) {
        return size() > TtlCache.this.capacity;
      }
    };
  }

  /** The entry for {@code id} if it is fresh now. */
  public Optional<LookupItem> getFresh(PublicKey id) {
    synchronized (this) {
      long now = clock.nowMicros(); // under the lock: no entry is stored after this "now"
      Entry e = entries.get(id);
      if (e == null || e.item == null || !fresh(e, now)) {
        return Optional.empty();
      }
      return Optional.of(e.item);
    }
  }

  /** Whether a more recent signed packet than {@code item}'s was seen for its id, fresh or not. */
  public synchronized boolean hasNewerThan(LookupItem item) {
    SignedPacket packet = item.packet().orElse(null);
    Entry e = entries.get(item.endpointInfo().endpointId());
    return packet != null && e != null && e.packet != null && e.packet.isMoreRecentThan(packet);
  }

  /** The most recent signed packet seen for {@code id}, fresh or not. */
  public synchronized Optional<SignedPacket> knownPacket(PublicKey id) {
    Entry e = entries.get(id);
    return e == null ? Optional.empty() : Optional.ofNullable(e.packet);
  }

  /** How long the entry for {@code id} stays fresh from now, if it is fresh. */
  public Optional<Duration> remainingTtl(PublicKey id) {
    synchronized (this) {
      long now = clock.nowMicros();
      Entry e = entries.get(id);
      if (e == null || e.item == null || !fresh(e, now)) {
        return Optional.empty();
      }
      return Optional.of(Duration.of(e.ttlMicros - (now - e.lastSeenMicros), ChronoUnit.MICROS));
    }
  }

  /**
   * Whether {@code e} is fresh at {@code now}. Seen "in the future" means the wall clock was
   * stepped back since (NTP correcting a clock that ran ahead): the entry's age is unknown, so it
   * is stale, or it would stay fresh for the whole step on top of its TTL.
   */
  private static boolean fresh(Entry e, long now) {
    long age = now - e.lastSeenMicros;
    return age >= 0 && age < e.ttlMicros;
  }

  /** Records an answer for its endpoint id, by the replacement rules in the class description. */
  public void offer(LookupItem item) {
    PublicKey id = item.endpointInfo().endpointId();
    SignedPacket packet = item.packet().orElse(null);
    long ttl = clamp(item.ttl().map(TtlCache::micros)
        .orElseGet(() -> packet == null ? minTtlMicros
            : packet.ttl(minTtlMicros / 1_000_000, maxTtlMicros / 1_000_000) * 1_000_000));
    synchronized (this) {
      // Under the lock, as in getFresh: an entry another thread stored is never "ahead" of it.
      long now = clock.nowMicros();
      long seen = item.seenAtMicros().orElse(now);
      if (seen > now) {
        seen = now; // a source's clock ahead of ours: trust ours (pkarr ignores future Memento)
      }
      Entry old = entries.get(id);
      SignedPacket oldPacket = old == null ? null : old.packet;
      if (packet == null && old != null && old.item != null && old.item.packet().isPresent()
          && fresh(old, now)) {
        // See "Replacement": a signed answer's age is known, a plain one's is not. One that
        // agrees adds nothing, and must not take the place of the signed one either: the next,
        // lagging plain answer would then replace it.
        return;
      }
      if (packet != null && oldPacket != null) {
        if (oldPacket.isMoreRecentThan(packet)) {
          return; // never go back to an older record
        }
        if (oldPacket.isSameAs(packet) && old.item != null && old.item.packet().isPresent()) {
          seen = Math.min(now, Math.max(seen, old.lastSeenMicros)); // never carry a time ahead of now
        }
      }
      SignedPacket keep = packet != null ? packet : oldPacket;
      entries.put(id, new Entry(item, seen, ttl, keep));
    }
  }

  /** Forgets {@code id}. */
  public synchronized void invalidate(PublicKey id) {
    entries.remove(id);
  }

  /** Forgets everything. */
  public synchronized void clear() {
    entries.clear();
  }

  /** How many keys are held (fresh or not). */
  public synchronized int size() {
    return entries.size();
  }

  /** The lower TTL bound. */
  public Duration minTtl() {
    return Duration.of(minTtlMicros, ChronoUnit.MICROS);
  }

  /** The upper TTL bound. */
  public Duration maxTtl() {
    return Duration.of(maxTtlMicros, ChronoUnit.MICROS);
  }

  private long clamp(long ttlMicros) {
    return Math.max(minTtlMicros, Math.min(maxTtlMicros, ttlMicros));
  }

  private static long micros(Duration d) {
    try {
      return Math.multiplyExact(d.getSeconds(), 1_000_000L) + d.getNano() / 1000;
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE / 4;
    }
  }
}
