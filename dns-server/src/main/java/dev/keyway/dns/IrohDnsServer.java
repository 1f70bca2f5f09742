package dev.keyway.dns;

import dev.keyway.client.packet.MicrosClock;
import dev.keyway.client.store.PacketStore;
import dev.keyway.dns.answer.ZoneAnswerer;
import dev.keyway.dns.http.CertificateReloader;
import dev.keyway.dns.http.DohHandler;
import dev.keyway.dns.http.IrohHttpApi;
import dev.keyway.dns.http.PkarrHandler;
import dev.keyway.dns.http.PutRateLimit;
import dev.keyway.dns.http.TlsCertificates;
import dev.keyway.dns.zone.ZoneCache;
import dev.keyway.relay.RelayServer;
import dev.keyway.relay.http.HttpServerHost;
import dev.keyway.relay.metrics.MetricsServer;
import dev.keyway.relay.metrics.MicrometerStoreMetrics;
import dev.keyway.relay.metrics.ProcessMeters;
import dev.keyway.relay.store.H2Dialect;
import dev.keyway.relay.store.JdbcPacketStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DNS server of a discovery zone, as iroh-dns-server: authoritative DNS over UDP and TCP,
 * iroh's HTTP API ({@code /pkarr}, DoH, health) over HTTP and/or HTTPS, and Prometheus metrics,
 * all over one {@link PacketStore}.
 *
 * <pre>{@code
 * DnsServerConfig config = DnsServerConfig.fromFile(Path.of("dns.toml"));
 * try (IrohDnsServer server = IrohDnsServer.builder(config).build().start()) {
 *   InetSocketAddress dns = server.dnsAddress();  // UDP and TCP
 *   int http = server.httpPort();
 * }
 * }</pre>
 *
 * <h2>One store, one cache</h2>
 * Answers come from a {@link ZoneCache} over the store. Everything that writes packets must do so
 * through {@link #publishingStore()} (the iroh API here does; an embedded pkarr relay must be
 * given it too), so a publish is answerable by the next DNS query.
 *
 * <h2>Ownership</h2>
 * As {@link RelayServer}: what the builder is given (store, Vert.x, meter registry) stays the
 * caller's; what the server creates (an H2 store under {@link DnsServerConfig#dataDir()}, a
 * Vert.x, a Prometheus registry and its {@link MetricsServer}) it closes.
 *
 * <h2>Shutdown</h2>
 * {@link #close()} stops the HTTP listeners gracefully, then DNS, then the metrics listener, then
 * (if owned) the store, whose writer commits every queued upsert first.
 */
public final class IrohDnsServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IrohDnsServer.class);
  /** How often the HTTPS certificate files are checked for a renewal. */
  public static final Duration CERTIFICATE_CHECK_INTERVAL = Duration.ofMinutes(1);

  private final DnsServerConfig config;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private PacketStore store;
  private boolean ownsStore;
  private Vertx vertx;
  private boolean ownsVertx;
  private MeterRegistry registry;
  private boolean ownsRegistry;
  private ProcessMeters processMeters;
  private ZoneCache zoneCache;
  private DnsMetrics metrics;
  private DnsServer dns;
  private HttpServerHost http;
  private HttpServerHost https;
  private CertificateReloader certificates;
  private long certificateTimer = -1;
  private MetricsServer metricsServer;
  private boolean started;
  private boolean closed;

  private IrohDnsServer(Builder b) {
    this.config = b.config;
    this.clock = b.clock;
    this.nanoTime = b.nanoTime;
    this.store = b.store;
    this.vertx = b.vertx;
    this.registry = b.registry;
  }

  /** A builder for a server with {@code config}. */
  public static Builder builder(DnsServerConfig config) {
    return new Builder(config);
  }

  /**
   * Opens what is missing, binds DNS, HTTP, HTTPS and metrics, and returns once all listen. On
   * failure everything opened so far is closed again.
   *
   * @return this server
   * @throws java.io.UncheckedIOException if a port cannot be bound
   * @throws IllegalArgumentException for an HTTPS setup that cannot work (e.g. lets_encrypt)
   */
  public synchronized IrohDnsServer start() {
    if (started) {
      throw new IllegalStateException("DNS server already started");
    }
    started = true;
    try {
      LOG.info("keyway {} DNS server starting", RelayServer.version());
      for (String line : config.describe()) {
        LOG.info("dns config {}", line);
      }
      if (vertx == null) {
        vertx = Vertx.vertx(new VertxOptions()
            .setEventLoopPoolSize(Math.max(2, Runtime.getRuntime().availableProcessors()))
            .setPreferNativeTransport(false));
        ownsVertx = true;
      }
      boolean serveMetrics = false;
      if (registry == null) {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ownsRegistry = true;
        processMeters = ProcessMeters.bind(registry, RelayServer.version());
        serveMetrics = config.metrics().enabled();
      }
      if (store == null) {
        MicrometerStoreMetrics storeMetrics = new MicrometerStoreMetrics(registry, "dns_server.");
        store = JdbcPacketStore.open(H2Dialect.file(config.dataDir()), config.store(),
            MicrosClock.of(clock), storeMetrics);
        ownsStore = true;
        storeMetrics.bindGauges(store);
      }
      LOG.info("dns transport: {}", vertx.isNativeTransportEnabled() ? "native (epoll)" : "nio");
      DnsServerConfig.Dns d = config.dns();
      zoneCache = new ZoneCache(store, d.zoneCacheSize(), d.zoneCacheTtl(), d.negativeCacheTtl(),
          nanoTime::getAsLong);
      metrics = new DnsMetrics(registry);
      metrics.cacheSize(zoneCache::size);
      ZoneAnswerer answerer = new ZoneAnswerer(d.zone(), zoneCache);
      dns = await(DnsServer.start(vertx, new DnsServer.Listen(d.socketAddress(), d.tcpIdleTimeout(),
          d.tcpMaxConnections(), d.rrl()), answerer, metrics, nanoTime));

      PkarrHandler pkarr = new PkarrHandler(zoneCache.invalidatingStore(), metrics,
          PutRateLimit.of(config.putRateLimit(), PutRateLimit.IROH_QUOTA, nanoTime), clock,
          config.maxFutureSkew());
      DohHandler doh = new DohHandler(answerer, metrics, nanoTime);
      PacketStore served = store;
      Duration bodyTimeout = config.http().map(DnsServerConfig.Http::bodyTimeout)
          .orElse(DnsServerConfig.DEFAULT_BODY_TIMEOUT);
      Duration headerTimeout = config.http().map(DnsServerConfig.Http::headerTimeout)
          .orElse(DnsServerConfig.DEFAULT_HEADER_TIMEOUT);
      IrohHttpApi api = new IrohHttpApi(pkarr, doh, metrics, RelayServer.version(), nanoTime,
          () -> !(served instanceof JdbcPacketStore j) || j.isHealthy(), bodyTimeout);
      int cpus = Runtime.getRuntime().availableProcessors();
      if (config.http().isPresent()) {
        DnsServerConfig.Http h = config.http().get();
        http = HttpServerHost.start(vertx, new HttpServerHost.Options("iroh api (http)",
            h.bindAddress(), h.port(), h.eventLoops() == 0 ? cpus : h.eventLoops(),
            h.shutdownTimeout()).withBodyTimeout(bodyTimeout).withHeaderTimeout(headerTimeout)
            .withH2c(h.h2c()), () -> api.router(vertx));
      }
      if (config.https().isPresent()) {
        DnsServerConfig.Https h = config.https().get();
        java.util.function.Supplier<TlsCertificates.Pem> locate = () -> TlsCertificates.resolve(
            h.certMode(), h.domains(), config.dataDir(), clock);
        TlsCertificates.Loaded certificate = TlsCertificates.load(locate.get());
        LOG.info("https certificate from {}: {}", certificate.files().certificate(),
            certificate.describe());
        Duration shutdown = config.http().map(DnsServerConfig.Http::shutdownTimeout)
            .orElse(DnsServerConfig.DEFAULT_SHUTDOWN_TIMEOUT);
        https = HttpServerHost.start(vertx, new HttpServerHost.Options("iroh api (https)",
            h.bindAddress(), h.port(), cpus, shutdown, certificate.keyCertOptions(), bodyTimeout,
            headerTimeout, false), () -> api.router(vertx));
        certificates = new CertificateReloader(locate, https::updateTls, certificate);
        Gauge.builder("dns_server.tls_certificate_expiry_timestamp", certificates,
                c -> c.current().notAfter().getEpochSecond())
            .baseUnit("seconds").strongReference(true)
            .description("End of validity of the HTTPS certificate served")
            .register(registry);
        // Reading files is blocking work: the timer only hands it to a worker thread.
        certificateTimer = vertx.setPeriodic(CERTIFICATE_CHECK_INTERVAL.toMillis(),
            id -> vertx.executeBlocking(certificates::check, false));
      }
      if (serveMetrics) {
        metricsServer = MetricsServer.start(vertx, (PrometheusMeterRegistry) registry,
            config.metrics().bindAddress(), config.metrics().port());
      }
      return this;
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private static <T> T await(io.vertx.core.Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting DNS", e);
    } catch (Exception e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof java.io.IOException io) {
        String m = io.getMessage() == null ? "" : io.getMessage();
        throw new java.io.UncheckedIOException("DNS " + (m.startsWith("cannot listen on ") ? m
            : "cannot listen: " + m), io);
      }
      throw new IllegalStateException("DNS cannot listen: " + cause.getMessage(), cause);
    }
  }

  /** The DNS address (UDP and TCP share it). */
  public InetSocketAddress dnsAddress() {
    checkStarted();
    return dns.udpAddress();
  }

  /** The bound DNS port. */
  public int dnsPort() {
    checkStarted();
    return dns.port();
  }

  /** The bound HTTP port, or -1 without {@code [http]}. */
  public int httpPort() {
    checkStarted();
    return http == null ? -1 : http.port();
  }

  /** The bound HTTPS port, or -1 without {@code [https]}. */
  public int httpsPort() {
    checkStarted();
    return https == null ? -1 : https.port();
  }

  /**
   * Checks the HTTPS certificate files now (the server also does every
   * {@link #CERTIFICATE_CHECK_INTERVAL}) and serves them to new connections if they changed and
   * can be served; see {@link CertificateReloader}. Blocking: not on an event loop.
   *
   * @return whether a different certificate is served now
   * @throws IllegalStateException without {@code [https]}
   */
  public boolean reloadCertificates() {
    checkStarted();
    if (certificates == null) {
      throw new IllegalStateException("no [https] listener");
    }
    return certificates.check();
  }

  /** The bound metrics port, or -1 when this server does not serve metrics itself. */
  public int metricsPort() {
    checkStarted();
    return metricsServer == null ? -1 : metricsServer.port();
  }

  /** The store seen through the zone cache: give it to every other writer in the process. */
  public PacketStore publishingStore() {
    checkStarted();
    return zoneCache.invalidatingStore();
  }

  /** The zone cache answers are served from. */
  public ZoneCache zoneCache() {
    checkStarted();
    return zoneCache;
  }

  /** The server's metrics. */
  public DnsMetrics metrics() {
    checkStarted();
    return metrics;
  }

  /** The meter registry (its own or the one it was given). */
  public MeterRegistry meterRegistry() {
    checkStarted();
    return registry;
  }

  /** The config it runs with. */
  public DnsServerConfig config() {
    return config;
  }

  /** Graceful stop (see class doc); idempotent, safe after a failed start. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (certificateTimer >= 0) {
      vertx.cancelTimer(certificateTimer);
    }
    if (https != null) {
      https.close();
    }
    if (http != null) {
      http.close();
    }
    if (dns != null) {
      try {
        dns.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("closing DNS failed: {}", e.toString());
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
      }
    }
    if (metricsServer != null) {
      metricsServer.close();
    }
    if (ownsStore && store != null) {
      store.close();
    }
    if (processMeters != null) {
      processMeters.close();
    }
    if (ownsRegistry && registry != null) {
      registry.close();
    }
    if (ownsVertx && vertx != null) {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("closing Vert.x failed: {}", e.toString());
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
      }
    }
    if (dns != null) {
      LOG.info("DNS server stopped");
    }
  }

  private void checkStarted() {
    if (dns == null) {
      throw new IllegalStateException("DNS server not started");
    }
  }

  /** Collects what the server is given; everything but the config is optional. */
  public static final class Builder {
    private final DnsServerConfig config;
    private Clock clock = Clock.systemUTC();
    private LongSupplier nanoTime = System::nanoTime;
    private PacketStore store;
    private Vertx vertx;
    private MeterRegistry registry;

    private Builder(DnsServerConfig config) {
      this.config = Objects.requireNonNull(config, "config");
    }

    /** Serve this store instead of opening the H2 store under the data directory. */
    public Builder store(PacketStore value) {
      store = Objects.requireNonNull(value);
      return this;
    }

    /** Wall clock (last-seen times, certificate validity). */
    public Builder clock(Clock value) {
      clock = Objects.requireNonNull(value);
      return this;
    }

    /** Monotonic nanoseconds (latency, rate limits, cache expiry). */
    public Builder nanoTime(LongSupplier value) {
      nanoTime = Objects.requireNonNull(value);
      return this;
    }

    /** Run on this Vert.x instead of a new one. */
    public Builder vertx(Vertx value) {
      vertx = Objects.requireNonNull(value);
      return this;
    }

    /** Register meters here; the caller serves it (no metrics listener is started). */
    public Builder meterRegistry(MeterRegistry value) {
      registry = Objects.requireNonNull(value);
      return this;
    }

    public IrohDnsServer build() {
      return new IrohDnsServer(this);
    }
  }
}
