package dev.keyway.client.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.client.record.EndpointInfo;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Freshness and expiry with an injected clock (pkarr's rule: now - lastSeen < clamp(ttl)). */
class TtlCacheTest {
  private final ManualScheduler time = new ManualScheduler();
  private final SecretKey key = Fixtures.key(2);
  private final EndpointInfo info = Fixtures.info(key, "https://r.example/");

  @Test
  void dnsAnswerLivesExactlyItsTtlWithinBounds() {
    TtlCache cache = new TtlCache(time.clock(), Duration.ofSeconds(30), Duration.ofSeconds(300), 100);
    cache.offer(LookupItem.of(info, "dns").withTtl(Duration.ofSeconds(60)));
    time.advance(Duration.ofSeconds(59));
    assertThat(cache.getFresh(key.publicKey())).isPresent();
    assertThat(cache.remainingTtl(key.publicKey())).contains(Duration.ofSeconds(1));
    time.advance(Duration.ofSeconds(1));
    assertThat(cache.getFresh(key.publicKey())).isEmpty();
  }

  /**
   * A wall clock stepped back (NTP correcting a clock that ran ahead) leaves entries seen "in the
   * future": they are stale, not fresh for the whole step on top of their TTL (found by a review).
   */
  @Test
  void anEntrySeenAheadOfAClockSteppedBackIsStale() {
    java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(1_767_225_600_000_000L);
    TtlCache cache = new TtlCache(now::get, Duration.ofSeconds(30), Duration.ofSeconds(300), 100);
    cache.offer(LookupItem.of(info, "dns").withTtl(Duration.ofSeconds(30)));
    assertThat(cache.getFresh(key.publicKey())).isPresent();
    now.addAndGet(-Duration.ofHours(6).toNanos() / 1_000);
    assertThat(cache.getFresh(key.publicKey())).isEmpty();
    assertThat(cache.remainingTtl(key.publicKey())).isEmpty();
    // Offered again after the step, it counts from the new now, not from the old time ahead.
    cache.offer(LookupItem.of(info, "dns").withTtl(Duration.ofSeconds(30)));
    now.addAndGet(Duration.ofSeconds(29).toNanos() / 1_000);
    assertThat(cache.getFresh(key.publicKey())).isPresent();
    now.addAndGet(Duration.ofSeconds(1).toNanos() / 1_000);
    assertThat(cache.getFresh(key.publicKey())).isEmpty();

    // The same signed packet offered again after a step back: its last-seen is carried on, but
    // never ahead of the new now.
    SignedPacket p = Fixtures.packet(key, info, 30, now.get());
    cache.offer(LookupItem.fromPacket(info, "pkarr", p));
    now.addAndGet(-Duration.ofHours(6).toNanos() / 1_000);
    cache.offer(LookupItem.fromPacket(info, "pkarr", p));
    assertThat(cache.remainingTtl(key.publicKey())).contains(Duration.ofSeconds(30));
    now.addAndGet(Duration.ofSeconds(30).toNanos() / 1_000);
    assertThat(cache.getFresh(key.publicKey())).isEmpty();
  }

  @Test
  void ttlIsClampedToMinAndMax() {
    TtlCache cache = new TtlCache(time.clock(), Duration.ofSeconds(30), Duration.ofSeconds(300), 100);
    cache.offer(LookupItem.of(info, "dns").withTtl(Duration.ofSeconds(1)));
    time.advance(Duration.ofSeconds(29));
    assertThat(cache.getFresh(key.publicKey())).as("raised to min 30 s").isPresent();
    time.advance(Duration.ofSeconds(1));
    assertThat(cache.getFresh(key.publicKey())).isEmpty();

    cache.offer(LookupItem.of(info, "dns").withTtl(Duration.ofDays(7)));
    time.advance(Duration.ofSeconds(299));
    assertThat(cache.getFresh(key.publicKey())).isPresent();
    time.advance(Duration.ofSeconds(1));
    assertThat(cache.getFresh(key.publicKey())).as("capped at max 300 s").isEmpty();
  }

  @Test
  void packetTtlIsUsedWithoutHintAndMementoAgesTheEntry() {
    TtlCache cache = new TtlCache(time.clock(), Duration.ZERO, Duration.ofDays(1), 100);
    SignedPacket p = Fixtures.packet(key, info, 120, time.now());
    cache.offer(LookupItem.fromPacket(info, "pkarr", p));
    time.advance(Duration.ofSeconds(119));
    assertThat(cache.getFresh(key.publicKey())).isPresent();
    time.advance(Duration.ofSeconds(1));
    assertThat(cache.getFresh(key.publicKey())).isEmpty();

    // the relay saw it 100 s ago: 20 s of its 120 s are left
    cache.offer(LookupItem.fromPacket(info, "pkarr", p).withSeenAtMicros(time.now() - 100_000_000L));
    assertThat(cache.remainingTtl(key.publicKey())).contains(Duration.ofSeconds(20));
    // a Memento in the future is not trusted beyond now
    cache.offer(LookupItem.fromPacket(info, "pkarr", p).withSeenAtMicros(time.now() + 999_000_000L));
    assertThat(cache.remainingTtl(key.publicKey())).contains(Duration.ofSeconds(120));
  }

  @Test
  void zeroTtlHintWithZeroMinimumIsNeverFresh() {
    TtlCache cache = new TtlCache(time.clock(), Duration.ZERO, Duration.ofDays(1), 100);
    cache.offer(LookupItem.of(info, "pkarr").withTtl(Duration.ZERO));
    assertThat(cache.getFresh(key.publicKey())).isEmpty();
  }

  @Test
  void anOlderPacketNeverReplacesANewerOneAndThePacketOutlivesExpiry() {
    TtlCache cache = new TtlCache(time.clock());
    SignedPacket newer = Fixtures.packet(key, info, 30, time.now());
    SignedPacket older = Fixtures.packet(key, Fixtures.info(key, "https://old.example/"), 30, time.now() - 1);
    cache.offer(LookupItem.fromPacket(info, "pkarr", newer));
    cache.offer(LookupItem.fromPacket(info, "pkarr", older));
    assertThat(cache.getFresh(key.publicKey()).orElseThrow().packet()).contains(newer);
    // a plain DNS answer does not replace a fresh signed one, even when it agrees
    cache.offer(LookupItem.of(info, "dns"));
    assertThat(cache.getFresh(key.publicKey()).orElseThrow().provenance()).isEqualTo("pkarr");
    // once stale, it does, and the packet is kept for revalidation
    time.advance(Duration.ofSeconds(30));
    cache.offer(LookupItem.of(info, "dns"));
    assertThat(cache.getFresh(key.publicKey()).orElseThrow().provenance()).isEqualTo("dns");
    time.advance(Duration.ofDays(2));
    assertThat(cache.getFresh(key.publicKey())).isEmpty();
    assertThat(cache.knownPacket(key.publicKey())).contains(newer);
  }

  @Test
  void aPlainAnswerDisagreeingWithAFreshSignedOneDoesNotReplaceIt() {
    TtlCache cache = new TtlCache(time.clock());
    SignedPacket fresh = Fixtures.packet(key, info, 30, time.now());
    cache.offer(LookupItem.fromPacket(info, "pkarr", fresh));
    EndpointInfo lagging = Fixtures.info(key, "https://old-relay.example/");
    cache.offer(LookupItem.of(info, "doh")); // agreeing first: it must not open the door
    cache.offer(LookupItem.of(lagging, "dns"));
    assertThat(cache.getFresh(key.publicKey()).orElseThrow().endpointInfo()).isEqualTo(info);
    // once the signed entry is stale, the plain answer is the best there is
    time.advance(Duration.ofSeconds(30));
    cache.offer(LookupItem.of(lagging, "dns"));
    assertThat(cache.getFresh(key.publicKey()).orElseThrow().endpointInfo()).isEqualTo(lagging);
    assertThat(cache.knownPacket(key.publicKey())).contains(fresh);
  }

  @Test
  void leastRecentlyUsedKeyGoesPastCapacity() {
    TtlCache cache = new TtlCache(time.clock(), Duration.ofSeconds(30), Duration.ofDays(1), 2);
    SecretKey k2 = Fixtures.key(3);
    SecretKey k3 = Fixtures.key(4);
    cache.offer(LookupItem.of(info, "dns"));
    cache.offer(LookupItem.of(Fixtures.info(k2, "https://r.example/"), "dns"));
    cache.getFresh(key.publicKey()); // touch the first
    cache.offer(LookupItem.of(Fixtures.info(k3, "https://r.example/"), "dns"));
    assertThat(cache.size()).isEqualTo(2);
    assertThat(cache.getFresh(key.publicKey())).isPresent();
    assertThat(cache.getFresh(k2.publicKey())).isEmpty();
  }
}
