package dev.keyway.dns.zone;

import dev.keyway.client.keys.KeyFormatException;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.client.store.PacketStore;
import dev.keyway.client.store.StoredPacket;
import dev.keyway.client.store.UpsertOutcome;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * The zones the DNS answer path reads: a bounded cache from {@link ZoneKey} to {@link PacketZone}
 * (or "no such key") in front of a {@link PacketStore}, as iroh's {@code ZoneStore} keeps an LRU
 * of parsed zones in front of its database.
 *
 * <h2>Why not an LRU (Caffeine)</h2>
 * A hit must not write. An LRU (or Caffeine's bounded cache with per-entry expiry) records every
 * read and reorders its access list, which dirties old-generation cards and made each young GC of
 * the DNS server scan them: with 100,000 zones, young pauses averaged 12 ms with Caffeine and
 * 2.4 ms with this map (ops/bench/RESULTS.md). So entries are plain map values carrying their
 * expiry time, checked on read; the bound is kept by trimming expired, then arbitrary, entries
 * when it is crossed. The hot set of a discovery zone is "whoever is being looked up", which
 * random eviction serves as well as LRU.
 *
 * <h2>Freshness</h2>
 * Every write must go through {@link #invalidatingStore()}: it invalidates the key once the
 * store's upsert has completed and before the caller sees the outcome, so a 2xx for a PUT means
 * the next DNS query reads the new packet. A load that raced with an invalidation never leaves its
 * (possibly older) result behind: loads note a global write generation before reading the store
 * and drop their entry if the generation moved. Writes made behind the cache's back (another
 * instance on a shared database, store-side expiry) are picked up when entries expire:
 * {@code positiveTtl} for zones, {@code negativeTtl} for absent keys.
 *
 * <h2>Cost</h2>
 * A hit is one hash lookup, with no key validation. A miss validates the key as a curve point
 * (microseconds), then reads the store; labels that are not valid keys are cached as absent too.
 */
public final class ZoneCache {
  /** iroh-dns-server's zone cache capacity (2^20). */
  public static final long DEFAULT_MAX_ZONES = 1L << 20;
  /** How long a cached zone is trusted without a write through this cache. Guess. */
  public static final Duration DEFAULT_POSITIVE_TTL = Duration.ofMinutes(5);
  /** How long "no packet for this key" is trusted without a write through this cache. Guess. */
  public static final Duration DEFAULT_NEGATIVE_TTL = Duration.ofSeconds(30);

  /**
   * "No packet for this key" until {@code expiresAt}. Keeps the validated key (null if the label
   * is not a valid key) so that re-checking the store after expiry skips point validation.
   */
  private record Absent(PublicKey key, long expiresAt) {}

  private final PacketStore store;
  /** Values: {@link PacketZone} (with its expiry) or {@link Absent}. */
  private final ConcurrentHashMap<ZoneKey, Object> map;
  private final long maxZones;
  private final long positiveTtl;
  private final long negativeTtl;
  private final LongSupplier ticker;
  private final AtomicLong writeGeneration = new AtomicLong();
  private final AtomicBoolean trimming = new AtomicBoolean();
  private final PacketStore invalidating;

  /**
   * @param store the packet store to read on a miss
   * @param maxZones most entries kept (present and absent keys together)
   * @param positiveTtl lifetime of a cached zone
   * @param negativeTtl lifetime of a cached absent key
   * @param ticker time source for expiry (nanoseconds)
   */
  public ZoneCache(PacketStore store, long maxZones, Duration positiveTtl, Duration negativeTtl,
      LongSupplier ticker) {
    this.store = Objects.requireNonNull(store, "store");
    if (maxZones < 1) {
      throw new IllegalArgumentException("maxZones must be at least 1");
    }
    this.maxZones = maxZones;
    this.positiveTtl = positiveTtl.toNanos();
    this.negativeTtl = negativeTtl.toNanos();
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.map = new ConcurrentHashMap<>((int) Math.min(maxZones, 1 << 16));
    this.invalidating = new InvalidatingStore();
  }

  /** A cache with the defaults above and the system ticker. */
  public ZoneCache(PacketStore store) {
    this(store, DEFAULT_MAX_ZONES, DEFAULT_POSITIVE_TTL, DEFAULT_NEGATIVE_TTL, System::nanoTime);
  }

  /**
   * The zone published under {@code key}, or null if there is none (or the label is not a valid
   * key). Reads the store on a miss; a store failure propagates as the store's exception.
   */
  public PacketZone find(ZoneKey key) {
    Object v = map.get(key);
    if (v instanceof PacketZone z) {
      if (z.expiresAt - ticker.getAsLong() > 0) {
        return z;
      }
    } else if (v instanceof Absent a && a.expiresAt - ticker.getAsLong() > 0) {
      return null;
    }
    return load(key, v);
  }

  private PacketZone load(ZoneKey key, Object expired) {
    long generation = writeGeneration.get();
    PublicKey publicKey = expired instanceof PacketZone z ? z.key()
        : expired instanceof Absent a ? a.key() : null;
    PacketZone zone = null;
    boolean validKey = true;
    if (publicKey == null) {
      try {
        publicKey = PublicKey.fromBytes(key.toBytes());
      } catch (KeyFormatException notAPoint) {
        validKey = false; // can never be published: cached as absent
      }
    }
    if (validKey) {
      Optional<StoredPacket> stored = store.get(publicKey);
      zone = stored.map(s -> PacketZone.of(s.packet())).orElse(null);
    }
    long now = ticker.getAsLong();
    Object entry;
    if (zone != null) {
      zone.expiresAt = now + positiveTtl;
      entry = zone;
    } else {
      entry = new Absent(validKey ? publicKey.compact() : null, now + (validKey ? negativeTtl : positiveTtl));
    }
    if (map.put(key, entry) == null && map.size() > maxZones) {
      trim();
    }
    if (writeGeneration.get() != generation) {
      // A write completed while we read; what we read may be older than it. Leave no trace.
      map.remove(key, entry);
    }
    return zone;
  }

  /** Forgets what is cached for {@code key}; the next query reads the store. */
  public void invalidate(PublicKey key) {
    writeGeneration.incrementAndGet();
    map.remove(ZoneKey.of(key));
  }

  /**
   * Brings the cache back under 90 % of its bound: expired entries first, then absent keys, then
   * arbitrary zones (hash order, so effectively random, which suits a cache whose hot set is
   * whatever clients ask for). Absent keys go before zones so that a flood of queries for random
   * names, each cached as absent, cannot push the published zones out. Runs on the loading
   * thread, once per crossing of the bound.
   */
  private void trim() {
    if (!trimming.compareAndSet(false, true)) {
      return;
    }
    try {
      long target = maxZones - maxZones / 10;
      long now = ticker.getAsLong();
      map.values().removeIf(v -> (v instanceof PacketZone z ? z.expiresAt
          : ((Absent) v).expiresAt()) - now <= 0);
      removeWhileOver(target, v -> v instanceof Absent);
      removeWhileOver(target, v -> true);
    } finally {
      trimming.set(false);
    }
  }

  private void removeWhileOver(long target, Predicate<Object> which) {
    Iterator<Object> it = map.values().iterator();
    while (map.size() > target && it.hasNext()) {
      if (which.test(it.next())) {
        it.remove();
      }
    }
  }

  /** Number of cached entries (zones and absent keys), expired ones included until trimmed. */
  public long size() {
    return map.size();
  }

  /** The store this cache reads. */
  public PacketStore store() {
    return store;
  }

  /**
   * The store seen through this cache: every upsert that changes what is stored invalidates its
   * key before the returned future completes. Give this view (not the raw store) to every writer
   * in the process: the iroh API, the pkarr relay, loaders.
   */
  public PacketStore invalidatingStore() {
    return invalidating;
  }

  private final class InvalidatingStore implements PacketStore {
    @Override
    public Optional<StoredPacket> get(PublicKey key) {
      return store.get(key);
    }

    @Override
    public CompletableFuture<UpsertOutcome> upsert(SignedPacket packet) {
      return store.upsert(packet).thenApply(outcome -> {
        if (outcome == UpsertOutcome.INSERTED || outcome == UpsertOutcome.UPDATED) {
          invalidate(packet.publicKey());
        }
        return outcome;
      });
    }

    @Override
    public long count() {
      return store.count();
    }

    @Override
    public void close() {
      store.close();
    }

    @Override
    public String toString() {
      return "ZoneCache.invalidatingStore(" + store + ")";
    }
  }
}
