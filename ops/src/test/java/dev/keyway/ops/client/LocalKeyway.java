package dev.keyway.ops.client;

import dev.keyway.client.store.PacketStore;
import dev.keyway.dns.DnsServerConfig;
import dev.keyway.dns.IrohDnsServer;
import dev.keyway.dns.udp.RrlSettings;
import dev.keyway.relay.RelayConfig;
import dev.keyway.relay.RelayServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The keyway servers as {@code keyway up} wires them, on 127.0.0.1 with free ports: the DNS
 * server ({@link IrohDnsServer}: DNS over UDP and TCP with origin {@code keyway.localhost.}, the
 * iroh-dns-server HTTP API with {@code /pkarr/{key}} and {@code /dns-query}) over its H2 store,
 * and the pkarr relay ({@link RelayServer}, {@code /{key}}) writing through the DNS server's
 * publishing store, so a write on either HTTP API is answerable over DNS at once. For client
 * integration tests and the client benchmark.
 */
public final class LocalKeyway implements AutoCloseable {
  public static final String ORIGIN = DnsServerConfig.EMBEDDED_ORIGIN;

  public final IrohDnsServer dns;
  public final RelayServer relay;

  private LocalKeyway(IrohDnsServer dns, RelayServer relay) {
    this.dns = dns;
    this.relay = relay;
  }

  /** {@code keyway up}'s configuration on free ports (DNS response rate limiting on, as there). */
  public static LocalKeyway start(Path dataDir) {
    return start(dataDir, true);
  }

  /**
   * Like {@link #start(Path)}; {@code rrl = false} turns DNS response rate limiting off, for load
   * from one client address (the benchmark).
   */
  public static LocalKeyway start(Path dataDir, boolean rrl) {
    DnsServerConfig up = DnsServerConfig.embedded(dataDir, 0, 0, 0);
    DnsServerConfig.Dns d = up.dns();
    DnsServerConfig config = new DnsServerConfig(up.dataDir(), up.putRateLimit(), up.maxFutureSkew(), up.http(), up.https(),
        new DnsServerConfig.Dns(d.bindAddress(), d.port(), d.zone(), d.defaultTtl(), d.tcpIdleTimeout(),
            d.tcpMaxConnections(), rrl ? d.rrl() : RrlSettings.DISABLED, d.zoneCacheSize(), d.zoneCacheTtl(),
            d.negativeCacheTtl()),
        up.store(), up.metrics());
    IrohDnsServer dns = IrohDnsServer.builder(config).build().start();
    try {
      RelayConfig relayConfig = RelayConfig.builder()
          .http(new RelayConfig.Http("127.0.0.1", 0, "/", RelayConfig.DEFAULT_MAX_FUTURE_SKEW, 1,
              Duration.ofSeconds(5)))
          .metrics(new RelayConfig.Metrics(false, "127.0.0.1", 0))
          .dataDir(dataDir)
          .build();
      RelayServer relay = RelayServer.builder(relayConfig).store(dns.publishingStore()).build().start();
      return new LocalKeyway(dns, relay);
    } catch (RuntimeException | Error e) {
      dns.close();
      throw e;
    }
  }

  /** The store both HTTP APIs write through. */
  public PacketStore store() {
    return dns.publishingStore();
  }

  /** DNS (UDP and TCP). */
  public InetSocketAddress dnsAddress() {
    return dns.dnsAddress();
  }

  /** The iroh-dns-server style relay base URL: {@code http://127.0.0.1:P/pkarr}. */
  public URI irohPkarr() {
    return URI.create("http://127.0.0.1:" + dns.httpPort() + "/pkarr");
  }

  /** The DoH URL: {@code http://127.0.0.1:P/dns-query}. */
  public URI doh() {
    return URI.create("http://127.0.0.1:" + dns.httpPort() + "/dns-query");
  }

  /** The pkarr relay base URL: {@code http://127.0.0.1:Q}. */
  public URI pkarrRelay() {
    return relay.url();
  }

  @Override
  public void close() {
    relay.close();
    dns.close();
  }
}
