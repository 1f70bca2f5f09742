package dev.keyway.ops.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.lookup.ClientRuntime;
import dev.keyway.client.lookup.Fixtures;
import dev.keyway.client.lookup.LookupItem;
import dev.keyway.client.lookup.Resolver;
import dev.keyway.client.lookup.TtlCache;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.client.publish.AddrFilter;
import dev.keyway.client.publish.PkarrPublisher;
import dev.keyway.client.publish.PublishOutcome;
import dev.keyway.client.record.EndpointInfo;
import dev.keyway.client.resolve.PkarrRelayLookup;
import dev.keyway.relay.RelayConfig;
import dev.keyway.relay.RelayServer;
import dev.keyway.relay.ratelimit.Quota;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against the real keyway pkarr relay (Vert.x + H2, port 0): publish through a
 * pkarr-style base URL and an iroh-style {@code /pkarr} base URL, resolve through the relay
 * lookup; the stale (409) and rate-limit (429) paths.
 */
class RelayRoundTripTest {
  @TempDir Path dir;
  private final java.util.List<AutoCloseable> open = new java.util.ArrayList<>();
  private final SecretKey key = Fixtures.key(501);
  private final EndpointInfo info = Fixtures.info(key, "https://relay.example./", "192.0.2.44:4433")
      .withUserData(dev.keyway.client.record.UserData.of("round trip"));

  private RelayServer relay(String basePath, UnaryOperator<RelayConfig.Builder> customize) {
    RelayConfig config = customize.apply(RelayConfig.builder()
        .http(new RelayConfig.Http("127.0.0.1", 0, basePath, RelayConfig.DEFAULT_MAX_FUTURE_SKEW, 1,
            Duration.ofSeconds(5)))
        .metrics(new RelayConfig.Metrics(false, "127.0.0.1", 0))
        .dataDir(dir.resolve("relay" + open.size()))).build();
    RelayServer s = RelayServer.builder(config).build().start();
    open.add(s);
    return s;
  }

  private ClientRuntime runtime() {
    ClientRuntime rt = ClientRuntime.create();
    open.add(rt);
    return rt;
  }

  @AfterEach
  void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  @Test
  void publishToBothKindsOfRelayUrlThenResolveFromEach() throws Exception {
    RelayServer pkarrStyle = relay("/", b -> b);
    RelayServer irohStyle = relay("/pkarr", b -> b);
    assertThat(irohStyle.url().getPath()).isEqualTo("/pkarr");
    ClientRuntime rt = runtime();
    try (PkarrPublisher pub = PkarrPublisher.builder(rt, key)
        .relay(pkarrStyle.url()).relay(URI.create(irohStyle.url() + "/"))
        .addrFilter(AddrFilter.unfiltered()).build()) {
      pub.publish(info);
      List<PublishOutcome> round = pub.publishNow().get(30, TimeUnit.SECONDS);
      assertThat(round).extracting(PublishOutcome::status)
          .containsExactly(PublishOutcome.Status.PUBLISHED, PublishOutcome.Status.PUBLISHED);
      assertThat(round).extracting(PublishOutcome::httpStatus).containsOnly(204);
    }
    for (RelayServer s : List.of(pkarrStyle, irohStyle)) {
      TtlCache cache = new TtlCache(rt.clock());
      PkarrRelayLookup lookup = PkarrRelayLookup.builder(rt, s.url()).knownPackets(cache::knownPacket).build();
      LookupItem item = lookup.lookup(key.publicKey()).get(30, TimeUnit.SECONDS).orElseThrow();
      assertThat(item.endpointInfo()).isEqualTo(info);
      assertThat(item.provenance()).isEqualTo("pkarr");
      // The packet's own TTL (30 s) from the answer, which the cache counts from the relay's
      // Memento-Datetime (the PUT, a second or so ago): under the relay's max-age (300 s).
      assertThat(item.ttl().orElseThrow()).as("packet TTL under the relay's max-age")
          .isBetween(Duration.ofSeconds(30), Duration.ofSeconds(40));
      // revalidation with If-Modified-Since against the real relay (304 path) keeps the packet
      cache.offer(item);
      LookupItem again = lookup.lookup(key.publicKey()).get(30, TimeUnit.SECONDS).orElseThrow();
      assertThat(again.packet()).isEqualTo(item.packet());
    }
    assertThat(PkarrRelayLookup.builder(rt, pkarrStyle.url()).build()
        .lookup(Fixtures.key(502).publicKey()).get(30, TimeUnit.SECONDS)).isEmpty();
  }

  @Test
  void resolverMergesRelaysAndCaches() throws Exception {
    RelayServer a = relay("/", b -> b);
    ClientRuntime rt = runtime();
    try (PkarrPublisher pub = PkarrPublisher.builder(rt, key).relay(a.url()).addrFilter(AddrFilter.unfiltered()).build()) {
      pub.publish(info);
      pub.publishNow().get(30, TimeUnit.SECONDS);
    }
    TtlCache cache = new TtlCache(rt.clock());
    try (Resolver r = Resolver.builder(rt).cache(cache)
        .lookup(PkarrRelayLookup.builder(rt, a.url()).knownPackets(cache::knownPacket).build())
        .build()) {
      Optional<LookupItem> first = r.resolve(key.publicKey()).first().get(30, TimeUnit.SECONDS);
      assertThat(first.orElseThrow().endpointInfo()).isEqualTo(info);
      assertThat(r.resolve(key.publicKey()).sourceNames()).containsExactly("cache");
    }
  }

  @Test
  void staleAnswerFromTheRealRelayIsOvertaken() throws Exception {
    RelayServer relay = relay("/", b -> b);
    ClientRuntime rt = runtime();
    // another instance with the same key published 10 minutes "in the future"
    long theirs = rt.clock().nowMicros() + Duration.ofMinutes(10).toNanos() / 1000;
    SignedPacket newer = Fixtures.packet(key, Fixtures.info(key, "https://elsewhere.example./"), 30, theirs);
    assertThat(relay.store().upsert(newer).get(30, TimeUnit.SECONDS)).isNotNull();
    LinkedBlockingQueue<PublishOutcome> outcomes = new LinkedBlockingQueue<>();
    try (PkarrPublisher pub = PkarrPublisher.builder(rt, key).relay(relay.url()).listener(outcomes::add).build()) {
      pub.publish(info);
      PublishOutcome o = outcomes.poll(30, TimeUnit.SECONDS);
      assertThat(o).isNotNull();
      assertThat(o.status()).isEqualTo(PublishOutcome.Status.PUBLISHED);
      assertThat(o.timestampMicros()).isGreaterThan(theirs);
      assertThat(o.detail()).contains("moving the timestamp");
    }
    LookupItem item = PkarrRelayLookup.builder(rt, relay.url()).build()
        .lookup(key.publicKey()).get(30, TimeUnit.SECONDS).orElseThrow();
    assertThat(item.endpointInfo().relayUrls()).extracting(Object::toString).containsExactly("https://relay.example./");
  }

  @Test
  void rateLimitedRelayIsRetriedAfterRetryAfter() throws Exception {
    RelayServer relay = relay("/", b -> b.rateLimit(new RelayConfig.RateLimit(false, Quota.parse("1r/m", 1L))));
    ClientRuntime rt = runtime();
    LinkedBlockingQueue<PublishOutcome> outcomes = new LinkedBlockingQueue<>();
    try (PkarrPublisher pub = PkarrPublisher.builder(rt, key).relay(relay.url()).listener(outcomes::add).build()) {
      pub.publish(info);
      assertThat(outcomes.poll(30, TimeUnit.SECONDS).status()).isEqualTo(PublishOutcome.Status.PUBLISHED);
      pub.publish(Fixtures.info(key, "https://moved.example./"));
      PublishOutcome limited = outcomes.poll(30, TimeUnit.SECONDS);
      assertThat(limited.status()).isEqualTo(PublishOutcome.Status.RATE_LIMITED);
      assertThat(limited.httpStatus()).isEqualTo(429);
      assertThat(limited.nextAttemptIn().orElseThrow()).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
      assertThat(limited.detail()).contains("retry after");
    }
  }
}
