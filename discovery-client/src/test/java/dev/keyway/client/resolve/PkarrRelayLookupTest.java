package dev.keyway.client.resolve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.lookup.ClientRuntime;
import dev.keyway.client.lookup.Fixtures;
import dev.keyway.client.lookup.LookupItem;
import dev.keyway.client.lookup.TtlCache;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.client.record.EndpointInfo;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** PkarrRelayLookup against a scripted relay peer on the JDK HTTP server. */
class PkarrRelayLookupTest {
  private final SecretKey key = Fixtures.key(20);
  private final EndpointInfo info = Fixtures.info(key, "https://relay.example./", "192.0.2.3:7");
  private TestRelay relay;
  private ClientRuntime rt;
  private TtlCache cache;

  @BeforeEach
  void start() throws Exception {
    relay = new TestRelay("/pkarr", "keyway.localhost.");
    rt = ClientRuntime.create();
    cache = new TtlCache(rt.clock());
  }

  @AfterEach
  void stop() {
    rt.close();
    relay.close();
  }

  private PkarrRelayLookup lookup() {
    return PkarrRelayLookup.builder(rt, relay.base()).knownPackets(cache::knownPacket).build();
  }

  private Optional<LookupItem> get() throws Exception {
    return lookup().lookup(key.publicKey()).get(20, TimeUnit.SECONDS);
  }

  private SignedPacket stored(long ts) {
    SignedPacket p = Fixtures.packet(key, info, 30, ts);
    relay.store.put(key.publicKey(), p);
    return p;
  }

  @Test
  void verifiedPacketBecomesAnItemWithCacheHints() throws Exception {
    long now = rt.clock().nowMicros();
    SignedPacket p = stored(now);
    relay.maxAge = 77;
    relay.mementoMicros = now - 5_000_000;
    LookupItem item = get().orElseThrow();
    assertThat(item.provenance()).isEqualTo("pkarr");
    assertThat(item.endpointInfo()).isEqualTo(info);
    assertThat(item.lastUpdatedMicros()).hasValue(p.timestampMicros());
    assertThat(item.packet()).contains(p);
    // max-age 77 s is longer than the packet's 30 s TTL (relays clamp max-age up to 300 s):
    // the record lives as long as it asks, 30 s from now, which the cache counts from the
    // relay's Memento 5-6 s ago (HTTP dates are whole seconds).
    assertThat(item.ttl().orElseThrow())
        .isBetween(Duration.ofSeconds(35), Duration.ofSeconds(37));
    assertThat(item.seenAtMicros()).hasValue((now - 5_000_000) / 1_000_000 * 1_000_000);
    assertThat(relay.requests.get(0).path()).isEqualTo("/pkarr/" + key.publicKey().toZ32());
    assertThat(relay.requests.get(0).headers().containsKey("If-modified-since")).isFalse();
    relay.maxAge = 10; // a shorter max-age wins
    assertThat(get().orElseThrow().ttl()).contains(Duration.ofSeconds(10));
  }

  /**
   * An iroh packet (TTL 30 s) that the relay last saw a minute ago is fresh for 30 s after the
   * answer, as the same records from a DNS server would be. Counted from the relay's Memento
   * alone it was stale on arrival, and every resolve asked the relay again.
   */
  @Test
  void aRelayAnswerIsFreshForThePacketTtlFromNow() throws Exception {
    long now = rt.clock().nowMicros();
    stored(now - 120_000_000L);
    relay.maxAge = 300;
    relay.mementoMicros = now - 60_000_000L;
    cache.offer(get().orElseThrow());
    assertThat(cache.getFresh(key.publicKey())).isPresent();
    assertThat(cache.remainingTtl(key.publicKey()).orElseThrow())
        .isLessThanOrEqualTo(Duration.ofSeconds(31));
  }

  /**
   * A host name Java cannot use (a Docker service name with '_') is refused with the reason,
   * not as "no host"; the same for a DoH URL.
   */
  @Test
  void aHostNameWithAnUnderscoreIsRefusedWithTheReason() {
    assertThatThrownBy(() -> PkarrRelayLookup.builder(rt, java.net.URI.create("http://pkarr_relay:6881")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"pkarr_relay:6881\" is not a valid host name")
        .hasMessageContaining("'_'");
    assertThatThrownBy(() -> DohLookup.builder(rt, java.net.URI.create("https://doh_server/dns-query"),
        "keyway.localhost.")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"doh_server\" is not a valid host name");
  }

  /** A relay URL that moved is followed, as iroh's reqwest does, for GET and for PUT. */
  @Test
  void redirectsAreFollowed() throws Exception {
    SignedPacket p = stored(rt.clock().nowMicros());
    String moved = relay.base() + "/" + key.publicKey().toZ32();
    relay.script.add(TestRelay.Scripted.of(308, "Location", moved));
    assertThat(get().orElseThrow().packet()).contains(p);
    assertThat(relay.requests).hasSize(2);
    relay.script.add(TestRelay.Scripted.of(307, "Location", moved));
    dev.keyway.client.publish.PkarrPublisher publisher = dev.keyway.client.publish.PkarrPublisher
        .builder(rt, key).relay(relay.base()).build();
    try {
      assertThat(publisher.publishNow(info).get(20, TimeUnit.SECONDS).get(0).status())
          .isEqualTo(dev.keyway.client.publish.PublishOutcome.Status.PUBLISHED);
    } finally {
      publisher.close();
    }
    // the PUT answered 307, then the same PUT, body and all, at the new place
    java.util.List<TestRelay.Request> puts = relay.requests.stream()
        .filter(r -> r.method().equals("PUT")).toList();
    assertThat(puts).hasSize(2);
    assertThat(puts.get(1).body()).isEqualTo(puts.get(0).body()).isNotEmpty();
    // a 303 makes the PUT a GET, whose 200 stores nothing: not a success
    relay.script.add(TestRelay.Scripted.of(303, "Location", moved));
    dev.keyway.client.publish.PkarrPublisher again = dev.keyway.client.publish.PkarrPublisher
        .builder(rt, key).relay(relay.base()).build();
    try {
      dev.keyway.client.publish.PublishOutcome o = again.publishNow(info).get(20, TimeUnit.SECONDS).get(0);
      assertThat(o.status()).isEqualTo(dev.keyway.client.publish.PublishOutcome.Status.FAILED);
      assertThat(o.detail()).contains("redirected the PUT to a GET");
    } finally {
      again.close();
    }
  }

  @Test
  void notFoundIsEmpty() throws Exception {
    assertThat(get()).isEmpty();
  }

  @Test
  void knownPacketIsRevalidatedWithIfModifiedSince() throws Exception {
    SignedPacket p = stored(1_700_000_000_123_456L);
    cache.offer(LookupItem.fromPacket(info, "pkarr", p));
    LookupItem item = get().orElseThrow();
    assertThat(relay.requests.get(0).headers().getFirst("If-Modified-Since"))
        .isEqualTo("Tue, 14 Nov 2023 22:13:20 GMT");
    assertThat(item.packet()).contains(p);
    // the relay answered 304 (its packet is not newer than that second), so no body came back
    assertThat(relay.requests).hasSize(1);
  }

  @Test
  void emptyOkIsRetriedOnceWithoutCaching() throws Exception {
    stored(rt.clock().nowMicros());
    relay.script.add(TestRelay.Scripted.of(200));
    assertThat(get()).isPresent();
    assertThat(relay.requests).hasSize(2);
    assertThat(relay.requests.get(1).headers().getFirst("Cache-Control"))
        .isEqualTo("no-cache, no-store, must-revalidate");
  }

  @Test
  void unexpected304IsRetriedOnce() throws Exception {
    stored(rt.clock().nowMicros());
    relay.script.add(TestRelay.Scripted.of(304));
    assertThat(get()).isPresent();
    assertThat(relay.requests).hasSize(2);
  }

  @Test
  void payloadSignedByAnotherKeyIsRejected() {
    SecretKey other = Fixtures.key(21);
    SignedPacket foreign = Fixtures.packet(other, Fixtures.info(other, "https://evil.example/"), 30, 1);
    relay.script.add(new TestRelay.Scripted(200, java.util.Map.of(), foreign.toRelayPayload()));
    assertThatThrownBy(this::get).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(ResolveException.class).hasMessageContaining("does not verify");
  }

  @Test
  void unknownAttributeKeyInThePacketIsRejectedAsIrohDoes() {
    SignedPacket bad = SignedPacket.builder()
        .txt("_iroh", 30, "relay=https://relay.example./")
        .txt("_iroh", 30, "colour=blue")
        .sign(key, 1_700_000_000_000_000L);
    relay.store.put(key.publicKey(), bad);
    assertThatThrownBy(this::get).cause().isInstanceOf(ResolveException.class)
        .hasMessageContaining("invalid _iroh record set");
  }

  @Test
  void otherStatusesAreErrorsNamingTheStatus() {
    relay.script.add(TestRelay.Scripted.of(429, "Retry-After", "4"));
    assertThatThrownBy(this::get).cause().isInstanceOf(ResolveException.class)
        .hasMessageContaining("HTTP 429").hasMessageContaining("retry after 4 s");
  }

  /**
   * A relay that ignores If-Modified-Since and answers 200 with an older packet than the known
   * one has nothing for us: "not found", as in pkarr, not the known packet made fresh again by
   * that relay's max-age and Memento-Datetime.
   */
  @Test
  void anOlderPacketInA200IsNotFound() throws Exception {
    SignedPacket newer = Fixtures.packet(key, info, 30, 2_000_000_000_000_000L);
    cache.offer(LookupItem.fromPacket(info, "pkarr", newer));
    SignedPacket older = Fixtures.packet(key, info, 30, 1_000_000_000_000_000L);
    relay.script.add(new TestRelay.Scripted(200, java.util.Map.of("Cache-Control", "max-age=300"),
        older.toRelayPayload()));
    assertThat(get()).isEmpty();
  }

  @Test
  void olderPacketFromTheRelayDoesNotReplaceTheKnownOne() throws Exception {
    SignedPacket newer = Fixtures.packet(key, info, 30, 2_000_000_000_000_000L);
    cache.offer(LookupItem.fromPacket(info, "pkarr", newer));
    stored(1_000_000_000_000_000L); // older than IMS: 304
    assertThat(get().orElseThrow().packet()).contains(newer);
  }
}
