package dev.keyway.client.resolve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.lookup.ClientRuntime;
import dev.keyway.client.lookup.Fixtures;
import dev.keyway.client.lookup.LookupItem;
import dev.keyway.client.lookup.ManualScheduler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;

/** iroh's staggering schedule, checked with a manual clock and a scripted transport. */
class DnsStaggeringTest {
  private final ManualScheduler time = new ManualScheduler();
  private final SecretKey key = Fixtures.key(11);
  private final List<Long> sentAt = new ArrayList<>();
  private final List<CompletableFuture<Message>> sent = new ArrayList<>();
  private final List<Message> queries = new ArrayList<>();
  private ClientRuntime rt;

  private DnsLookup lookup(double jitter, long seed) {
    rt = ClientRuntime.builder().scheduler(time).random(new SplittableRandom(seed)).build();
    return DnsLookup.builder(rt, "keyway.localhost.")
        .nameserver(new InetSocketAddress("127.0.0.1", 5300))
        .nameserver(new InetSocketAddress("127.0.0.2", 5300))
        .jitter(jitter)
        .transport(this::record)
        .build();
  }

  private synchronized CompletableFuture<Message> record(InetSocketAddress server, Message q) {
    sentAt.add(time.now());
    queries.add(q);
    CompletableFuture<Message> f = new CompletableFuture<>();
    sent.add(f);
    return f;
  }

  @AfterEach
  void close() {
    if (rt != null) {
      rt.close();
    }
  }

  private List<Long> offsetsMillis(long start) {
    return sentAt.stream().map(t -> (t - start) / 1000).toList();
  }

  @Test
  void queriesGoOutAtIrohOffsetsEachWithItsOwnTimeout() {
    long start = time.now();
    CompletableFuture<Optional<LookupItem>> result = lookup(0, 1).lookup(key.publicKey());
    assertThat(offsetsMillis(start)).containsExactly(0L);
    time.advance(Duration.ofMillis(3000));
    assertThat(offsetsMillis(start)).containsExactly(0L, 200L, 300L, 600L, 1000L, 2000L, 3000L);
    // the first query timed out at exactly 3 s, the others are still waiting
    assertThat(sent.get(0)).isCompletedExceptionally();
    assertThatCause(sent.get(0)).isInstanceOf(TimeoutException.class);
    assertThat(sent.subList(1, 7)).noneMatch(CompletableFuture::isDone);
    assertThat(result).isNotDone();
    time.advance(Duration.ofMillis(2999));
    assertThat(result).isNotDone();
    time.advance(Duration.ofMillis(1)); // 3000 + 3000 ms: the last attempt times out
    assertThat(result).isCompletedExceptionally();
    assertThat(time.pendingDelays()).isEmpty();
    // attempts rotate over the nameservers; each query has its own random id
    assertThat(queries.stream().map(q -> q.getHeader().getID()).distinct().count()).isGreaterThan(1);
  }

  private static org.assertj.core.api.AbstractThrowableAssert<?, ? extends Throwable> assertThatCause(CompletableFuture<?> f) {
    try {
      f.join();
      throw new AssertionError("not failed");
    } catch (java.util.concurrent.CompletionException e) {
      return org.assertj.core.api.Assertions.assertThat(e.getCause());
    }
  }

  @Test
  void jitterMovesEachOffsetByAtMostTwentyPercent() {
    long start = time.now();
    lookup(DnsLookup.DEFAULT_JITTER, 42).lookup(key.publicKey());
    time.advance(Duration.ofMillis(3600));
    List<Long> offsets = offsetsMillis(start);
    long[] nominal = {0, 200, 300, 600, 1000, 2000, 3000};
    assertThat(offsets).hasSize(7).first().isEqualTo(0L);
    List<Long> sorted = new ArrayList<>(offsets);
    sorted.sort(null);
    for (int i = 1; i < 7; i++) {
      long n = nominal[i];
      assertThat(sorted.get(i)).isBetween(n * 8 / 10 - 1, n * 12 / 10 + 1);
    }
    assertThat(offsets).isNotEqualTo(List.of(0L, 200L, 300L, 600L, 1000L, 2000L, 3000L));
  }

  @Test
  void firstDefinitiveAnswerCancelsTheRest() {
    CompletableFuture<Optional<LookupItem>> result = lookup(0, 1).lookup(key.publicKey());
    time.advance(Duration.ofMillis(300)); // three queries out
    assertThat(sent).hasSize(3);
    Message nx = TestDnsServer.reply(queries.get(1));
    nx.getHeader().setRcode(org.xbill.DNS.Rcode.NXDOMAIN);
    sent.get(1).complete(nx);
    assertThat(result.join()).isEmpty();
    assertThat(sent.get(0)).isCancelled();
    assertThat(sent.get(2)).isCancelled();
    assertThat(time.pendingDelays()).isEmpty();
    time.advance(Duration.ofSeconds(10));
    assertThat(sent).hasSize(3);
  }

  @Test
  void cancellingTheLookupStopsPendingQueriesAndTimers() {
    CompletableFuture<Optional<LookupItem>> result = lookup(0, 1).lookup(key.publicKey());
    time.advance(Duration.ofMillis(250));
    result.cancel(true);
    assertThat(sent).allMatch(CompletableFuture::isCancelled);
    assertThat(time.pendingDelays()).isEmpty();
  }

  private static Message refused(Message query) {
    Message m = TestDnsServer.reply(query);
    m.getHeader().setRcode(org.xbill.DNS.Rcode.REFUSED);
    return m;
  }

  /**
   * REFUSED from one of two nameservers leaves the other to ask; once both have refused (or
   * one refused and the other is unreachable) the lookup fails at once, with the reason, and
   * nothing more is sent.
   */
  @Test
  void lookupEndsOnceEveryNameserverHasRefused() {
    CompletableFuture<Optional<LookupItem>> result = lookup(0, 1).lookup(key.publicKey());
    time.advance(Duration.ofMillis(200)); // query 0 to 127.0.0.1, query 1 to 127.0.0.2
    sent.get(0).complete(refused(queries.get(0)));
    time.advance(Duration.ofMillis(100)); // query 2, to 127.0.0.1 again
    assertThat(result).isNotDone();
    sent.get(2).complete(refused(queries.get(2)));
    assertThat(result).isNotDone(); // 127.0.0.2 has not refused
    sent.get(1).complete(refused(queries.get(1)));
    assertThat(result).isCompletedExceptionally();
    assertThatCause(result).isInstanceOf(ResolveException.class)
        .hasMessageContaining("after 3 attempt(s)")
        .hasMessageContaining("DNS error REFUSED (x2)")
        .hasMessageContaining("every nameserver refused it: do they serve keyway.localhost.?");
    assertThat(time.pendingDelays()).isEmpty();
    time.advance(Duration.ofSeconds(10));
    assertThat(sent).hasSize(3);

    rt.close();
    sent.clear();
    queries.clear();
    CompletableFuture<Optional<LookupItem>> second = lookup(0, 1).lookup(key.publicKey());
    time.advance(Duration.ofMillis(200));
    sent.get(0).completeExceptionally(new java.net.PortUnreachableException());
    assertThat(second).isNotDone();
    sent.get(1).completeExceptionally(new java.net.PortUnreachableException());
    assertThatCause(second).isInstanceOf(ResolveException.class)
        .hasMessageContaining("after 2 attempt(s)")
        .hasMessageContaining("127.0.0.2:5300: port unreachable (no DNS server there)");
  }

  /** SERVFAIL is not a refusal: the schedule goes on. */
  @Test
  void servfailFromEveryNameserverKeepsTheSchedule() {
    CompletableFuture<Optional<LookupItem>> result = lookup(0, 1).lookup(key.publicKey());
    time.advance(Duration.ofMillis(200));
    for (int i = 0; i < 2; i++) {
      Message m = TestDnsServer.reply(queries.get(i));
      m.getHeader().setRcode(org.xbill.DNS.Rcode.SERVFAIL);
      sent.get(i).complete(m);
    }
    assertThat(result).isNotDone();
    time.advance(Duration.ofMillis(100));
    assertThat(sent).hasSize(3);
  }
}
