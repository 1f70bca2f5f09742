package dev.keyway.dns.testing;

import dev.keyway.client.store.InMemoryPacketStore;
import dev.keyway.client.store.PacketStore;
import dev.keyway.dns.DnsMetrics;
import dev.keyway.dns.DnsServer;
import dev.keyway.dns.answer.ZoneAnswerer;
import dev.keyway.dns.answer.ZoneSettings;
import dev.keyway.dns.udp.RrlSettings;
import dev.keyway.dns.zone.ZoneCache;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real DNS server (UDP + TCP on 127.0.0.1, port 0) over an in-memory store, for tests. */
public final class TestDnsServer implements AutoCloseable {
  public final Vertx vertx;
  public final InMemoryPacketStore rawStore;
  public final ZoneCache cache;
  public final PacketStore store;
  public final ZoneAnswerer answerer;
  public final DnsMetrics metrics;
  public final DnsServer server;

  private TestDnsServer(Vertx vertx, ZoneSettings zone, RrlSettings rrl, Duration tcpIdle) {
    this.vertx = vertx;
    this.rawStore = new InMemoryPacketStore(() -> 1_000_000L);
    this.cache = new ZoneCache(rawStore);
    this.store = cache.invalidatingStore();
    this.answerer = new ZoneAnswerer(zone, cache);
    this.metrics = DnsMetrics.unregistered();
    this.server = await(DnsServer.start(vertx,
        new DnsServer.Listen(new InetSocketAddress("127.0.0.1", 0), tcpIdle, 64, rrl),
        answerer, metrics, System::nanoTime));
  }

  /** Origins {@code dns.example.} then {@code .}; apex A 192.0.2.1, NS ns1.dns.example. */
  public static ZoneSettings defaultZone() {
    return new ZoneSettings(List.of("dns.example.", "."),
        "ns1.dns.example. hostmaster.dns.example. 7 10800 3600 604800 60",
        (java.net.Inet4Address) Packets.ip("192.0.2.1"), null, "ns1.dns.example.", 1232);
  }

  public static TestDnsServer start() {
    return start(defaultZone(), RrlSettings.DEFAULT, DnsServer.Listen.DEFAULT_TCP_IDLE);
  }

  public static TestDnsServer start(ZoneSettings zone, RrlSettings rrl, Duration tcpIdle) {
    return new TestDnsServer(Vertx.vertx(), zone, rrl, tcpIdle);
  }

  public int port() {
    return server.port();
  }

  public static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    await(server.close());
    await(vertx.close());
  }
}
