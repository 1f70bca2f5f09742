package dev.keyway.relay;

import static dev.keyway.relay.config.BindAddresses.checkAddress;
import static dev.keyway.relay.config.BindAddresses.checkPort;

import dev.keyway.relay.config.BindAddresses;
import dev.keyway.relay.config.ConfigException;
import dev.keyway.relay.config.Durations;
import dev.keyway.relay.config.StoreKeys;
import dev.keyway.relay.config.TomlFiles;
import dev.keyway.relay.ratelimit.Quota;
import dev.keyway.relay.store.StoreOptions;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a {@link RelayServer} is configured with, validated and immutable.
 *
 * <p>Built from defaults with {@link #builder()}, or read from a TOML file with {@link
 * #fromFile}: the file accepts pkarr-relay's keys ({@code [http] port}, {@code [cache] path / size
 * / minimum_ttl / maximum_ttl}, {@code [rate_limiter] ...}, {@code [mainline] port}) plus keyway's
 * own; {@code ops/config/relay.toml} documents every key with its default. Relative paths resolve
 * against the config file's directory, as in pkarr-relay.
 *
 * @param http the HTTP listener and request rules
 * @param dataDir where the embedded database lives
 * @param store store tuning (capacity = pkarr-relay's {@code [cache] size})
 * @param minimumTtl lower clamp of the {@code Cache-Control} max-age, seconds
 * @param maximumTtl upper clamp of the {@code Cache-Control} max-age, seconds
 * @param rateLimit the per-client limit, absent when rate limiting is off
 * @param metrics the Prometheus listener
 */
public record RelayConfig(
    Http http,
    Path dataDir,
    StoreOptions store,
    long minimumTtl,
    long maximumTtl,
    Optional<RateLimit> rateLimit,
    Metrics metrics) {

  private static final Logger LOG = LoggerFactory.getLogger(RelayConfig.class);

  /** 6881, pkarr-relay's HTTP port. */
  public static final int DEFAULT_PORT = 6881;
  /** Loopback: the embedded default serves this machine only; set 0.0.0.0 to publish it. */
  public static final String DEFAULT_BIND_ADDRESS = "127.0.0.1";
  /** Routes at the root, as pkarr-relay. */
  public static final String DEFAULT_BASE_PATH = "/";
  /** 1 hour: a packet signed further in the future than this is refused (keyway addition). */
  public static final Duration DEFAULT_MAX_FUTURE_SKEW = Duration.ofHours(1);
  /** How long shutdown waits for requests in flight. */
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);
  /** How long a PUT body (at most 1104 bytes) may take to arrive before 408. */
  public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(30);
  /**
   * How long an HTTP/1.x connection may take to deliver a request's head, or sit idle between
   * requests (hyper's default, which pkarr-relay is served by).
   */
  public static final Duration DEFAULT_HEADER_TIMEOUT =
      dev.keyway.relay.http.HttpServerHost.Options.DEFAULT_HEADER_TIMEOUT;
  /** {@code ./data}, the embedded default's data directory. */
  public static final Path DEFAULT_DATA_DIR = Path.of("data");
  /** 300 s, pkarr's {@code DEFAULT_MINIMUM_TTL}. */
  public static final long DEFAULT_MINIMUM_TTL = 300;
  /** 86 400 s, pkarr's {@code DEFAULT_MAXIMUM_TTL}. */
  public static final long DEFAULT_MAXIMUM_TTL = 86_400;
  /** 127.0.0.1:9117, iroh-dns-server's metrics address. */
  public static final String DEFAULT_METRICS_ADDRESS = "127.0.0.1";
  /** See {@link #DEFAULT_METRICS_ADDRESS}. */
  public static final int DEFAULT_METRICS_PORT = 9117;

  public RelayConfig {
    Objects.requireNonNull(http, "http");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(rateLimit, "rateLimit");
    Objects.requireNonNull(metrics, "metrics");
    if (minimumTtl < 0) {
      throw new ConfigException("cache.minimum_ttl must not be negative, got " + minimumTtl);
    }
    if (maximumTtl < 0) {
      throw new ConfigException("cache.maximum_ttl must not be negative, got " + maximumTtl);
    }
    if (minimumTtl > maximumTtl) {
      throw new ConfigException("cache.minimum_ttl must be at most cache.maximum_ttl ("
          + maximumTtl + "), got " + minimumTtl);
    }
    if (metrics.enabled()) {
      BindAddresses.checkDistinct(List.of(
          new BindAddresses.Listener("[http]", http.bindAddress(), http.port()),
          new BindAddresses.Listener("[metrics]", metrics.bindAddress(), metrics.port())));
    }
  }

  /**
   * The HTTP listener.
   *
   * @param bindAddress IP address to listen on
   * @param port TCP port; 0 picks a free one ({@link RelayServer#port()} tells which)
   * @param basePath path prefix of every route, {@code "/"} or like {@code "/pkarr"}
   * @param maxFutureSkew how far ahead of the server clock a signed timestamp may be; zero turns
   *     the check off (pkarr-relay has none)
   * @param eventLoops event loops serving HTTP; 0 means one per available processor
   * @param shutdownTimeout how long a graceful shutdown waits for requests in flight
   * @param bodyTimeout how long a PUT's body may take to arrive in full before 408
   * @param headerTimeout how long an HTTP/1.x connection may take to deliver a request's head
   *     (or wait idle between requests) before it is closed
   * @param h2c whether plain HTTP also takes HTTP/2 (prior knowledge or upgrade); off by default,
   *     because with it on the header timeout cannot watch a connection's first request (see
   *     {@link dev.keyway.relay.http.HttpServerHost.Options#h2c})
   */
  public record Http(String bindAddress, int port, String basePath, Duration maxFutureSkew,
      int eventLoops, Duration shutdownTimeout, Duration bodyTimeout, Duration headerTimeout,
      boolean h2c) {
    public Http {
      checkAddress("http.bind_addr", bindAddress);
      checkPort("http.port", port);
      basePath = normaliseBasePath(basePath);
      if (maxFutureSkew.isNegative() || maxFutureSkew.compareTo(StoreOptions.MAX_MAX_AGE) > 0) {
        throw new ConfigException("http.max_future_skew must be 0 (no check) to "
            + Durations.format(StoreOptions.MAX_MAX_AGE) + ", got " + Durations.format(maxFutureSkew));
      }
      if (eventLoops < 0 || eventLoops > 1024) {
        throw new ConfigException("http.event_loops must be 0..1024, got " + eventLoops);
      }
      if (shutdownTimeout.isNegative()) {
        throw new ConfigException("http.shutdown_timeout must not be negative, got "
            + Durations.format(shutdownTimeout));
      }
      if (bodyTimeout.isNegative() || bodyTimeout.isZero()) {
        throw new ConfigException("http.request_body_timeout must be positive, got "
            + Durations.format(bodyTimeout));
      }
      if (headerTimeout.isNegative() || headerTimeout.isZero()) {
        throw new ConfigException("http.request_header_timeout must be positive, got "
            + Durations.format(headerTimeout));
      }
    }

    /** With the default {@link #DEFAULT_HEADER_TIMEOUT}, without h2c. */
    public Http(String bindAddress, int port, String basePath, Duration maxFutureSkew,
        int eventLoops, Duration shutdownTimeout, Duration bodyTimeout) {
      this(bindAddress, port, basePath, maxFutureSkew, eventLoops, shutdownTimeout, bodyTimeout,
          DEFAULT_HEADER_TIMEOUT, false);
    }

    /** With the default {@link #DEFAULT_BODY_TIMEOUT} and {@link #DEFAULT_HEADER_TIMEOUT}. */
    public Http(String bindAddress, int port, String basePath, Duration maxFutureSkew,
        int eventLoops, Duration shutdownTimeout) {
      this(bindAddress, port, basePath, maxFutureSkew, eventLoops, shutdownTimeout,
          DEFAULT_BODY_TIMEOUT);
    }

    /** The defaults. */
    public static Http defaults() {
      return new Http(DEFAULT_BIND_ADDRESS, DEFAULT_PORT, DEFAULT_BASE_PATH,
          DEFAULT_MAX_FUTURE_SKEW, 0, DEFAULT_SHUTDOWN_TIMEOUT, DEFAULT_BODY_TIMEOUT,
          DEFAULT_HEADER_TIMEOUT, false);
    }

    /** A copy on another port. */
    public Http withPort(int newPort) {
      return new Http(bindAddress, newPort, basePath, maxFutureSkew, eventLoops, shutdownTimeout,
          bodyTimeout, headerTimeout, h2c);
    }

    /** A copy with h2c on or off. */
    public Http withH2c(boolean on) {
      return new Http(bindAddress, port, basePath, maxFutureSkew, eventLoops, shutdownTimeout,
          bodyTimeout, headerTimeout, on);
    }
  }

  /**
   * Per-client rate limiting of every HTTP request (pkarr-relay's {@code [rate_limiter]}).
   *
   * @param behindProxy whether to key on proxy headers instead of the TCP peer (see {@link
   *     dev.keyway.relay.ratelimit.ClientIp})
   * @param quota rate and burst per client
   */
  public record RateLimit(boolean behindProxy, Quota quota) {
    public RateLimit {
      Objects.requireNonNull(quota, "quota");
    }
  }

  /**
   * The Prometheus endpoint.
   *
   * @param enabled whether {@link RelayServer} starts its own metrics listener
   * @param bindAddress IP address to listen on
   * @param port TCP port, 0 for any free one
   */
  public record Metrics(boolean enabled, String bindAddress, int port) {
    public Metrics {
      if (enabled) {
        checkAddress("metrics.bind_addr", bindAddress);
        checkPort("metrics.bind_addr port", port);
      }
    }

    /** The defaults. */
    public static Metrics defaults() {
      return new Metrics(true, DEFAULT_METRICS_ADDRESS, DEFAULT_METRICS_PORT);
    }
  }

  /** Every default: loopback on 6881, data in ./data, no rate limit, metrics on 9117. */
  public static RelayConfig defaults() {
    return builder().build();
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this config. */
  public Builder toBuilder() {
    return new Builder().http(http).dataDir(dataDir).store(store).ttl(minimumTtl, maximumTtl)
        .rateLimit(rateLimit.orElse(null)).metrics(metrics);
  }

  /** Assembles a config; {@link #build()} validates it. */
  public static final class Builder {
    private Http http = Http.defaults();
    private Path dataDir = DEFAULT_DATA_DIR;
    private StoreOptions store = StoreOptions.defaults();
    private long minimumTtl = DEFAULT_MINIMUM_TTL;
    private long maximumTtl = DEFAULT_MAXIMUM_TTL;
    private RateLimit rateLimit;
    private Metrics metrics = Metrics.defaults();

    private Builder() {}

    public Builder http(Http value) {
      http = Objects.requireNonNull(value);
      return this;
    }

    public Builder port(int value) {
      http = http.withPort(value);
      return this;
    }

    public Builder dataDir(Path value) {
      dataDir = Objects.requireNonNull(value);
      return this;
    }

    public Builder store(StoreOptions value) {
      store = Objects.requireNonNull(value);
      return this;
    }

    public Builder ttl(long minimum, long maximum) {
      minimumTtl = minimum;
      maximumTtl = maximum;
      return this;
    }

    /** Null turns rate limiting off. */
    public Builder rateLimit(RateLimit value) {
      rateLimit = value;
      return this;
    }

    public Builder metrics(Metrics value) {
      metrics = Objects.requireNonNull(value);
      return this;
    }

    public RelayConfig build() {
      return new RelayConfig(http, dataDir, store, minimumTtl, maximumTtl,
          Optional.ofNullable(rateLimit), metrics);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The file format
  // ---------------------------------------------------------------------------------------------

  /** The TOML file, table by table; every key optional unless noted. */
  record FileFormat(HttpTable http, MainlineTable mainline, CacheTable cache, StoreTable store,
      RateLimiterTable rateLimiter, MetricsTable metrics) {}

  record HttpTable(Integer port, String bindAddr, String basePath, Object maxFutureSkew,
      Integer eventLoops, Object shutdownTimeout, Object requestBodyTimeout,
      Object requestHeaderTimeout, Boolean h2c) {}

  /** pkarr-relay's DHT node; accepted so its config files load, unused until a DHT exists. */
  record MainlineTable(Integer port) {}

  record CacheTable(String path, Long size, Long minimumTtl, Long maximumTtl) {}

  record StoreTable(Integer maxBatchSize, Object maxBatchDelay, Integer queueCapacity,
      Boolean fsync, Object eviction, Object evictionInterval, Integer readCacheSize,
      Integer readerConnections, String backupDir, Object backupInterval, Integer backupKeep) {}

  /** pkarr-relay 0.12's {@code per_second} / {@code burst_size} are read only to be refused. */
  record RateLimiterTable(Boolean behindProxy, String quota, Long burst, String dhtQuota,
      Long dhtBurst, String userDhtQuota, Long userDhtBurst, Object perSecond, Object burstSize) {}

  record MetricsTable(Boolean disabled, String bindAddr) {}

  /** The key each {@link StoreOptions} option is read from, for its error messages. */
  static final Map<String, String> STORE_KEYS =
      StoreKeys.of("store", "store.max_batch_delay", "cache.size");

  /**
   * Every key a config file may hold, dotted ({@code http.port}, {@code rate_limiter.quota}): what
   * {@code ops/config/relay.toml} must document.
   */
  public static List<String> fileKeys() {
    return TomlFiles.keys(FileFormat.class);
  }

  /**
   * Reads and validates a config file.
   *
   * @throws ConfigException naming the file and key that is wrong
   */
  public static RelayConfig fromFile(Path file) {
    FileFormat f = TomlFiles.read(file, FileFormat.class);
    Path base = file.toAbsolutePath().getParent();
    try {
      return fromFormat(f, base);
    } catch (ConfigException e) {
      throw new ConfigException(file + ": " + e.getMessage(), e);
    }
  }

  /** Reads and validates TOML text; relative paths resolve against {@code baseDir}. */
  public static RelayConfig fromToml(String toml, Path baseDir) {
    FileFormat f = TomlFiles.parse(toml, FileFormat.class, "config");
    return fromFormat(f, baseDir);
  }

  private static RelayConfig fromFormat(FileFormat f, Path baseDir) {
    Builder b = builder();
    HttpTable h = f.http();
    if (h != null) {
      Http d = Http.defaults();
      b.http(new Http(
          or(h.bindAddr(), d.bindAddress()),
          or(h.port(), d.port()),
          or(h.basePath(), d.basePath()),
          duration("http.max_future_skew", h.maxFutureSkew(), d.maxFutureSkew()),
          or(h.eventLoops(), d.eventLoops()),
          duration("http.shutdown_timeout", h.shutdownTimeout(), d.shutdownTimeout()),
          duration("http.request_body_timeout", h.requestBodyTimeout(), d.bodyTimeout()),
          duration("http.request_header_timeout", h.requestHeaderTimeout(), d.headerTimeout()),
          or(h.h2c(), d.h2c())));
    }
    if (f.mainline() != null) {
      LOG.warn("[mainline] is accepted for pkarr-relay compatibility but ignored: this relay has no DHT node");
    }
    StoreOptions.Builder s = StoreOptions.builder();
    CacheTable c = f.cache();
    if (c != null) {
      if (c.path() != null) {
        Path p = Path.of(c.path());
        b.dataDir(p.isAbsolute() || baseDir == null ? p : baseDir.resolve(p).normalize());
      }
      if (c.size() != null) {
        s.capacity(c.size());
      }
      b.ttl(or(c.minimumTtl(), DEFAULT_MINIMUM_TTL), or(c.maximumTtl(), DEFAULT_MAXIMUM_TTL));
    }
    StoreTable st = f.store();
    if (st != null) {
      StoreOptions d = StoreOptions.defaults();
      s.maxBatchSize(or(st.maxBatchSize(), d.maxBatchSize()))
          .maxBatchDelay(duration("store.max_batch_delay", st.maxBatchDelay(), d.maxBatchDelay()))
          .queueCapacity(or(st.queueCapacity(), d.queueCapacity()))
          .fsync(or(st.fsync(), d.fsync()))
          .maxAge(duration("store.eviction", st.eviction(), d.maxAge()))
          .evictionInterval(duration("store.eviction_interval", st.evictionInterval(), d.evictionInterval()))
          .readCacheSize(or(st.readCacheSize(), d.readCacheSize()))
          .readerConnections(or(st.readerConnections(), d.readerConnections()));
    }
    try {
      if (st != null) {
        s.backup(StoreKeys.backup("store", st.backupDir(), st.backupInterval(), st.backupKeep()));
      }
      b.store(s.build());
    } catch (IllegalArgumentException e) {
      throw ConfigException.renaming(e, STORE_KEYS);
    }
    RateLimiterTable r = f.rateLimiter();
    if (r != null) {
      if (r.perSecond() != null || r.burstSize() != null) {
        throw legacyRateLimiterKeys(r.perSecond(), r.burstSize());
      }
      if (r.behindProxy() == null) {
        throw new ConfigException("rate_limiter.behind_proxy is required (true only if every"
            + " request comes through a reverse proxy that sets X-Forwarded-For)");
      }
      Quota quota = quota(r.quota(), r.burst(), "quota", "burst");
      // Parsed for validation only: there is no DHT whose traffic they would limit.
      quota(r.dhtQuota(), r.dhtBurst(), "dht_quota", "dht_burst");
      quota(r.userDhtQuota(), r.userDhtBurst(), "user_dht_quota", "user_dht_burst");
      b.rateLimit(new RateLimit(r.behindProxy(), quota));
    }
    MetricsTable m = f.metrics();
    if (m != null) {
      boolean disabled = or(m.disabled(), false);
      String defaultAddr = DEFAULT_METRICS_ADDRESS + ":" + DEFAULT_METRICS_PORT;
      // A negative port is left to Metrics' port check, which skips it when disabled.
      BindAddresses.HostPort a =
          BindAddresses.parseHostPort("metrics.bind_addr", or(m.bindAddr(), defaultAddr), defaultAddr);
      b.metrics(new Metrics(!disabled, a.host(), a.port()));
    }
    return b.build();
  }

  /** One line per setting, for the startup log (nothing here is secret). */
  public List<String> describe() {
    return describe(false);
  }

  /**
   * The settings for the public status page: as {@link #describe()}, without the listen
   * addresses and the data directory, which are the operator's business only.
   */
  public List<String> describePublic() {
    return describe(true);
  }

  private List<String> describe(boolean forPublic) {
    List<String> lines = new ArrayList<>();
    lines.add("http: " + (forPublic ? "" : http.bindAddress() + ":" + http.port() + " ")
        + "base_path " + http.basePath()
        + ", max_future_skew " + Durations.format(http.maxFutureSkew())
        + (forPublic ? "" : ", event_loops " + (http.eventLoops() == 0 ? "auto" : http.eventLoops())
            + ", request_body_timeout " + Durations.format(http.bodyTimeout())
            + ", request_header_timeout " + Durations.format(http.headerTimeout())
            + (http.h2c() ? ", h2c" : "")));
    lines.add("store: " + (forPublic ? "" : dataDir.toAbsolutePath() + ", ") + "capacity "
        + (store.capacity() == 0 ? "unlimited" : store.capacity())
        + ", eviction " + Durations.format(store.maxAge()) + " every "
        + Durations.format(store.evictionInterval()) + ", fsync " + store.fsync()
        + ", batch " + store.maxBatchSize() + "/" + Durations.format(store.maxBatchDelay())
        + ", read cache " + store.readCacheSize()
        + (forPublic ? "" : ", " + describeBackups(store.backup())));
    lines.add("ttl: " + minimumTtl + ".." + maximumTtl + " s");
    lines.add("rate limit: " + rateLimit.map(r -> r.quota() + (r.behindProxy() ? ", behind proxy" : ""))
        .orElse("off"));
    lines.add("metrics: " + (!metrics.enabled() ? "off"
        : forPublic ? "on" : metrics.bindAddress() + ":" + metrics.port()));
    return lines;
  }

  // ---- helpers ----

  /** The backup settings in one phrase, for the start-up summary. */
  public static String describeBackups(dev.keyway.relay.store.BackupOptions b) {
    return !b.enabled() ? "backups off"
        : "backups every " + Durations.format(b.interval()) + " into " + b.dir() + " (keep " + b.keep() + ")";
  }

  private static <T> T or(T value, T fallback) {
    return value != null ? value : fallback;
  }

  private static Duration duration(String key, Object value, Duration fallback) {
    return value == null ? fallback : Durations.fromValue(key, value);
  }

  /** {@code rate_limiter.<quotaKey>} and its burst, with the keys in the error message. */
  private static Quota quota(String quota, Long burst, String quotaKey, String burstKey) {
    try {
      return Quota.parse(or(quota, "2r/s"), burst);
    } catch (IllegalArgumentException e) {
      throw ConfigException.renaming(e,
          Map.of("quota", "rate_limiter." + quotaKey, "burst", "rate_limiter." + burstKey));
    }
  }

  /**
   * pkarr-relay 0.12's {@code per_second = N} (one request every N seconds) and {@code burst_size}
   * are refused, as pkarr-relay 0.13+ refuses them, with the equivalent {@code quota} / {@code
   * burst} when there is one.
   */
  private static ConfigException legacyRateLimiterKeys(Object perSecond, Object burstSize) {
    String key = perSecond != null ? "per_second" : "burst_size";
    String quota = "\"2r/s\"";
    if (perSecond != null && TomlFiles.isInteger(perSecond)
        && new BigInteger(perSecond.toString()).signum() > 0) {
      // One request every n seconds; beyond a day, once a day. Without an exact equivalent, the
      // nearest slower quota per day, never a faster one.
      long n = new BigInteger(perSecond.toString()).min(BigInteger.valueOf(86_400)).longValueExact();
      quota = "\"" + (n == 1 ? "1r/s" : 60 % n == 0 ? 60 / n + "r/m"
          : 3600 % n == 0 ? 3600 / n + "r/h" : 86_400 / n + "r/d") + "\"";
    }
    String burst = burstSize != null && TomlFiles.isInteger(burstSize) ? burstSize.toString() : "10";
    return new ConfigException("rate_limiter." + key + " is pkarr-relay 0.12's key, refused as by"
        + " pkarr-relay 0.13+ (per_second = N meant one request every N seconds); write quota = "
        + quota + " and burst = " + burst + " instead");
  }

  private static String normaliseBasePath(String path) {
    String p = path == null ? "/" : path.trim();
    if (!p.startsWith("/")) {
      throw new ConfigException("http.base_path must start with /, got " + TomlFiles.describe(path));
    }
    while (p.length() > 1 && p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    if (p.contains("//") || p.contains("?") || p.contains("#") || p.contains("%")) {
      throw new ConfigException("http.base_path must be a plain path like \"/pkarr\", got "
          + TomlFiles.describe(path));
    }
    return p;
  }
}
