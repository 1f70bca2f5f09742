package dev.keyway.client.lookup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.client.addr.EndpointAddr;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.record.EndpointInfo;
import dev.keyway.client.ticket.EndpointTicket;
import dev.keyway.client.ticket.TicketFormatException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ResolverTest {
  private final ManualScheduler time = new ManualScheduler();
  private final SecretKey key = Fixtures.key(5);
  private final EndpointInfo info = Fixtures.info(key, "https://relay.example/");

  /** A service that answers from a table after the test completes its future. */
  static final class Scripted implements AddressLookup {
    final String provenance;
    final List<CompletableFuture<Optional<LookupItem>>> calls = new ArrayList<>();
    final AtomicInteger resolves = new AtomicInteger();

    Scripted(String provenance) {
      this.provenance = provenance;
    }

    @Override
    public String provenance() {
      return provenance;
    }

    @Override
    public synchronized LookupStream resolve(PublicKey id) {
      resolves.incrementAndGet();
      CompletableFuture<Optional<LookupItem>> f = new CompletableFuture<>();
      calls.add(f);
      return LookupStream.of(provenance, f);
    }
  }

  private Resolver resolver(AddressLookup... services) {
    Resolver.Builder b = Resolver.builder().runtimeSettings(ClientRuntime.builder().scheduler(time));
    for (AddressLookup s : services) {
      b.lookup(s);
    }
    return b.build();
  }

  @Test
  void ticketsResolveAtOnceWithoutNetwork() throws Exception {
    AddressLookup forbidden = new AddressLookup() {
      @Override
      public String provenance() {
        return "network";
      }

      @Override
      public LookupStream resolve(PublicKey id) {
        throw new AssertionError("a ticket without refresh must not touch discovery");
      }
    };
    EndpointAddr addr = EndpointAddr.builder(key.publicKey()).relay("https://relay.example").ip("192.0.2.7:4433").build();
    String ticket = EndpointTicket.of(addr).toString();
    try (Resolver r = resolver(forbidden)) {
      LookupStream s = r.resolveTicket(ticket, false);
      assertThat(s.isDone()).isTrue();
      LookupItem item = s.first().getNow(null).orElseThrow();
      assertThat(item.provenance()).isEqualTo("ticket");
      assertThat(item.toEndpointAddr()).isEqualTo(addr);
      assertThatThrownBy(() -> r.resolveTicket("endpointnotaticket", false))
          .isInstanceOf(TicketFormatException.class);
    }
  }

  @Test
  void ticketWithRefreshGivesTicketFirstThenDiscovery() throws Exception {
    Scripted dns = new Scripted("dns");
    try (Resolver r = resolver(dns)) {
      LookupStream s = r.resolve(EndpointAddr.of(key.publicKey()), true);
      assertThat(s.first().getNow(null).orElseThrow().provenance()).isEqualTo("ticket");
      dns.calls.get(0).complete(Optional.of(LookupItem.of(info, "dns")));
      assertThat(s.done().get().items()).extracting(LookupItem::provenance).containsExactly("ticket", "dns");
    }
  }

  /**
   * Cancelling a ticket-with-refresh stream stops the lookup it started, as cancelling a plain
   * resolve does: the merge dropped the view's hook, so the lookup ran on to its timeouts and its
   * reader was never released (found by a review).
   */
  @Test
  void cancellingATicketRefreshStopsItsDiscovery() {
    Scripted dns = new Scripted("dns");
    try (Resolver r = resolver(dns)) {
      LookupStream ticket = r.resolve(EndpointAddr.of(key.publicKey()), true);
      assertThat(dns.calls).hasSize(1);
      assertThat(ticket.cancel()).isTrue();
      assertThat(dns.calls.get(0)).isCancelled();

      // Shared with a plain resolve: only the last reader's cancel stops it.
      LookupStream refresh = r.resolve(EndpointAddr.of(key.publicKey()), true);
      LookupStream plain = r.resolve(key.publicKey());
      assertThat(dns.calls).hasSize(2);
      refresh.cancel();
      assertThat(dns.calls.get(1)).isNotCancelled();
      plain.cancel();
      assertThat(dns.calls.get(1)).isCancelled();

      // A reader is released once however often it is cancelled, here through a merge of an
      // already cancelled refresh with another: the shared lookup stays for its other reader.
      LookupStream cancelled = r.resolve(EndpointAddr.of(key.publicKey()), true);
      LookupStream other = r.resolve(key.publicKey());
      cancelled.cancel();
      LookupStream elsewhere = r.resolve(EndpointAddr.of(Fixtures.key(6).publicKey()), true);
      assertThat(LookupStream.merge(cancelled, elsewhere).cancel()).isTrue();
      assertThat(dns.calls.get(2)).isNotCancelled();
      assertThat(dns.calls.get(3)).isCancelled();
      other.cancel();
      assertThat(dns.calls.get(2)).isCancelled();
    }
  }

  @Test
  void cacheAnswersWhileFreshThenDiscoveryAgain() throws Exception {
    Scripted dns = new Scripted("dns");
    try (Resolver r = resolver(dns)) {
      LookupStream first = r.resolve(key.publicKey());
      dns.calls.get(0).complete(Optional.of(LookupItem.of(info, "dns").withTtl(Duration.ofSeconds(60))));
      assertThat(first.first().get()).isPresent();

      time.advance(Duration.ofSeconds(59));
      LookupStream hit = r.resolve(key.publicKey());
      assertThat(hit.sourceNames()).containsExactly("cache");
      assertThat(hit.first().getNow(null).orElseThrow().provenance()).isEqualTo("dns");
      assertThat(dns.resolves).hasValue(1);

      time.advance(Duration.ofSeconds(1));
      r.resolve(key.publicKey());
      assertThat(dns.resolves).hasValue(2);
    }
  }

  @Test
  void aResolverWithoutLookupsAndAnUnresolvedNameserverAreRefused() {
    // it would answer "not found" for every id, like an unpublished node
    assertThatThrownBy(() -> Resolver.builder().build()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("at least one lookup");
    try (ClientRuntime rt = ClientRuntime.create()) {
      assertThatThrownBy(() -> dev.keyway.client.resolve.DnsLookup.builder(rt, "keyway.localhost.")
          .nameserver(java.net.InetSocketAddress.createUnresolved("ns.example", 53)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ns.example:53");
    }
  }

  @Test
  void concurrentResolvesOfOneIdShareOneLookupUntilTheLastReaderCancels() throws Exception {
    Scripted dns = new Scripted("dns");
    Resolver r = resolver(dns);
    List<LookupStream> readers = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      readers.add(r.resolve(key.publicKey()));
    }
    assertThat(dns.resolves.get()).as("one set of queries").isEqualTo(1);
    // one reader gives up: the others still get the answer
    readers.get(0).cancel();
    assertThat(dns.calls.get(0)).isNotCancelled();
    dns.calls.get(0).complete(Optional.of(LookupItem.of(info, "dns")));
    for (LookupStream reader : readers.subList(1, 20)) {
      assertThat(reader.first().get(5, java.util.concurrent.TimeUnit.SECONDS)).isPresent();
    }
    assertThat(readers.get(0).done().join().outcomes().get(0).status())
        .isEqualTo(SourceOutcome.Status.CANCELLED);
    // after it ended, a refresh asks again; when every reader cancels, the lookup stops
    LookupStream a = r.refresh(key.publicKey());
    LookupStream b = r.refresh(key.publicKey());
    assertThat(dns.resolves.get()).isEqualTo(2);
    a.cancel();
    assertThat(dns.calls.get(1)).isNotCancelled();
    b.cancel();
    assertThat(dns.calls.get(1)).isCancelled();
    r.close();
  }

  /**
   * A signed answer older than the packet the cache has seen (a lagging relay) is "not found",
   * as in pkarr, even once the cached one has expired: the caller never gets addresses the
   * endpoint has replaced, and the cache keeps the newer packet.
   */
  @Test
  void anAnswerOlderThanTheCachedPacketIsNotHandedOut() throws Exception {
    Scripted relay = new Scripted("pkarr");
    Resolver r = resolver(relay);
    TtlCache cache = r.cache().orElseThrow();
    dev.keyway.client.packet.SignedPacket newer = Fixtures.packet(key, info, 30, time.now());
    EndpointInfo oldInfo = Fixtures.info(key, "https://old.example/");
    dev.keyway.client.packet.SignedPacket older =
        Fixtures.packet(key, oldInfo, 30, time.now() - 1_000_000);
    cache.offer(LookupItem.fromPacket(info, "pkarr", newer));
    time.advance(Duration.ofSeconds(31)); // expired: the next resolve asks the network
    LookupStream stream = r.resolve(key.publicKey());
    relay.calls.get(0).complete(Optional.of(LookupItem.fromPacket(oldInfo, "pkarr", older)));
    assertThat(stream.first().get(5, java.util.concurrent.TimeUnit.SECONDS)).isEmpty();
    assertThat(cache.knownPacket(key.publicKey())).contains(newer);
    // A newer answer still goes through.
    dev.keyway.client.packet.SignedPacket newest = Fixtures.packet(key, oldInfo, 30, time.now());
    LookupStream again = r.resolve(key.publicKey());
    relay.calls.get(1).complete(Optional.of(LookupItem.fromPacket(oldInfo, "pkarr", newest)));
    assertThat(again.first().get(5, java.util.concurrent.TimeUnit.SECONDS).orElseThrow()
        .packet()).contains(newest);
    r.close();
  }

  @Test
  void aReaderIsAnsweredOnlyOnceTheCacheHasTheItem() {
    Scripted dns = new Scripted("dns");
    Resolver r = resolver(dns);
    LookupStream reader = r.resolve(key.publicKey());
    java.util.concurrent.atomic.AtomicBoolean cachedWhenAnswered = new java.util.concurrent.atomic.AtomicBoolean();
    reader.first().thenRun(() -> cachedWhenAnswered.set(
        r.cache().orElseThrow().getFresh(key.publicKey()).isPresent()));
    dns.calls.get(0).complete(Optional.of(LookupItem.of(info, "dns")));
    assertThat(cachedWhenAnswered).as("a resolve right after the answer is a cache hit").isTrue();
    r.close();
  }

  @Test
  void aRefreshAfterAnAnswerAsksAgainEvenWhileTheFirstLookupRuns() {
    Scripted dns = new Scripted("dns");
    Scripted slow = new Scripted("pkarr");
    Resolver r = resolver(dns, slow);
    LookupStream first = r.resolve(key.publicKey());
    dns.calls.get(0).complete(Optional.of(LookupItem.of(info, "dns")));
    assertThat(first.isDone()).as("the slow source is still out").isFalse();
    r.refresh(key.publicKey());
    assertThat(dns.resolves.get()).isEqualTo(2);
    r.close();
  }

  @Test
  void closeCancelsRunningLookups() {
    Scripted dns = new Scripted("dns");
    Resolver r = resolver(dns);
    LookupStream s = r.resolve(key.publicKey());
    r.close();
    assertThat(dns.calls.get(0)).isCancelled();
    assertThat(s.done().join().outcomes().get(0).status()).isEqualTo(SourceOutcome.Status.CANCELLED);
    assertThatThrownBy(() -> r.resolve(key.publicKey())).isInstanceOf(IllegalStateException.class);
  }
}
