package dev.keyway.dns;

import static dev.keyway.relay.config.BindAddresses.checkAddress;
import static dev.keyway.relay.config.BindAddresses.checkPort;

import dev.keyway.dns.answer.ZoneSettings;
import dev.keyway.dns.http.PutRateLimit;
import dev.keyway.dns.http.TlsCertificates.CertMode;
import dev.keyway.dns.udp.RrlSettings;
import dev.keyway.dns.zone.ZoneCache;
import dev.keyway.relay.RelayConfig;
import dev.keyway.relay.config.BindAddresses;
import dev.keyway.relay.config.ConfigException;
import dev.keyway.relay.config.Durations;
import dev.keyway.relay.config.StoreKeys;
import dev.keyway.relay.config.TomlFiles;
import dev.keyway.relay.store.StoreOptions;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything an {@link IrohDnsServer} is configured with, validated once and immutable.
 *
 * <p>{@link #fromFile} reads iroh-dns-server's TOML keys ({@code pkarr_put_rate_limit},
 * {@code data_dir}, {@code [http]}, {@code [https]}, {@code [dns] port / bind_addr / origins /
 * default_soa / default_ttl / rr_a / rr_aaaa / rr_ns}, {@code [metrics]}, {@code [zone_store]},
 * {@code [mainline]}) with iroh's meaning, plus keyway's own keys; {@code ops/config/dns.toml}
 * documents every key and its default. As in iroh, a missing {@code [http]} or {@code [https]}
 * table means that listener is off (at least one is required), and {@code [dns]} is required.
 * Unlike iroh, an unknown key is an error (it is usually a typo). Relative paths resolve against
 * the config file's directory.
 *
 * @param dataDir where the store (and the certificate cache) live
 * @param putRateLimit iroh's {@code pkarr_put_rate_limit}
 * @param maxFutureSkew keyway's {@code pkarr_max_future_skew}: PUTs of packets signed further
 *     ahead of the server's clock are refused (zero: no check)
 * @param http the plain HTTP listener of the iroh API, if any
 * @param https the HTTPS listener of the iroh API, if any
 * @param dns the DNS listeners and what they answer
 * @param store the packet store ({@code [zone_store]})
 * @param metrics the Prometheus endpoint
 */
public record DnsServerConfig(
    Path dataDir,
    PutRateLimit.Mode putRateLimit,
    Duration maxFutureSkew,
    Optional<Http> http,
    Optional<Https> https,
    Dns dns,
    StoreOptions store,
    RelayConfig.Metrics metrics) {

  private static final Logger LOG = LoggerFactory.getLogger(DnsServerConfig.class);

  /** Environment variable iroh-dns-server reads for the data directory. */
  public static final String DATA_DIR_ENV = "IROH_DNS_DATA_DIR";
  /** {@code ./data} when neither {@code data_dir} nor {@link #DATA_DIR_ENV} is set. */
  public static final Path DEFAULT_DATA_DIR = Path.of("data");
  /** iroh's default HTTP port. */
  public static final int DEFAULT_HTTP_PORT = 8080;
  /** iroh's default HTTPS port. */
  public static final int DEFAULT_HTTPS_PORT = 8443;
  /** iroh's default DNS port. */
  public static final int DEFAULT_DNS_PORT = 5300;
  /** iroh's default bind address for every listener: all interfaces. */
  public static final String DEFAULT_BIND_ADDRESS = "::";
  /** iroh's {@code default_ttl} (accepted; unused by iroh and by keyway). */
  public static final long DEFAULT_TTL = 900;
  /** How long shutdown lets HTTP requests in flight finish. */
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);
  /** How long a request body may take to arrive before 408 (keyway addition). */
  public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(30);
  /**
   * How long an HTTP/1.x connection may take to deliver a request's head, or sit idle between
   * requests (keyway addition; hyper's default, which iroh-dns-server is served by).
   */
  public static final Duration DEFAULT_HEADER_TIMEOUT =
      dev.keyway.relay.http.HttpServerHost.Options.DEFAULT_HEADER_TIMEOUT;

  public DnsServerConfig {
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(putRateLimit, "putRateLimit");
    Objects.requireNonNull(maxFutureSkew, "maxFutureSkew");
    if (maxFutureSkew.isNegative()) {
      throw new ConfigException("pkarr_max_future_skew must not be negative");
    }
    if (maxFutureSkew.compareTo(StoreOptions.MAX_MAX_AGE) > 0) {
      throw new ConfigException("pkarr_max_future_skew must be at most "
          + Durations.format(StoreOptions.MAX_MAX_AGE) + " (0 turns the check off), got " + Durations.format(maxFutureSkew));
    }
    Objects.requireNonNull(http, "http");
    Objects.requireNonNull(https, "https");
    Objects.requireNonNull(dns, "dns");
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(metrics, "metrics");
    if (http.isEmpty() && https.isEmpty()) {
      throw new ConfigException("either [http] or [https] is required (iroh-dns-server's rule)");
    }
    List<BindAddresses.Listener> tcp = new ArrayList<>();
    http.ifPresent(h -> tcp.add(new BindAddresses.Listener("[http]", h.bindAddress(), h.port())));
    https.ifPresent(h -> tcp.add(new BindAddresses.Listener("[https]", h.bindAddress(), h.port())));
    tcp.add(new BindAddresses.Listener("[dns] (TCP)", dns.bindAddress(), dns.port()));
    if (metrics.enabled()) {
      tcp.add(new BindAddresses.Listener("[metrics]", metrics.bindAddress(), metrics.port()));
    }
    BindAddresses.checkDistinct(tcp);
  }

  /**
   * The plain HTTP listener.
   *
   * @param bindAddress IP to listen on
   * @param port TCP port, 0 for any free one
   * @param eventLoops event loops serving it; 0 = one per available processor
   * @param shutdownTimeout how long shutdown lets requests in flight finish
   * @param bodyTimeout how long a request body (PUT /pkarr, POST /dns-query) may take to arrive
   *     in full before 408; it applies to the HTTPS listener too
   * @param headerTimeout how long an HTTP/1.x connection may take to deliver a request's head
   *     (or wait idle between requests) before it is closed; it applies to the HTTPS listener too
   * @param h2c whether this listener also takes HTTP/2 without TLS (prior knowledge or upgrade;
   *     keyway addition, off by default: with it on the header timeout cannot watch a
   *     connection's first request, see {@link dev.keyway.relay.http.HttpServerHost.Options#h2c})
   */
  public record Http(String bindAddress, int port, int eventLoops, Duration shutdownTimeout,
      Duration bodyTimeout, Duration headerTimeout, boolean h2c) {
    public Http {
      checkAddress("http.bind_addr", bindAddress);
      checkPort("http.port", port);
      if (eventLoops < 0 || eventLoops > 1024) {
        throw new ConfigException("http.event_loops must be 0..1024, got " + eventLoops);
      }
      Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
      if (shutdownTimeout.isNegative()) {
        throw new ConfigException("http.shutdown_timeout must not be negative, got "
            + Durations.format(shutdownTimeout));
      }
      Objects.requireNonNull(bodyTimeout, "bodyTimeout");
      if (bodyTimeout.isNegative() || bodyTimeout.isZero()) {
        throw new ConfigException("http.request_body_timeout must be positive, got "
            + Durations.format(bodyTimeout));
      }
      Objects.requireNonNull(headerTimeout, "headerTimeout");
      if (headerTimeout.isNegative() || headerTimeout.isZero()) {
        throw new ConfigException("http.request_header_timeout must be positive, got "
            + Durations.format(headerTimeout));
      }
    }

    /** With the default {@link #DEFAULT_BODY_TIMEOUT} and {@link #DEFAULT_HEADER_TIMEOUT}. */
    public Http(String bindAddress, int port, int eventLoops, Duration shutdownTimeout) {
      this(bindAddress, port, eventLoops, shutdownTimeout, DEFAULT_BODY_TIMEOUT,
          DEFAULT_HEADER_TIMEOUT, false);
    }
  }

  /**
   * The HTTPS listener.
   *
   * @param bindAddress IP to listen on
   * @param port TCP port, 0 for any free one
   * @param domains certificate names
   * @param certMode where the certificate comes from
   * @param letsencryptContact ACME contact (accepted for iroh compatibility)
   * @param letsencryptProd whether to use Let's Encrypt production (accepted)
   */
  public record Https(String bindAddress, int port, List<String> domains, CertMode certMode,
      String letsencryptContact, boolean letsencryptProd) {
    public Https {
      checkAddress("https.bind_addr", bindAddress);
      checkPort("https.port", port);
      domains = List.copyOf(domains);
      Objects.requireNonNull(certMode, "certMode");
      if (domains.isEmpty()) {
        throw new ConfigException("https.domains must name at least one domain, got []");
      }
    }
  }

  /**
   * The DNS listeners and their zone.
   *
   * @param bindAddress IP for UDP and TCP
   * @param port port for UDP and TCP, 0 for any free one
   * @param zone origins, apex records, UDP payload size
   * @param defaultTtl iroh's {@code default_ttl}: accepted, unused (iroh does not use it either)
   * @param tcpIdleTimeout idle TCP connections are closed after this
   * @param tcpMaxConnections most TCP connections at once
   * @param rrl UDP response rate limiting
   * @param zoneCacheSize most zones (and absent keys) cached
   * @param zoneCacheTtl how long a cached zone is trusted
   * @param negativeCacheTtl how long a cached "no packet for this key" is trusted
   */
  public record Dns(String bindAddress, int port, ZoneSettings zone, long defaultTtl,
      Duration tcpIdleTimeout, int tcpMaxConnections, RrlSettings rrl, long zoneCacheSize,
      Duration zoneCacheTtl, Duration negativeCacheTtl) {
    public Dns {
      checkAddress("dns.bind_addr", bindAddress);
      checkPort("dns.port", port);
      Objects.requireNonNull(zone, "zone");
      Objects.requireNonNull(rrl, "rrl");
      if (tcpIdleTimeout.isZero() || tcpIdleTimeout.isNegative()) {
        throw new ConfigException("dns.tcp_idle_timeout must be more than 0s, got "
            + Durations.format(tcpIdleTimeout));
      }
      if (tcpMaxConnections < 1) {
        throw new ConfigException("dns.tcp_max_connections must be at least 1, got " + tcpMaxConnections);
      }
      if (zoneCacheSize < 1) {
        throw new ConfigException("dns.zone_cache_size must be at least 1, got " + zoneCacheSize);
      }
      if (zoneCacheTtl.isNegative()) {
        throw new ConfigException("dns.zone_cache_ttl must not be negative, got "
            + Durations.format(zoneCacheTtl));
      }
      if (negativeCacheTtl.isNegative()) {
        throw new ConfigException("dns.negative_cache_ttl must not be negative, got "
            + Durations.format(negativeCacheTtl));
      }
    }

    /** The socket address of both DNS listeners. */
    public java.net.InetSocketAddress socketAddress() {
      return new java.net.InetSocketAddress(bindAddress, port);
    }
  }

  /** The origin of {@code keyway up}. */
  public static final String EMBEDDED_ORIGIN = "keyway.localhost.";
  /**
   * The SOA of {@code keyway up}: MINIMUM 30 s, so a resolver caches "no such endpoint" for at most
   * 30 s (the negative TTL is min(SOA TTL, MINIMUM), RFC 2308), like the records' own TTL.
   */
  public static final String EMBEDDED_SOA =
      "ns1.keyway.localhost. hostmaster.keyway.localhost. 1 10800 3600 604800 30";

  /**
   * {@code keyway up}'s DNS server (DESIGN.md, "Runtime picture"): DNS on 127.0.0.1:{@code
   * dnsPort} UDP+TCP for {@code keyway.localhost.}, the iroh API on 127.0.0.1:{@code httpPort}
   * without a PUT rate limit (a development default; iroh's dev config does the same), UDP
   * response rate limiting on with loopback exempt, the store under {@code dataDir}, metrics on
   * 127.0.0.1:{@code metricsPort}. Ports may be 0.
   */
  public static DnsServerConfig embedded(Path dataDir, int dnsPort, int httpPort, int metricsPort) {
    ZoneSettings zone = new ZoneSettings(List.of(EMBEDDED_ORIGIN), EMBEDDED_SOA,
        (Inet4Address) loopback(), null, "ns1." + EMBEDDED_ORIGIN, ZoneSettings.DEFAULT_UDP_PAYLOAD);
    Dns dns = new Dns("127.0.0.1", dnsPort, zone, 30, DnsServer.Listen.DEFAULT_TCP_IDLE,
        DnsServer.Listen.DEFAULT_TCP_MAX_CONNECTIONS, RrlSettings.DEFAULT, ZoneCache.DEFAULT_MAX_ZONES,
        ZoneCache.DEFAULT_POSITIVE_TTL, ZoneCache.DEFAULT_NEGATIVE_TTL);
    return new DnsServerConfig(dataDir, PutRateLimit.Mode.DISABLED, RelayConfig.DEFAULT_MAX_FUTURE_SKEW,
        Optional.of(new Http("127.0.0.1", httpPort, 0, DEFAULT_SHUTDOWN_TIMEOUT)), Optional.empty(),
        dns, defaultStore(), new RelayConfig.Metrics(true, "127.0.0.1", metricsPort));
  }

  private static InetAddress loopback() {
    try {
      return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code host:port}, an IPv6 address in brackets ({@code [::]:5300}). */
  private static String hostPort(String address, int port) {
    return (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port;
  }

  /** One line per setting, for the startup log (nothing here is secret). */
  public List<String> describe() {
    List<String> lines = new ArrayList<>();
    lines.add("dns: " + hostPort(dns.bindAddress(), dns.port()) + " udp+tcp, origins "
        + dns.zone().origins() + ", soa '" + dns.zone().defaultSoa() + "', udp payload "
        + dns.zone().udpPayloadSize() + ", rrl " + (dns.rrl().enabled()
            ? dns.rrl().responsesPerSecond() + "/s burst " + dns.rrl().burst() + " slip "
                + dns.rrl().slip() + (dns.rrl().exemptLoopback() ? ", loopback exempt" : "")
            : "off"));
    http.ifPresent(h -> lines.add("http: " + hostPort(h.bindAddress(), h.port())));
    https.ifPresent(h -> lines.add("https: " + hostPort(h.bindAddress(), h.port()) + " "
        + h.certMode().name().toLowerCase(Locale.ROOT) + " " + h.domains()));
    lines.add("pkarr_put_rate_limit: " + putRateLimit.name().toLowerCase(Locale.ROOT));
    lines.add("pkarr_max_future_skew: " + Durations.format(maxFutureSkew));
    lines.add("store: " + dataDir.toAbsolutePath() + ", eviction " + Durations.format(store.maxAge())
        + ", batch " + store.maxBatchSize() + "/" + Durations.format(store.maxBatchDelay())
        + ", fsync " + store.fsync() + ", " + RelayConfig.describeBackups(store.backup()));
    lines.add("metrics: " + (metrics.enabled() ? hostPort(metrics.bindAddress(), metrics.port()) : "off"));
    return lines;
  }

  // ---------------------------------------------------------------------------------------------
  // The file format (records are tables; components read snake_case keys; null = absent)
  // ---------------------------------------------------------------------------------------------

  record FileFormat(Object pkarrPutRateLimit, Object pkarrMaxFutureSkew, String dataDir,
      HttpTable http, HttpsTable https,
      DnsTable dns, MetricsTable metrics, ZoneStoreTable zoneStore, MainlineTable mainline) {}

  /** {@code rate_limit} is the older iroh spelling of {@code pkarr_put_rate_limit}. */
  record HttpTable(Integer port, String bindAddr, Object rateLimit, Integer eventLoops,
      Object shutdownTimeout, Object requestBodyTimeout, Object requestHeaderTimeout,
      Boolean h2c) {}

  record HttpsTable(Integer port, String bindAddr, List<String> domains, String certMode,
      String letsencryptContact, Boolean letsencryptProd) {}

  record DnsTable(Integer port, String bindAddr, List<String> origins, String defaultSoa,
      Long defaultTtl, String rrA, String rrAaaa, String rrNs, Integer udpPayloadSize,
      Object tcpIdleTimeout, Integer tcpMaxConnections, Long zoneCacheSize, Object zoneCacheTtl,
      Object negativeCacheTtl, RrlTable rrl) {}

  record RrlTable(Boolean enabled, Integer responsesPerSecond, Integer burst, Integer slip,
      Integer ipv4PrefixLength, Integer ipv6PrefixLength, Boolean exemptLoopback,
      Integer tableSize) {}

  record MetricsTable(Boolean disabled, String bindAddr) {}

  record ZoneStoreTable(Integer maxBatchSize, Object maxBatchTime, Object eviction,
      Object evictionInterval, Integer queueCapacity, Boolean fsync, Long capacity,
      Integer readCacheSize, Integer readerConnections, String backupDir, Object backupInterval,
      Integer backupKeep) {}

  record MainlineTable(Boolean enabled, List<String> bootstrap) {}

  /** The key each {@link StoreOptions} option is read from, for its error messages. */
  static final Map<String, String> STORE_KEYS =
      StoreKeys.of("zone_store", "zone_store.max_batch_time", "zone_store.capacity");

  /**
   * Every key a config file may hold, dotted ({@code dns.port}, {@code dns.rrl.burst}): what
   * {@code ops/config/dns.toml} must document.
   */
  public static List<String> fileKeys() {
    return TomlFiles.keys(FileFormat.class);
  }

  /**
   * Reads and validates a config file.
   *
   * @throws ConfigException naming the file and the key that is wrong
   */
  public static DnsServerConfig fromFile(Path file) {
    FileFormat f = TomlFiles.read(file, FileFormat.class);
    try {
      return fromFormat(f, file.toAbsolutePath().getParent(), System.getenv());
    } catch (ConfigException e) {
      throw new ConfigException(file + ": " + e.getMessage(), e);
    }
  }

  /** Reads and validates TOML text; relative paths resolve against {@code baseDir}. */
  public static DnsServerConfig fromToml(String toml, Path baseDir, Map<String, String> env) {
    return fromFormat(TomlFiles.parse(toml, FileFormat.class, "config"), baseDir, env);
  }

  private static DnsServerConfig fromFormat(FileFormat f, Path baseDir, Map<String, String> env) {
    Path dataDir;
    if (f.dataDir() != null) {
      Path p = Path.of(f.dataDir());
      dataDir = p.isAbsolute() || baseDir == null ? p : baseDir.resolve(p).normalize();
    } else if (env.get(DATA_DIR_ENV) != null && !env.get(DATA_DIR_ENV).isBlank()) {
      dataDir = Path.of(env.get(DATA_DIR_ENV));
    } else {
      dataDir = DEFAULT_DATA_DIR;
    }

    Object rateLimit = f.pkarrPutRateLimit();
    String rateLimitKey = "pkarr_put_rate_limit";
    if (rateLimit == null && f.http() != null) {
      rateLimit = f.http().rateLimit();
      rateLimitKey = "http.rate_limit";
    }
    PutRateLimit.Mode mode;
    try {
      mode = rateLimit == null ? PutRateLimit.Mode.SIMPLE : PutRateLimit.Mode.parse(rateLimit.toString());
    } catch (IllegalArgumentException e) {
      throw ConfigException.renaming(e, Map.of("pkarr_put_rate_limit", rateLimitKey));
    }

    Optional<Http> http = Optional.ofNullable(f.http()).map(h -> new Http(
        or(h.bindAddr(), DEFAULT_BIND_ADDRESS), or(h.port(), DEFAULT_HTTP_PORT),
        or(h.eventLoops(), 0),
        duration("http.shutdown_timeout", h.shutdownTimeout(), DEFAULT_SHUTDOWN_TIMEOUT),
        duration("http.request_body_timeout", h.requestBodyTimeout(), DEFAULT_BODY_TIMEOUT),
        duration("http.request_header_timeout", h.requestHeaderTimeout(),
            DEFAULT_HEADER_TIMEOUT),
        or(h.h2c(), false)));

    Optional<Https> https = Optional.ofNullable(f.https()).map(h -> {
      CertMode certMode;
      try {
        certMode = CertMode.parse(or(h.certMode(), "self_signed"));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("https." + e.getMessage(), e);
      }
      return new Https(or(h.bindAddr(), DEFAULT_BIND_ADDRESS), or(h.port(), DEFAULT_HTTPS_PORT),
          or(h.domains(), List.of("localhost")), certMode, h.letsencryptContact(),
          or(h.letsencryptProd(), false));
    });

    if (f.dns() == null) {
      throw new ConfigException("the [dns] table is required (port, origins, default_soa, ...)");
    }
    Dns dns = dns(f.dns());

    StoreOptions store = store(f.zoneStore());

    RelayConfig.Metrics metrics = metrics(f.metrics());

    if (f.mainline() != null && Boolean.TRUE.equals(f.mainline().enabled())) {
      LOG.warn("[mainline] enabled = true is accepted but ignored: keyway has no Mainline DHT"
          + " fallback; only published packets are served");
    }
    Duration skew = duration("pkarr_max_future_skew", f.pkarrMaxFutureSkew(),
        RelayConfig.DEFAULT_MAX_FUTURE_SKEW);
    return new DnsServerConfig(dataDir, mode, skew, http, https, dns, store, metrics);
  }

  private static Dns dns(DnsTable d) {
    if (d.origins() != null && d.origins().isEmpty()) {
      throw new ConfigException("dns.origins must name at least one origin, e.g."
          + " [\"irohdns.example.\"], got []");
    }
    ZoneSettings zone;
    try {
      zone = new ZoneSettings(
          or(d.origins(), ZoneSettings.DEFAULT_ORIGINS),
          or(d.defaultSoa(), ZoneSettings.DEFAULT_SOA),
          d.rrA() == null ? null : ip("dns.rr_a", d.rrA(), Inet4Address.class),
          d.rrAaaa() == null ? null : ip("dns.rr_aaaa", d.rrAaaa(), Inet6Address.class),
          d.rrNs(),
          or(d.udpPayloadSize(), ZoneSettings.DEFAULT_UDP_PAYLOAD));
    } catch (IllegalArgumentException e) {
      // ZoneSettings names its fields as the keys are named, but origins in the singular.
      throw ConfigException.renaming(e, Map.of("origin", "dns.origins", "default_soa",
          "dns.default_soa", "rr_ns", "dns.rr_ns", "udp_payload_size", "dns.udp_payload_size"));
    }
    RrlSettings rrl = RrlSettings.DEFAULT;
    RrlTable r = d.rrl();
    if (r != null) {
      RrlSettings x = RrlSettings.DEFAULT;
      try {
        rrl = new RrlSettings(or(r.enabled(), x.enabled()),
            or(r.responsesPerSecond(), x.responsesPerSecond()), or(r.burst(), x.burst()),
            or(r.slip(), x.slip()), or(r.ipv4PrefixLength(), x.ipv4PrefixLength()),
            or(r.ipv6PrefixLength(), x.ipv6PrefixLength()),
            or(r.exemptLoopback(), x.exemptLoopback()), or(r.tableSize(), x.tableSize()));
      } catch (IllegalArgumentException e) {
        String m = String.valueOf(e.getMessage()); // "rrl burst must be ..."
        throw new ConfigException(m.startsWith("rrl ") ? "dns.rrl." + m.substring(4) : "dns.rrl: " + m, e);
      }
    }
    long defaultTtl = or(d.defaultTtl(), DEFAULT_TTL);
    if (defaultTtl < 0 || defaultTtl > 0x7fffffffL) {
      throw new ConfigException("dns.default_ttl must be 0..2147483647, got " + defaultTtl);
    }
    return new Dns(or(d.bindAddr(), DEFAULT_BIND_ADDRESS), or(d.port(), DEFAULT_DNS_PORT), zone,
        defaultTtl,
        duration("dns.tcp_idle_timeout", d.tcpIdleTimeout(), DnsServer.Listen.DEFAULT_TCP_IDLE),
        or(d.tcpMaxConnections(), DnsServer.Listen.DEFAULT_TCP_MAX_CONNECTIONS), rrl,
        or(d.zoneCacheSize(), ZoneCache.DEFAULT_MAX_ZONES),
        duration("dns.zone_cache_ttl", d.zoneCacheTtl(), ZoneCache.DEFAULT_POSITIVE_TTL),
        duration("dns.negative_cache_ttl", d.negativeCacheTtl(), ZoneCache.DEFAULT_NEGATIVE_TTL));
  }

  /**
   * The store defaults of the DNS server: the relay's, except no capacity limit. iroh-dns-server
   * has none (packets only expire by age), and a capacity needs access-time bookkeeping of the
   * keys DNS reads, which turns read traffic into database writes.
   */
  public static StoreOptions defaultStore() {
    return StoreOptions.defaults().toBuilder().capacity(0).build();
  }

  private static StoreOptions store(ZoneStoreTable z) {
    StoreOptions d = defaultStore();
    if (z == null) {
      return d;
    }
    try {
      int batch = or(z.maxBatchSize(), d.maxBatchSize());
      Duration batchTime = duration("zone_store.max_batch_time", z.maxBatchTime(), d.maxBatchDelay());
      if (batchTime.compareTo(Duration.ofMillis(50)) > 0) {
        LOG.warn("zone_store.max_batch_time = {}: keyway answers a PUT only once its batch is"
            + " committed (iroh answers before), so this delay is added to PUTs", Durations.format(batchTime));
      }
      return StoreOptions.builder()
          .maxBatchSize(batch)
          .maxBatchDelay(batchTime)
          .queueCapacity(or(z.queueCapacity(), Math.max(d.queueCapacity(), batch)))
          .fsync(or(z.fsync(), d.fsync()))
          .maxAge(duration("zone_store.eviction", z.eviction(), d.maxAge()))
          .evictionInterval(duration("zone_store.eviction_interval", z.evictionInterval(),
              d.evictionInterval()))
          .capacity(or(z.capacity(), d.capacity()))
          .readCacheSize(or(z.readCacheSize(), d.readCacheSize()))
          .readerConnections(or(z.readerConnections(), d.readerConnections()))
          .backup(StoreKeys.backup("zone_store", z.backupDir(), z.backupInterval(), z.backupKeep()))
          .build();
    } catch (IllegalArgumentException e) {
      throw ConfigException.renaming(e, STORE_KEYS);
    }
  }

  private static RelayConfig.Metrics metrics(MetricsTable m) {
    if (m == null) {
      return RelayConfig.Metrics.defaults();
    }
    if (m.disabled() == null) {
      throw new ConfigException("metrics.disabled is required when [metrics] is present"
          + " (iroh-dns-server's rule): write disabled = false");
    }
    String defaultAddr = RelayConfig.DEFAULT_METRICS_ADDRESS + ":" + RelayConfig.DEFAULT_METRICS_PORT;
    String addr = or(m.bindAddr(), defaultAddr);
    BindAddresses.HostPort a = BindAddresses.parseHostPort("metrics.bind_addr", addr, defaultAddr);
    if (a.port() < 0) {
      // Unlike the relay (which leaves it to Metrics' port check), a negative port is malformed,
      // even with disabled = true.
      throw BindAddresses.notHostPort("metrics.bind_addr", addr, defaultAddr);
    }
    return new RelayConfig.Metrics(!m.disabled(), a.host(), a.port());
  }

  // ---- helpers ----

  private static <T> T or(T value, T fallback) {
    return value != null ? value : fallback;
  }

  private static final Pattern HUMANTIME =
      Pattern.compile("(\\d+)\\s*(weeks?|w|days?|hours?|hrs?|minutes?|mins?|seconds?|secs?|msecs?|millis(?:econds?)?)\\b");

  /**
   * A duration: the relay's syntax ({@code 10s}, {@code 7d}, {@code 1h30m}, or a whole number of
   * seconds; see {@link Durations#fromValue}) or iroh's humantime spellings ({@code "7days"},
   * {@code "1 week"}, {@code "10 secs"}).
   */
  static Duration duration(String key, Object value, Duration fallback) {
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof String text)) {
      return Durations.fromValue(key, value);
    }
    Durations.refuseMonths(key, text);
    Matcher m = HUMANTIME.matcher(text.trim().toLowerCase(Locale.ROOT));
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      long n;
      try {
        n = Math.multiplyExact(Long.parseLong(m.group(1)), m.group(2).startsWith("w") ? 7 : 1);
      } catch (NumberFormatException | ArithmeticException e) {
        throw Durations.invalid(key, text);
      }
      String unit = m.group(2);
      String replacement = unit.startsWith("w") ? n + "d"
          : unit.startsWith("d") ? n + "d"
          : unit.startsWith("h") ? n + "h"
          : unit.startsWith("mi") && !unit.startsWith("mil") ? n + "m"
          : unit.startsWith("s") ? n + "s"
          : n + "ms";
      m.appendReplacement(sb, replacement);
    }
    m.appendTail(sb);
    try {
      return Durations.parse(key, sb.toString().replace(" ", ""));
    } catch (ConfigException e) {
      throw Durations.invalid(key, text); // show what the file says, not the rewritten text
    }
  }

  private static <T extends InetAddress> T ip(String key, String text, Class<T> type) {
    String expected = type == Inet4Address.class ? "an IPv4 address such as 127.0.0.1"
        : "an IPv6 address such as ::1";
    ConfigException bad = new ConfigException(key + " must be " + expected + ", got "
        + TomlFiles.describe(text));
    // A literal only: never a name lookup while reading the config.
    // (An empty text would be looked up as the loopback address.)
    if (text.isBlank() || !text.trim().chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
      throw bad;
    }
    try {
      InetAddress a = InetAddress.getByName(text.trim());
      if (!type.isInstance(a)) {
        throw bad;
      }
      return type.cast(a);
    } catch (UnknownHostException e) {
      throw bad;
    }
  }
}
