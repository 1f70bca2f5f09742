package dev.keyway.ops.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.addr.RelayUrl;
import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.addr.TransportAddr;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.lookup.ClientRuntime;
import dev.keyway.client.lookup.LookupItem;
import dev.keyway.client.lookup.LookupStream;
import dev.keyway.client.lookup.LookupSummary;
import dev.keyway.client.lookup.Resolver;
import dev.keyway.client.publish.AddrFilter;
import dev.keyway.client.publish.PkarrPublisher;
import dev.keyway.client.publish.PublishOutcome;
import dev.keyway.client.record.EndpointInfo;
import dev.keyway.client.resolve.DnsLookup;
import dev.keyway.client.resolve.PkarrRelayLookup;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Embedding the client" example, the same calls in the same order, against a real
 * local keyway on ephemeral ports (the README uses `keyway up`'s fixed ones).
 */
class EmbeddingExampleTest {
  @Test
  void theReadmeExamplePublishesAndResolves(@TempDir Path dir) throws Exception {
    try (LocalKeyway keyway = LocalKeyway.start(dir)) {
      URI relay = keyway.irohPkarr();
      InetSocketAddress dns = keyway.dnsAddress();

      // ---- from README.md, "Embedding the client" ----
      SecretKey key = SecretKey.generate(new SecureRandom());
      try (ClientRuntime rt = ClientRuntime.create()) {
        try (PkarrPublisher publisher = PkarrPublisher.builder(rt, key)
                .relay(relay)
                .addrFilter(AddrFilter.unfiltered()) // iroh publishes relay URLs only, the default
                .build();
            Resolver resolver = Resolver.builder(rt)
                .lookup(r -> DnsLookup.builder(r, "keyway.localhost.").nameserver(dns).build())
                .lookup(r -> PkarrRelayLookup.builder(r, relay).build())
                .build()) {
          // publishNow(info) sets the info and sends it at once, reporting each relay's answer;
          // publish(info) alone does the same in the background (fire and forget).
          List<PublishOutcome> round = publisher.publishNow(EndpointInfo.of(key.publicKey(),
              new TransportAddr.Relay(RelayUrl.parse("https://relay.example./")),
              new TransportAddr.Ip(SocketAddr.parse("192.0.2.7:4433")))).get(10, TimeUnit.SECONDS);

          LookupStream stream = resolver.resolve(key.publicKey());
          Optional<LookupItem> found = stream.first().get(10, TimeUnit.SECONDS);
          // Empty means "not found" by at least one source; why each source answered what it did
          // (a relay that failed, a timeout) is in the summary:
          LookupSummary summary = stream.done().get(10, TimeUnit.SECONDS);
          // ---- end of the README's example ----

          assertThat(round).singleElement().extracting(PublishOutcome::status)
              .isEqualTo(PublishOutcome.Status.PUBLISHED);
          assertThat(found).isPresent();
          assertThat(found.get().endpointInfo().ipAddrs()).containsExactly(SocketAddr.parse("192.0.2.7:4433"));
          assertThat(summary.outcomes()).hasSize(2);
        }
      }
    }
  }
}
