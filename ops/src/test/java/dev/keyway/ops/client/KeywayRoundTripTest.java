package dev.keyway.ops.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.lookup.ClientRuntime;
import dev.keyway.client.lookup.Fixtures;
import dev.keyway.client.lookup.LookupItem;
import dev.keyway.client.lookup.LookupSummary;
import dev.keyway.client.lookup.Resolver;
import dev.keyway.client.lookup.SourceOutcome;
import dev.keyway.client.publish.AddrFilter;
import dev.keyway.client.publish.PkarrPublisher;
import dev.keyway.client.publish.PublishOutcome;
import dev.keyway.client.record.EndpointInfo;
import dev.keyway.client.record.UserData;
import dev.keyway.client.resolve.DnsLookup;
import dev.keyway.client.resolve.DohLookup;
import dev.keyway.client.resolve.PkarrRelayLookup;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Publish through each kind of relay URL of a real local keyway (iroh-style {@code /pkarr} on the
 * iroh API, pkarr relay on its own port), then resolve through every lookup: DNS (UDP), DoH and
 * both relay APIs; and a merged lookup with one source down.
 */
class KeywayRoundTripTest {
  @TempDir static Path dir;
  static LocalKeyway keyway;
  static ClientRuntime rt;

  @BeforeAll
  static void start() throws Exception {
    keyway = LocalKeyway.start(dir);
    rt = ClientRuntime.create();
  }

  @AfterAll
  static void stop() throws Exception {
    rt.close();
    keyway.close();
  }

  private static EndpointInfo publish(SecretKey key, URI to) throws Exception {
    EndpointInfo info = Fixtures.info(key, "https://relay.example./", "192.0.2.80:4433")
        .withUserData(UserData.of("via " + to.getPath()));
    try (PkarrPublisher pub = PkarrPublisher.builder(rt, key).relay(to).addrFilter(AddrFilter.unfiltered()).build()) {
      pub.publish(info);
      List<PublishOutcome> round = pub.publishNow().get(30, TimeUnit.SECONDS);
      assertThat(round.get(0).status()).as(round.get(0).detail()).isEqualTo(PublishOutcome.Status.PUBLISHED);
    }
    return info;
  }

  private static void resolvesEverywhere(SecretKey key, EndpointInfo info) throws Exception {
    DnsLookup dns = DnsLookup.builder(rt, LocalKeyway.ORIGIN).nameserver(keyway.dnsAddress()).build();
    DohLookup doh = DohLookup.builder(rt, keyway.doh(), LocalKeyway.ORIGIN).build();
    PkarrRelayLookup iroh = PkarrRelayLookup.builder(rt, keyway.irohPkarr()).build();
    PkarrRelayLookup pkarr = PkarrRelayLookup.builder(rt, keyway.pkarrRelay()).build();
    for (var lookup : List.of(dns.lookup(key.publicKey()), doh.lookup(key.publicKey()),
        iroh.lookup(key.publicKey()), pkarr.lookup(key.publicKey()))) {
      LookupItem item = lookup.get(30, TimeUnit.SECONDS).orElseThrow();
      assertThat(item.endpointInfo()).as(item.provenance()).isEqualTo(info);
    }
    LookupItem viaDns = dns.lookup(key.publicKey()).get(30, TimeUnit.SECONDS).orElseThrow();
    assertThat(viaDns.ttl()).contains(Duration.ofSeconds(30));
  }

  @Test
  void publishViaIrohApiResolveViaDnsDohAndBothRelays() throws Exception {
    SecretKey key = Fixtures.key(601);
    resolvesEverywhere(key, publish(key, keyway.irohPkarr()));
  }

  @Test
  void publishViaPkarrRelayResolveViaDnsDohAndBothRelays() throws Exception {
    SecretKey key = Fixtures.key(602);
    resolvesEverywhere(key, publish(key, keyway.pkarrRelay()));
  }

  @Test
  void unknownKeyIsNotFoundEverywhere() throws Exception {
    SecretKey nobody = Fixtures.key(603);
    try (Resolver r = Resolver.builder(rt)
        .lookup(DnsLookup.builder(rt, LocalKeyway.ORIGIN).nameserver(keyway.dnsAddress()).build())
        .lookup(DohLookup.builder(rt, keyway.doh(), LocalKeyway.ORIGIN).build())
        .lookup(PkarrRelayLookup.builder(rt, keyway.pkarrRelay()).build())
        .build()) {
      LookupSummary s = r.resolve(nobody.publicKey()).done().get(30, TimeUnit.SECONDS);
      assertThat(s.notFound()).isTrue();
      assertThat(s.outcomes()).extracting(SourceOutcome::status).containsOnly(SourceOutcome.Status.NOT_FOUND);
    }
  }

  @Test
  void mergedLookupAnswersWhenOneSourceIsDown() throws Exception {
    SecretKey key = Fixtures.key(604);
    EndpointInfo info = publish(key, keyway.irohPkarr());
    URI down;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      down = URI.create("http://127.0.0.1:" + s.getLocalPort());
    }
    try (Resolver r = Resolver.builder(rt)
        .lookup(PkarrRelayLookup.builder(rt, down).build())
        .lookup(DnsLookup.builder(rt, LocalKeyway.ORIGIN).nameserver(keyway.dnsAddress()).build())
        .build()) {
      var stream = r.resolve(key.publicKey());
      assertThat(stream.first().get(30, TimeUnit.SECONDS).orElseThrow().endpointInfo()).isEqualTo(info);
      LookupSummary s = stream.done().get(30, TimeUnit.SECONDS);
      assertThat(s.outcomes()).extracting(SourceOutcome::status)
          .containsExactly(SourceOutcome.Status.FAILED, SourceOutcome.Status.FOUND);
    }
  }
}
