package dev.keyway.client.resolve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.lookup.ClientRuntime;
import dev.keyway.client.lookup.Fixtures;
import dev.keyway.client.lookup.LookupItem;
import dev.keyway.client.lookup.LookupStream;
import dev.keyway.client.lookup.Resolver;
import dev.keyway.client.record.EndpointInfo;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Where a resolver's callbacks run, against a real DNS responder and relay on 127.0.0.1: on the
 * loop by default, on the application's executor when the runtime has one, where a callback
 * may then wait for another lookup of the same runtime.
 */
class CallbackThreadsTest {
  private static final String ORIGIN = "keyway.localhost.";
  private static final String PREFIX = "app-callback-";
  private final SecretKey a = Fixtures.key(71);
  private final SecretKey b = Fixtures.key(72);
  private TestDnsServer dns;
  private TestRelay relay;
  private ExecutorService pool;
  /** Holds the DNS server's answers until opened (UDP and TCP both wait). */
  private final CountDownLatch answer = new CountDownLatch(1);

  @BeforeEach
  void start() throws Exception {
    dns = new TestDnsServer();
    relay = new TestRelay("/pkarr", ORIGIN);
    AtomicInteger n = new AtomicInteger();
    pool = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, PREFIX + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    for (SecretKey k : List.of(a, b)) {
      dns.put("_iroh." + k.publicKey().toZ32() + "." + ORIGIN, "relay=https://relay.example./");
    }
    dns.behaviour = q -> {
      try {
        answer.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return dns.answer(q);
    };
  }

  @AfterEach
  void stop() throws Exception {
    answer.countDown();
    dns.close();
    relay.close();
    pool.shutdownNow();
  }

  private Resolver resolver(ClientRuntime rt, boolean withRelay) {
    Resolver.Builder builder = Resolver.builder(rt)
        .lookup(r -> DnsLookup.builder(r, ORIGIN).nameserver(dns.address()).build());
    if (withRelay) {
      builder.lookup(r -> PkarrRelayLookup.builder(r, relay.base()).build());
    }
    return builder.build();
  }

  /** Thread names of a stream's callbacks, registered before any answer can arrive. */
  private record Seen(CompletableFuture<String> first, CompletableFuture<String> done, List<String> items) {
    static Seen watch(LookupStream s) {
      List<String> items = new CopyOnWriteArrayList<>();
      s.onItem(i -> items.add(Thread.currentThread().getName()));
      return new Seen(s.first().thenApply(i -> Thread.currentThread().getName()),
          s.done().thenApply(x -> Thread.currentThread().getName()), items);
    }

    List<String> all() throws Exception {
      List<String> names = new java.util.ArrayList<>();
      names.add(first.get(30, TimeUnit.SECONDS));
      names.add(done.get(30, TimeUnit.SECONDS)); // after the last item's listener call
      names.addAll(items);
      return names;
    }
  }

  @Test
  void byDefaultDnsCallbacksRunOnTheLoopThread() throws Exception {
    try (ClientRuntime rt = ClientRuntime.create(); Resolver resolver = resolver(rt, false)) {
      Seen seen = Seen.watch(resolver.resolve(a.publicKey()));
      answer.countDown();
      assertThat(seen.all()).hasSize(3).allMatch(t -> t.startsWith("keyway-client-loop-"));
    }
  }

  /** DNS answers (loop) and relay answers (a JDK thread) both reach callbacks on the executor. */
  @Test
  void withAnExecutorEveryCallbackRunsOnIt() throws Exception {
    EndpointInfo info = Fixtures.info(a, "https://relay.example./");
    relay.store.put(a.publicKey(), Fixtures.packet(a, info, 30, System.currentTimeMillis() * 1000));
    relay.holdGets = answer;
    try (ClientRuntime rt = ClientRuntime.builder().callbackExecutor(pool).build();
        Resolver resolver = resolver(rt, true)) {
      LookupStream stream = resolver.resolve(a.publicKey());
      Seen seen = Seen.watch(stream);
      answer.countDown();
      assertThat(seen.all()).hasSize(4).allMatch(t -> t.startsWith(PREFIX));
      assertThat(stream.done().get(30, TimeUnit.SECONDS).items()).extracting(LookupItem::provenance)
          .containsExactlyInAnyOrder("dns", "pkarr");
    }
  }

  /**
   * A service's resolve() called by the application directly, not through a resolver, hands out
   * a stream whose callbacks run on the executor too.
   */
  @Test
  void aServiceCalledDirectlyDeliversOnTheExecutor() throws Exception {
    EndpointInfo info = Fixtures.info(a, "https://relay.example./");
    relay.store.put(a.publicKey(), Fixtures.packet(a, info, 30, System.currentTimeMillis() * 1000));
    relay.holdGets = answer;
    try (ClientRuntime rt = ClientRuntime.builder().callbackExecutor(pool).build()) {
      Seen dnsSeen = Seen.watch(DnsLookup.builder(rt, ORIGIN).nameserver(dns.address()).build()
          .resolve(a.publicKey()));
      Seen relaySeen = Seen.watch(PkarrRelayLookup.builder(rt, relay.base()).build().resolve(a.publicKey()));
      answer.countDown();
      assertThat(dnsSeen.all()).hasSize(3).allMatch(t -> t.startsWith(PREFIX));
      assertThat(relaySeen.all()).hasSize(3).allMatch(t -> t.startsWith(PREFIX));
    }
  }

  /**
   * A callback that waits for a second lookup of the same runtime: on the loop (the old and
   * default behaviour) it held the thread that had to read the second answer, so the second
   * lookup stalled; on the executor it completes. The wait is bounded, so a stall fails.
   */
  @Test
  void aCallbackWaitingForAnotherLookupNoLongerStallsIt() throws Exception {
    try (ClientRuntime rt = ClientRuntime.builder().callbackExecutor(pool).build();
        Resolver resolver = resolver(rt, false)) {
      CompletableFuture<String> second = resolver.resolve(a.publicKey()).first().thenApply(item -> {
        try {
          Optional<LookupItem> other = resolver.resolve(b.publicKey()).first().get(5, TimeUnit.SECONDS);
          return other.map(LookupItem::provenance).orElse("not found");
        } catch (TimeoutException e) {
          return "the second lookup stalled";
        } catch (Exception e) {
          return e.toString();
        }
      });
      answer.countDown();
      assertThat(second.get(30, TimeUnit.SECONDS)).isEqualTo("dns");
    }
  }
}
