package dev.keyway.dns.zone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.client.store.InMemoryPacketStore;
import dev.keyway.client.store.PacketStore;
import dev.keyway.client.store.StoredPacket;
import dev.keyway.client.store.UpsertOutcome;
import dev.keyway.dns.testing.Packets;
import java.time.Duration;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The zone cache with a hand-driven clock and a store that counts its reads. */
class ZoneCacheTest {
  final AtomicLong now = new AtomicLong(1_000_000_000L);
  final SplittableRandom random = new SplittableRandom(8);

  /** Counts reads; can run an action in the middle of a read (to race a write against it). */
  static final class CountingStore implements PacketStore {
    final InMemoryPacketStore delegate = new InMemoryPacketStore(() -> 1L);
    final AtomicInteger reads = new AtomicInteger();
    volatile Runnable duringRead = () -> {};

    @Override
    public Optional<StoredPacket> get(PublicKey key) {
      reads.incrementAndGet();
      Optional<StoredPacket> result = delegate.get(key);
      Runnable r = duringRead;
      duringRead = () -> {};
      r.run();
      return result;
    }

    @Override
    public CompletableFuture<UpsertOutcome> upsert(SignedPacket packet) {
      return delegate.upsert(packet);
    }

    @Override
    public long count() {
      return delegate.count();
    }

    @Override
    public void close() {}
  }

  ZoneCache cache(CountingStore store, long max) {
    return new ZoneCache(store, max, Duration.ofSeconds(60), Duration.ofSeconds(5), now::get);
  }

  @Test
  void hitsDoNotReadTheStoreAndEntriesExpire() {
    CountingStore store = new CountingStore();
    ZoneCache cache = cache(store, 100);
    SecretKey k = Packets.key(random);
    cache.invalidatingStore().upsert(Packets.iroh(k, 1, "https://r./", "192.0.2.1:1")).join();
    ZoneKey key = ZoneKey.of(k.publicKey());
    assertThat(cache.find(key)).isNotNull();
    assertThat(cache.find(key)).isNotNull();
    assertThat(store.reads).hasValue(1);
    now.addAndGet(Duration.ofSeconds(61).toNanos());
    assertThat(cache.find(key)).isNotNull();
    assertThat(store.reads).hasValue(2);
    // absent keys are cached for the shorter negative TTL
    ZoneKey absent = ZoneKey.of(Packets.key(random).publicKey());
    assertThat(cache.find(absent)).isNull();
    assertThat(cache.find(absent)).isNull();
    assertThat(store.reads).hasValue(3);
    now.addAndGet(Duration.ofSeconds(6).toNanos());
    assertThat(cache.find(absent)).isNull();
    assertThat(store.reads).hasValue(4);
  }

  @Test
  void invalidPointsAreCachedAsAbsentWithoutAStoreRead() {
    CountingStore store = new CountingStore();
    ZoneCache cache = cache(store, 100);
    // all-zero bytes are a small-order point: never a valid key
    byte[] label = "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy".getBytes();
    ZoneKey bad = ZoneKey.fromLabel(label, 0, label.length);
    assertThat(cache.find(bad)).isNull();
    assertThat(cache.find(bad)).isNull();
    assertThat(store.reads).hasValue(0);
  }

  @Test
  void theBoundIsKept() {
    CountingStore store = new CountingStore();
    ZoneCache cache = cache(store, 50);
    for (int i = 0; i < 500; i++) {
      cache.find(ZoneKey.of(Packets.key(random).publicKey()));
      assertThat(cache.size()).isLessThanOrEqualTo(51);
    }
  }

  @Test
  void aFloodOfAbsentKeysDoesNotEvictPublishedZones() {
    CountingStore store = new CountingStore();
    ZoneCache cache = cache(store, 50);
    ZoneKey[] zones = new ZoneKey[20];
    for (int i = 0; i < zones.length; i++) {
      SecretKey k = Packets.key(random);
      cache.invalidatingStore().upsert(Packets.iroh(k, 1, "https://r./", "192.0.2.1:1")).join();
      zones[i] = ZoneKey.of(k.publicKey());
      assertThat(cache.find(zones[i])).isNotNull();
    }
    // queries for random names, each cached as absent, cross the bound many times over
    for (int i = 0; i < 1_000; i++) {
      assertThat(cache.find(ZoneKey.of(Packets.key(random).publicKey()))).isNull();
    }
    int reads = store.reads.get();
    for (ZoneKey z : zones) {
      assertThat(cache.find(z)).isNotNull();
    }
    assertThat(store.reads.get()).as("every published zone still cached").isEqualTo(reads);
    assertThat(cache.size()).isLessThanOrEqualTo(51);
  }

  @Test
  void aReadRacingAWriteNeverLeavesTheOlderPacketCached() {
    CountingStore store = new CountingStore();
    ZoneCache cache = cache(store, 100);
    SecretKey k = Packets.key(random);
    ZoneKey key = ZoneKey.of(k.publicKey());
    cache.invalidatingStore().upsert(Packets.iroh(k, 1, "https://old./", "192.0.2.1:1")).join();
    // while the cache reads the old packet, a newer one is published and invalidated
    store.duringRead = () -> cache.invalidatingStore()
        .upsert(Packets.iroh(k, 2, "https://new./", "192.0.2.2:2")).join();
    PacketZone seen = cache.find(key);
    assertThat(seen.timestampMicros()).isEqualTo(1); // this query may see the old one ...
    assertThat(cache.find(key).timestampMicros()).isEqualTo(2); // ... the next one never does
  }

  @Test
  void aStaleUpsertDoesNotInvalidate() {
    CountingStore store = new CountingStore();
    ZoneCache cache = cache(store, 100);
    SecretKey k = Packets.key(random);
    cache.invalidatingStore().upsert(Packets.iroh(k, 5, "https://r./", "192.0.2.1:1")).join();
    cache.find(ZoneKey.of(k.publicKey()));
    int reads = store.reads.get();
    assertThat(cache.invalidatingStore().upsert(Packets.iroh(k, 4, "https://s./", "192.0.2.1:1")).join())
        .isEqualTo(UpsertOutcome.STALE);
    cache.find(ZoneKey.of(k.publicKey()));
    assertThat(store.reads).hasValue(reads);
  }
}
