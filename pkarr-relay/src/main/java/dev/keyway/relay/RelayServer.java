package dev.keyway.relay;

import dev.keyway.client.packet.MicrosClock;
import dev.keyway.client.store.PacketStore;
import dev.keyway.relay.http.HttpServerHost;
import dev.keyway.relay.http.RelayHandler;
import dev.keyway.relay.http.RequestRates;
import dev.keyway.relay.http.StatusPage;
import dev.keyway.relay.metrics.MetricsServer;
import dev.keyway.relay.metrics.MicrometerRelayMetrics;
import dev.keyway.relay.metrics.MicrometerStoreMetrics;
import dev.keyway.relay.metrics.ProcessMeters;
import dev.keyway.relay.ratelimit.KeyedRateLimiter;
import dev.keyway.relay.store.H2Dialect;
import dev.keyway.relay.store.JdbcPacketStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Clock;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pkarr v7 relay: the HTTP API ({@link RelayHandler}) over a {@link PacketStore}, with a
 * Prometheus endpoint. Runs standalone ({@code keyway relay}) or embedded next to other servers
 * on one store, one Vert.x and one meter registry ({@code keyway up}, tests).
 *
 * <pre>{@code
 * RelayConfig config = RelayConfig.builder().port(0).dataDir(dir).build();
 * try (RelayServer relay = RelayServer.builder(config).build().start()) {
 *   URI base = relay.url();          // http://127.0.0.1:<bound port>
 * }                                   // close(): graceful; flushes the store's writer
 * }</pre>
 *
 * <h2>Ownership</h2>
 * What the builder is given (store, Vert.x, meter registry) stays the caller's: {@link #close()}
 * leaves it open. What the server creates itself it closes: the H2 store under {@link
 * RelayConfig#dataDir()}, a Vert.x with {@link RelayConfig.Http#eventLoops()} event loops, and,
 * when no registry is given and {@link RelayConfig.Metrics#enabled()}, a Prometheus registry
 * served by its own {@link MetricsServer}. With a given registry the caller serves it.
 *
 * <h2>Shutdown</h2>
 * {@link #close()} stops accepting connections, lets requests in flight finish (up to {@link
 * RelayConfig.Http#shutdownTimeout()}), then closes the store, whose writer commits every queued
 * upsert first. {@code keyway relay} calls it from a SIGTERM hook.
 */
public final class RelayServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RelayServer.class);
  /** How often the status page's request rates are sampled. */
  static final long RATE_SAMPLE_MILLIS = 5_000;

  private final RelayConfig config;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private PacketStore store;
  private final JdbcPacketStore backingStore;
  private boolean ownsStore;
  private Vertx vertx;
  private boolean ownsVertx;
  private MeterRegistry registry;
  private boolean ownsRegistry;
  private ProcessMeters processMeters;
  private HttpServerHost http;
  private MetricsServer metricsServer;
  private long sampler = -1;
  private volatile boolean started;
  private volatile boolean closed;

  private RelayServer(Builder b) {
    this.config = b.config;
    this.clock = b.clock;
    this.nanoTime = b.nanoTime;
    this.store = b.store;
    this.backingStore = b.backingStore;
    this.vertx = b.vertx;
    this.registry = b.registry;
  }

  /** A builder for a server with {@code config}. */
  public static Builder builder(RelayConfig config) {
    return new Builder(config);
  }

  /** This keyway version, from the build. */
  public static String version() {
    try (InputStream in = RelayServer.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        String v = p.getProperty("version", "");
        if (!v.isEmpty() && !v.startsWith("${")) {
          return v;
        }
      }
    } catch (IOException e) {
      // fall through
    }
    return "dev";
  }

  /**
   * Opens what is missing (store, Vert.x, registry), binds the HTTP (and metrics) listeners, and
   * returns once they accept connections. On failure everything opened so far is closed again.
   *
   * @return this server
   * @throws java.io.UncheckedIOException if a port cannot be bound
   * @throws dev.keyway.relay.store.PacketStoreException if the store cannot be opened
   */
  public synchronized RelayServer start() {
    if (started) {
      throw new IllegalStateException("relay server already started");
    }
    started = true;
    try {
      LOG.info("keyway {} relay starting", version());
      for (String line : config.describe()) {
        LOG.info("relay config {}", line);
      }
      int loops = config.http().eventLoops() == 0
          ? Runtime.getRuntime().availableProcessors() : config.http().eventLoops();
      if (vertx == null) {
        vertx = Vertx.vertx(new VertxOptions()
            .setEventLoopPoolSize(loops)
            .setWorkerPoolSize(Math.max(4, config.store().readerConnections()))
            .setPreferNativeTransport(false));
        ownsVertx = true;
      }
      boolean serveMetrics = false;
      if (registry == null) {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ownsRegistry = true;
        processMeters = ProcessMeters.bind(registry, version());
        serveMetrics = config.metrics().enabled();
      }
      if (store == null) {
        MicrometerStoreMetrics storeMetrics = new MicrometerStoreMetrics(registry, "");
        store = JdbcPacketStore.open(H2Dialect.file(config.dataDir()), config.store(),
            MicrosClock.of(clock), storeMetrics);
        ownsStore = true;
        storeMetrics.bindGauges(store);
      }
      KeyedRateLimiter limiter = config.rateLimit()
          .map(r -> new KeyedRateLimiter(r.quota(), KeyedRateLimiter.DEFAULT_MAX_KEYS, nanoTime))
          .orElse(null);
      RequestRates rates = new RequestRates();
      rates.sample(clock.millis());
      sampler = vertx.setPeriodic(RATE_SAMPLE_MILLIS, id -> rates.sample(clock.millis()));
      JdbcPacketStore jdbc = store instanceof JdbcPacketStore j ? j : backingStore;
      StatusPage status = new StatusPage(version(), clock, store, jdbc, rates,
          config.describePublic(), config.http().basePath());
      RelayHandler handler = new RelayHandler(vertx,
          new RelayHandler.Settings(config.http().basePath(), config.minimumTtl(),
              config.maximumTtl(), config.http().maxFutureSkew(),
              config.rateLimit().map(RelayConfig.RateLimit::behindProxy).orElse(false),
              config.http().bodyTimeout()),
          store, jdbc, limiter, clock, new MicrometerRelayMetrics(registry, ""), status, rates);
      http = HttpServerHost.start(vertx, new HttpServerHost.Options("relay",
          config.http().bindAddress(), config.http().port(), loops,
          config.http().shutdownTimeout()).withBodyTimeout(config.http().bodyTimeout())
              .withHeaderTimeout(config.http().headerTimeout()).withH2c(config.http().h2c()),
          () -> handler);
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

  /** The bound HTTP port. */
  public int port() {
    checkStarted();
    return http.port();
  }

  /** The bound metrics port, or -1 when this server does not serve metrics itself. */
  public int metricsPort() {
    checkStarted();
    return metricsServer == null ? -1 : metricsServer.port();
  }

  /** The relay's base URL, such as {@code http://127.0.0.1:6881} or {@code .../pkarr}. */
  public URI url() {
    String host = config.http().bindAddress();
    if (host.equals("0.0.0.0")) {
      host = "127.0.0.1";
    } else if (host.equals("::")) {
      host = "::1";
    }
    String base = config.http().basePath().equals("/") ? "" : config.http().basePath();
    return URI.create("http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port() + base);
  }

  /** The store the server serves (its own or the one it was given). */
  public PacketStore store() {
    checkStarted();
    return store;
  }

  /** The meter registry (its own or the one it was given). */
  public MeterRegistry meterRegistry() {
    checkStarted();
    return registry;
  }

  /** The config it runs with. */
  public RelayConfig config() {
    return config;
  }

  /** Graceful stop (see class doc); idempotent, safe after a failed start. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (http != null) {
      http.close();
    }
    if (sampler >= 0 && vertx != null) {
      vertx.cancelTimer(sampler);
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
    if (http != null) {
      LOG.info("relay stopped");
    }
  }

  private void checkStarted() {
    if (http == null) {
      throw new IllegalStateException("relay server not started");
    }
  }

  /** Collects what the server is given; everything but the config is optional. */
  public static final class Builder {
    private final RelayConfig config;
    private Clock clock = Clock.systemUTC();
    private LongSupplier nanoTime = System::nanoTime;
    private PacketStore store;
    private JdbcPacketStore backingStore;
    private Vertx vertx;
    private MeterRegistry registry;

    private Builder(RelayConfig config) {
      this.config = Objects.requireNonNull(config, "config");
    }

    /** Serve this store (not closed by the server) instead of opening H2 under the data dir. */
    public Builder store(PacketStore value) {
      store = Objects.requireNonNull(value);
      return this;
    }

    /**
     * Serve {@code value} (e.g. a cache-invalidating wrapper) whose data lives in
     * {@code backing}: GETs answer from the backing store's read cache on the event loop, and the
     * status page shows its size, as with a JDBC store given directly.
     */
    public Builder store(PacketStore value, JdbcPacketStore backing) {
      store = Objects.requireNonNull(value);
      backingStore = Objects.requireNonNull(backing);
      return this;
    }

    /** Wall clock for HTTP dates, the future-skew check and, for an own store, last-seen times. */
    public Builder clock(Clock value) {
      clock = Objects.requireNonNull(value);
      return this;
    }

    /** Monotonic nanoseconds for the rate limiter (tests pass a manual one). */
    public Builder nanoTime(LongSupplier value) {
      nanoTime = Objects.requireNonNull(value);
      return this;
    }

    /** Run on this Vert.x (not closed by the server); {@code eventLoops} still sets the loops used. */
    public Builder vertx(Vertx value) {
      vertx = Objects.requireNonNull(value);
      return this;
    }

    /** Register meters here (not served or closed by the server; the caller serves it). */
    public Builder meterRegistry(MeterRegistry value) {
      registry = Objects.requireNonNull(value);
      return this;
    }

    /** The server, not started yet. */
    public RelayServer build() {
      return new RelayServer(this);
    }
  }
}
