package dev.keyway.ops.client;

import dev.keyway.client.packet.MicrosClock;
import dev.keyway.client.store.InMemoryPacketStore;
import dev.keyway.client.store.PacketStore;
import dev.keyway.dns.DnsMetrics;
import dev.keyway.dns.DnsServer;
import dev.keyway.dns.answer.ZoneAnswerer;
import dev.keyway.dns.answer.ZoneSettings;
import dev.keyway.dns.http.DohHandler;
import dev.keyway.dns.http.IrohHttpApi;
import dev.keyway.dns.http.PkarrHandler;
import dev.keyway.dns.http.PutRateLimit;
import dev.keyway.dns.udp.RrlSettings;
import dev.keyway.dns.zone.ZoneCache;
import dev.keyway.relay.RelayConfig;
import dev.keyway.relay.RelayServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The keyway servers wired as {@code keyway up} wires them, on 127.0.0.1 with free ports and one
 * shared store: DNS over UDP and TCP (origin {@code keyway.localhost.}), the iroh-dns-server HTTP
 * API ({@code /pkarr/{key}}, {@code /dns-query}) and the pkarr relay ({@code /{key}}). A write on
 * either HTTP API is answerable over DNS at once (the zone cache is invalidated on upsert).
 * For client integration tests and the client benchmark.
 */
public final class LocalKeyway implements AutoCloseable {
  public static final String ORIGIN = "keyway.localhost.";

  public final Vertx vertx;
  public final PacketStore store;
  public final DnsServer dns;
  public final HttpServer irohApi;
  public final RelayServer relay;

  private LocalKeyway(Vertx vertx, PacketStore store, DnsServer dns, HttpServer irohApi, RelayServer relay) {
    this.vertx = vertx;
    this.store = store;
    this.dns = dns;
    this.irohApi = irohApi;
    this.relay = relay;
  }

  /** Starts everything; {@code dataDir} holds nothing (the store is in memory). */
  public static LocalKeyway start(Path dataDir) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      InMemoryPacketStore memory = new InMemoryPacketStore(MicrosClock.system());
      ZoneCache zones = new ZoneCache(memory);
      PacketStore store = zones.invalidatingStore();
      ZoneSettings settings = new ZoneSettings(List.of(ORIGIN), ZoneSettings.DEFAULT_SOA, null, null, null,
          ZoneSettings.DEFAULT_UDP_PAYLOAD);
      ZoneAnswerer answerer = new ZoneAnswerer(settings, zones);
      DnsMetrics metrics = DnsMetrics.unregistered();
      DnsServer dns = DnsServer.start(vertx,
          new DnsServer.Listen(new InetSocketAddress("127.0.0.1", 0), DnsServer.Listen.DEFAULT_TCP_IDLE,
              DnsServer.Listen.DEFAULT_TCP_MAX_CONNECTIONS, RrlSettings.DISABLED),
          answerer, metrics, System::nanoTime).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      IrohHttpApi api = new IrohHttpApi(new PkarrHandler(store, metrics, PutRateLimit.DISABLED),
          new DohHandler(answerer, metrics, System::nanoTime), metrics, "test", System::nanoTime);
      HttpServer http = vertx.createHttpServer().requestHandler(api.router(vertx))
          .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      RelayConfig config = RelayConfig.builder()
          .http(new RelayConfig.Http("127.0.0.1", 0, "/", RelayConfig.DEFAULT_MAX_FUTURE_SKEW, 1,
              Duration.ofSeconds(5)))
          .metrics(new RelayConfig.Metrics(false, "127.0.0.1", 0))
          .dataDir(dataDir)
          .build();
      RelayServer relay = RelayServer.builder(config).store(store).vertx(vertx).build().start();
      return new LocalKeyway(vertx, store, dns, http, relay);
    } catch (Exception | Error e) {
      vertx.close();
      throw e;
    }
  }

  /** DNS (UDP and TCP). */
  public InetSocketAddress dnsAddress() {
    return dns.udpAddress();
  }

  /** The iroh-dns-server style relay base URL: {@code http://127.0.0.1:P/pkarr}. */
  public URI irohPkarr() {
    return URI.create("http://127.0.0.1:" + irohApi.actualPort() + "/pkarr");
  }

  /** The DoH URL: {@code http://127.0.0.1:P/dns-query}. */
  public URI doh() {
    return URI.create("http://127.0.0.1:" + irohApi.actualPort() + "/dns-query");
  }

  /** The pkarr relay base URL: {@code http://127.0.0.1:Q}. */
  public URI pkarrRelay() {
    return relay.url();
  }

  @Override
  public void close() throws Exception {
    relay.close();
    irohApi.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    dns.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    store.close();
  }
}
