package dev.keyway.dns.zone;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.keyway.client.keys.KeyFormatException;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.client.store.PacketStore;
import dev.keyway.client.store.StoredPacket;
import dev.keyway.client.store.UpsertOutcome;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The zones the DNS answer path reads: a bounded cache from {@link ZoneKey} to {@link PacketZone}
 * (or "no such key") in front of a {@link PacketStore}, as iroh's {@code ZoneStore} keeps an LRU
 * of parsed zones in front of its database.
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

  private static final Object ABSENT = new Object();

  private final PacketStore store;
  private final Cache<ZoneKey, Object> cache;
  private final AtomicLong writeGeneration = new AtomicLong();
  private final PacketStore invalidating;

  /**
   * @param store the packet store to read on a miss
   * @param maxZones most entries kept (present and absent keys together)
   * @param positiveTtl lifetime of a cached zone
   * @param negativeTtl lifetime of a cached absent key
   * @param ticker time source for expiry (nanoseconds)
   */
  public ZoneCache(PacketStore store, long maxZones, Duration positiveTtl, Duration negativeTtl,
      Ticker ticker) {
    this.store = Objects.requireNonNull(store, "store");
    long pos = positiveTtl.toNanos();
    long neg = negativeTtl.toNanos();
    this.cache = Caffeine.newBuilder()
        .maximumSize(maxZones)
        .ticker(ticker)
        .expireAfter(new Expiry<ZoneKey, Object>() {
          @Override
          public long expireAfterCreate(ZoneKey key, Object value, long currentTime) {
            return value == ABSENT ? neg : pos;
          }

          @Override
          public long expireAfterUpdate(ZoneKey key, Object value, long currentTime,
              long currentDuration) {
            return value == ABSENT ? neg : pos;
          }

          @Override
          public long expireAfterRead(ZoneKey key, Object value, long currentTime,
              long currentDuration) {
            return currentDuration;
          }
        })
        .build();
    this.invalidating = new InvalidatingStore();
  }

  /** A cache with the defaults above and the system ticker. */
  public ZoneCache(PacketStore store) {
    this(store, DEFAULT_MAX_ZONES, DEFAULT_POSITIVE_TTL, DEFAULT_NEGATIVE_TTL, Ticker.systemTicker());
  }

  /**
   * The zone published under {@code key}, or null if there is none (or the label is not a valid
   * key). Reads the store on a miss; a store failure propagates as the store's exception.
   */
  public PacketZone find(ZoneKey key) {
    Object cached = cache.getIfPresent(key);
    if (cached != null) {
      return cached == ABSENT ? null : (PacketZone) cached;
    }
    return load(key);
  }

  private PacketZone load(ZoneKey key) {
    long generation = writeGeneration.get();
    PacketZone zone;
    try {
      PublicKey publicKey = PublicKey.fromBytes(key.toBytes());
      Optional<StoredPacket> stored = store.get(publicKey);
      zone = stored.map(s -> PacketZone.of(s.packet())).orElse(null);
    } catch (KeyFormatException notAPoint) {
      zone = null; // can never be published: cache as absent
    }
    Object entry = zone == null ? ABSENT : zone;
    cache.put(key, entry);
    if (writeGeneration.get() != generation) {
      // A write completed while we read; what we read may be older than it. Leave no trace.
      cache.asMap().remove(key, entry);
    }
    return zone;
  }

  /** Forgets what is cached for {@code key}; the next query reads the store. */
  public void invalidate(PublicKey key) {
    writeGeneration.incrementAndGet();
    cache.invalidate(ZoneKey.of(key));
  }

  /** Number of cached entries (zones and absent keys), approximately. */
  public long size() {
    return cache.estimatedSize();
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
