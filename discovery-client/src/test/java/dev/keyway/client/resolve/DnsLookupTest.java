package dev.keyway.client.resolve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.lookup.ClientRuntime;
import dev.keyway.client.lookup.Fixtures;
import dev.keyway.client.lookup.LookupItem;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;

/** DnsLookup against a real UDP/TCP responder on 127.0.0.1. */
class DnsLookupTest {
  private static final String ORIGIN = "keyway.localhost.";
  private final SecretKey key = Fixtures.key(10);
  private TestDnsServer server;
  private ClientRuntime rt;
  private String name;

  @BeforeEach
  void start() throws Exception {
    server = new TestDnsServer();
    rt = ClientRuntime.create();
    name = "_iroh." + key.publicKey().toZ32() + "." + ORIGIN;
  }

  @AfterEach
  void stop() throws Exception {
    rt.close();
    server.close();
  }

  private DnsLookup lookup() {
    return DnsLookup.builder(rt, ORIGIN).nameserver(server.address()).build();
  }

  private Optional<LookupItem> get(DnsLookup l) throws Exception {
    return l.lookup(key.publicKey()).get(20, TimeUnit.SECONDS);
  }

  @Test
  void readsTheIrohRecordSet() throws Exception {
    server.ttl = 42;
    server.put(name, "relay=https://relay.example./", "addr=192.0.2.1:4433", "user-data=hello");
    LookupItem item = get(lookup()).orElseThrow();
    assertThat(item.provenance()).isEqualTo("dns");
    assertThat(item.endpointInfo().endpointId()).isEqualTo(key.publicKey());
    assertThat(item.endpointInfo().relayUrls()).extracting(Object::toString).containsExactly("https://relay.example./");
    assertThat(item.endpointInfo().ipAddrs()).extracting(Object::toString).containsExactly("192.0.2.1:4433");
    assertThat(item.endpointInfo().userData().orElseThrow().value()).isEqualTo("hello");
    assertThat(item.ttl()).contains(Duration.ofSeconds(42));
    assertThat(item.lastUpdatedMicros()).isEmpty();
    Message q = server.received.get(0);
    assertThat(q.getQuestion().getName().toString()).isEqualTo(name);
    assertThat(q.getHeader().getFlag(Flags.RD)).isTrue();
    assertThat(q.getOPT()).isNotNull();
  }

  @Test
  void nxdomainAndNodataAreNotFoundNotErrors() throws Exception {
    // The second query far off (not the default 200 ms, which a slow first exchange on a loaded
    // machine can pass): a second query then means NXDOMAIN did not end the lookup.
    DnsLookup l = DnsLookup.builder(rt, ORIGIN).nameserver(server.address())
        .staggering(List.of(Duration.ZERO, Duration.ofSeconds(10))).build();
    assertThat(get(l)).isEmpty();
    assertThat(server.udpQueries).hasValue(1); // a definitive answer stops the staggering
    server.behaviour = TestDnsServer::reply; // NOERROR, no answers
    assertThat(get(lookup())).isEmpty();
  }

  @Test
  void truncatedUdpAnswerIsRetriedOverTcp() throws Exception {
    server.put(name, "relay=https://relay.example./");
    server.behaviour = q -> {
      Message r = TestDnsServer.reply(q);
      r.getHeader().setFlag(Flags.TC);
      return r;
    };
    // One attempt only: a staggered second UDP query (default 200 ms) would get TC too and make a
    // second TCP query whenever the first UDP + TCP exchange is slow.
    DnsLookup l = DnsLookup.builder(rt, ORIGIN).nameserver(server.address())
        .staggering(List.of(Duration.ZERO)).attemptTimeout(Duration.ofSeconds(15)).build();
    LookupItem item = get(l).orElseThrow();
    assertThat(item.endpointInfo().relayUrls()).hasSize(1);
    assertThat(server.tcpQueries).hasValue(1);
  }

  @Test
  void unknownAttributeKeyRejectsTheWholeSetAsIrohDoes() throws Exception {
    server.put(name, "relay=https://relay.example./", "color=blue");
    assertThatThrownBy(() -> get(lookup())).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(ResolveException.class).hasMessageContaining("invalid _iroh record set");
  }

  @Test
  void servfailIsRetriedByTheNextStaggeredQuery() throws Exception {
    server.put(name, "relay=https://relay.example./");
    server.behaviour = q -> {
      if (server.udpQueries.get() == 1) {
        Message r = TestDnsServer.reply(q);
        r.getHeader().setRcode(Rcode.SERVFAIL);
        return r;
      }
      return server.answer(q);
    };
    DnsLookup l = DnsLookup.builder(rt, ORIGIN).nameserver(server.address())
        .staggering(List.of(Duration.ZERO, Duration.ofMillis(20))).build();
    assertThat(get(l)).isPresent();
    assertThat(server.udpQueries).hasValue(2);
  }

  /**
   * A reply without a question is taken only as an error that says nothing about the name: a
   * forged answer (or NXDOMAIN) must also name what was asked, not just guess the id and port.
   */
  @Test
  void anAnswerWithoutTheQuestionIsIgnoredButAnErrorWithoutOneIsTaken() throws Exception {
    server.put(name, "relay=https://real.example./");
    org.xbill.DNS.Name owner = org.xbill.DNS.Name.fromString(name);
    server.behaviour = q -> {
      Message forged = server.answer(q);
      forged.removeAllRecords(org.xbill.DNS.Section.QUESTION);
      forged.removeAllRecords(org.xbill.DNS.Section.ANSWER);
      forged.addRecord(new org.xbill.DNS.TXTRecord(owner, org.xbill.DNS.DClass.IN, 30,
          "relay=https://evil.example./"), org.xbill.DNS.Section.ANSWER);
      return forged;
    };
    DnsLookup l = DnsLookup.builder(rt, ORIGIN).nameserver(server.address())
        .staggering(List.of(Duration.ZERO)).attemptTimeout(Duration.ofMillis(300)).build();
    assertThatThrownBy(() -> get(l)).cause().isInstanceOf(ResolveException.class)
        .hasMessageContaining("no answer");

    server.behaviour = q -> {
      Message refused = TestDnsServer.reply(q);
      refused.removeAllRecords(org.xbill.DNS.Section.QUESTION);
      refused.getHeader().setRcode(Rcode.REFUSED);
      return refused;
    };
    assertThatThrownBy(() -> get(l)).cause().isInstanceOf(ResolveException.class)
        .hasMessageContaining("REFUSED");
  }

  @Test
  void silentServerFailsAfterEveryAttemptTimedOut() {
    server.behaviour = q -> null;
    DnsLookup l = DnsLookup.builder(rt, ORIGIN).nameserver(server.address())
        .staggering(List.of(Duration.ZERO, Duration.ofMillis(10))).attemptTimeout(Duration.ofMillis(100)).build();
    assertThatThrownBy(() -> get(l)).cause().isInstanceOf(ResolveException.class)
        .hasMessageContaining("failed after 2 attempt(s)").hasMessageContaining("no answer");
  }

  @Test
  void wrongIdIsIgnoredAndTheRealAnswerAccepted() throws Exception {
    server.put(name, "relay=https://relay.example./");
    server.behaviour = q -> {
      Message bogus = server.answer(q);
      bogus.getHeader().setID((q.getHeader().getID() + 1) & 0xffff);
      return bogus;
    };
    DnsLookup l = DnsLookup.builder(rt, ORIGIN).nameserver(server.address())
        .staggering(List.of(Duration.ZERO)).attemptTimeout(Duration.ofMillis(300)).build();
    assertThatThrownBy(() -> get(l)).cause().isInstanceOf(ResolveException.class);
  }

  @Test
  void resolverWithItsOwnRuntimeLeavesNoThreadsAfterClose() throws Exception {
    server.put(name, "relay=https://relay.example./");
    // Threads of runtimes closed by earlier tests may still be ending: only the threads started
    // here must all end.
    java.util.Set<String> before = keywayThreads();
    dev.keyway.client.lookup.Resolver resolver = dev.keyway.client.lookup.Resolver.builder()
        .lookup(rt2 -> DnsLookup.builder(rt2, ORIGIN).nameserver(server.address()).build())
        .build();
    assertThat(resolver.resolve(key.publicKey()).first().get(20, TimeUnit.SECONDS)).isPresent();
    server.behaviour = q -> null;
    var pending = resolver.refresh(key.publicKey());
    java.util.Set<String> started = new java.util.HashSet<>(keywayThreads());
    started.removeAll(before);
    assertThat(started).as("the resolver's own runtime runs a loop thread")
        .anyMatch(n -> n.startsWith("keyway-client-loop-"));
    resolver.close();
    assertThat(pending.done().get(20, TimeUnit.SECONDS).outcomes().get(0).status())
        .isEqualTo(dev.keyway.client.lookup.SourceOutcome.Status.CANCELLED);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!before.containsAll(keywayThreads()) && System.nanoTime() < deadline) {
      Thread.yield();
    }
    assertThat(keywayThreads()).as("keyway threads left after close").isSubsetOf(before);
  }

  private static java.util.Set<String> keywayThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(n -> n.startsWith("keyway-client-")).collect(java.util.stream.Collectors.toSet());
  }

  @Test
  void cancellingStopsTheLookup() throws Exception {
    server.behaviour = q -> null;
    var f = lookup().lookup(key.publicKey());
    f.cancel(true);
    assertThat(f).isCancelled();
  }
}
