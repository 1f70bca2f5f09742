package dev.keyway.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.relay.config.ConfigException;
import dev.keyway.relay.ratelimit.Quota;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RelayConfigTest {
  @TempDir Path dir;

  /** pkarr-relay's own example config (relay/src/config.example.toml, keys as in pkarr.md §3.2). */
  static final String PKARR_EXAMPLE = """
      [http]
      port = 6881

      [mainline]
      port = 6881

      [cache]
      path = "./cache"
      size = 1_000_000
      minimum_ttl = 300
      maximum_ttl = 86400

      [rate_limiter]
      behind_proxy = false
      quota = "2r/s"
      burst = 10
      dht_quota = "2r/s"
      dht_burst = 10
      user_dht_quota = "2r/s"
      user_dht_burst = 10
      """;

  @Test
  void pkarrRelaysExampleConfigLoads() throws Exception {
    Path file = dir.resolve("conf/relay.toml");
    Files.createDirectories(file.getParent());
    Files.writeString(file, PKARR_EXAMPLE);
    RelayConfig c = RelayConfig.fromFile(file);
    assertThat(c.http().port()).isEqualTo(6881);
    assertThat(c.http().bindAddress()).isEqualTo("127.0.0.1");
    assertThat(c.dataDir()).isEqualTo(dir.resolve("conf/cache").toAbsolutePath());
    assertThat(c.store().capacity()).isEqualTo(1_000_000);
    assertThat(c.minimumTtl()).isEqualTo(300);
    assertThat(c.maximumTtl()).isEqualTo(86_400);
    assertThat(c.rateLimit()).contains(new RelayConfig.RateLimit(false, Quota.parse("2r/s", 10L)));
  }

  @Test
  void emptyFileMeansDefaults() {
    RelayConfig c = RelayConfig.fromToml("", dir);
    assertThat(c).isEqualTo(RelayConfig.defaults());
    assertThat(c.rateLimit()).isEmpty();
    assertThat(c.dataDir()).isEqualTo(Path.of("data"));
    assertThat(c.http().port()).isEqualTo(6881);
    assertThat(c.metrics()).isEqualTo(new RelayConfig.Metrics(true, "127.0.0.1", 9117));
    assertThat(c.describe()).anyMatch(l -> l.contains("rate limit: off"));
  }

  @Test
  void keywayKeys() {
    RelayConfig c = RelayConfig.fromToml("""
        [http]
        bind_addr = "::"
        port = 0
        base_path = "/pkarr/"
        max_future_skew = "0"
        event_loops = 3
        shutdown_timeout = 2
        request_body_timeout = "20s"
        request_header_timeout = "15s"
        h2c = true

        [store]
        max_batch_size = 64
        max_batch_delay = "5ms"
        queue_capacity = 128
        fsync = false
        eviction = "1d12h"
        eviction_interval = "1m"
        read_cache_size = 0
        reader_connections = 2
        backup_interval = "12h"
        backup_dir = "/srv/copies"
        backup_keep = 5

        [metrics]
        bind_addr = "[::1]:9200"
        """, dir);
    assertThat(c.http()).isEqualTo(new RelayConfig.Http("::", 0, "/pkarr", Duration.ZERO, 3,
        Duration.ofSeconds(2), Duration.ofSeconds(20), Duration.ofSeconds(15), true));
    assertThat(c.describe()).anyMatch(l -> l.contains("request_header_timeout 15s, h2c"));
    assertThat(RelayConfig.Http.defaults().h2c()).as("off by default").isFalse();
    assertThat(c.store().maxBatchSize()).isEqualTo(64);
    assertThat(c.store().maxBatchDelay()).isEqualTo(Duration.ofMillis(5));
    assertThat(c.store().fsync()).isFalse();
    assertThat(c.store().maxAge()).isEqualTo(Duration.ofHours(36));
    assertThat(c.store().evictionInterval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(c.store().readCacheSize()).isZero();
    assertThat(c.store().backup()).isEqualTo(new dev.keyway.relay.store.BackupOptions(
        java.nio.file.Path.of("/srv/copies"), Duration.ofHours(12), 5));
    assertThat(c.describe()).anyMatch(l -> l.endsWith("backups every 12h into /srv/copies (keep 5)"));
    assertThat(RelayConfig.builder().build().store().backup().enabled()).as("off by default").isFalse();
    assertThat(c.metrics()).isEqualTo(new RelayConfig.Metrics(true, "::1", 9200));
    assertThat(RelayConfig.fromToml("[metrics]\ndisabled = true", dir).metrics().enabled()).isFalse();
  }

  @Test
  void mistakesNameTheKey() {
    assertError("[http]\nprot = 1", "unknown key 'prot'", "[http]", "port");
    assertError("colour = 1", "unknown key 'colour'", "top level");
    assertError("[htp]\nport = 1", "unknown key 'htp'");
    assertError("[http]\nport = \"6881\"", "config: http.port: expected an integer, got \"6881\"");
    assertError("[http]\nport = 70000", "http.port must be 0..65535, got 70000");
    assertError("[http]\nbind_addr = \"localhost\"",
        "http.bind_addr must be an IP address such as 127.0.0.1 or ::, got \"localhost\"");
    assertError("[http]\nbase_path = \"pkarr\"", "http.base_path must start with /, got \"pkarr\"");
    assertError("[cache]\nminimum_ttl = 10\nmaximum_ttl = 5",
        "cache.minimum_ttl must be at most cache.maximum_ttl (5), got 10");
    assertError("[store]\neviction = \"7 days\"", "store.eviction: expected a whole number of seconds"
        + " or a duration string like \"10s\", \"7d\" or \"1h30m\" (units ms, s, m, h, d), got \"7 days\"");
    assertError("[store]\nmax_batch_size = 0", "store.max_batch_size must be at least 1, got 0");
    assertError("[store]\nbackup_interval = \"500ms\"",
        "store.backup_interval must be 0s (off) or 1s..366d, got 500ms");
    assertError("[store]\nbackup_interval = \"daily\"", "store.backup_interval: expected a whole number");
    assertError("[store]\nbackup_keep = 0", "store.backup_keep must be 1..10000, got 0");
    assertError("[store]\nbackup_dir = \"\"", "store.backup_dir must not be empty");
    assertError("[rate_limiter]\nquota = \"2r/s\"", "rate_limiter.behind_proxy is required");
    assertError("[rate_limiter]\nbehind_proxy = false\nquota = \"2/s\"",
        "rate_limiter.quota '2/s' is not <N>r/<unit>");
    assertError("[rate_limiter]\nbehind_proxy = false\nburst = 0",
        "rate_limiter.burst must be at least 1, got 0");
    assertError("[rate_limiter]\nbehind_proxy = false\ndht_quota = \"0r/s\"",
        "rate_limiter.dht_quota '0r/s' allows nothing");
    assertError("[rate_limiter]\nbehind_proxy = false\nuser_dht_burst = 0",
        "rate_limiter.user_dht_burst must be at least 1, got 0");
    assertError("[metrics]\nbind_addr = \"9117\"",
        "metrics.bind_addr must be ip:port, e.g. \"127.0.0.1:9117\", got \"9117\"");
    assertError("[metrics]\nbind_addr = \"127.0.0.1:70000\"",
        "metrics.bind_addr port must be 0..65535, got 70000");
    assertError("[http\nport = 1", "config:1:6: not valid TOML");
    // Vert.x would share one socket between the two servers: refused, not half-served.
    assertError("[http]\nport = 9117", "[http] (127.0.0.1) and [metrics] (127.0.0.1) both listen on"
        + " TCP port 9117; give each its own port");
    assertError("[http]\nbind_addr = \"::\"\nport = 9200\n[metrics]\nbind_addr = \"127.0.0.1:9200\"",
        "both listen on TCP port 9200");
  }

  @Test
  void listenersOnOnePortAreFineOnDistinctAddressesOrWithMetricsOff() {
    assertThat(RelayConfig.fromToml("[http]\nbind_addr = \"127.0.0.2\"\nport = 9117", dir).http().port())
        .isEqualTo(9117);
    assertThat(RelayConfig.fromToml("[http]\nport = 9117\n[metrics]\ndisabled = true", dir).http().port())
        .isEqualTo(9117);
  }

  /** Review finding 1: fractions were truncated (0.5 s of eviction became 0 = eviction off). */
  @Test
  void aFractionWhereAWholeNumberIsExpectedIsAnError() {
    String durations = "expected a whole number of seconds or a duration string like \"10s\","
        + " \"7d\" or \"1h30m\" (units ms, s, m, h, d), got ";
    assertError("[store]\neviction = 0.5", "store.eviction: " + durations + "0.5 (write \"500ms\")");
    assertError("[store]\nmax_batch_delay = 0.002",
        "store.max_batch_delay: " + durations + "0.002 (write \"2ms\")");
    assertError("[http]\nmax_future_skew = 0.9",
        "http.max_future_skew: " + durations + "0.9 (write \"900ms\")");
    assertError("[http]\nshutdown_timeout = 1.0", "http.shutdown_timeout: " + durations + "1.0 (write \"1s\")");
    assertError("[store]\neviction_interval = 0.0001", "store.eviction_interval: " + durations + "0.0001");
    assertError("[store]\neviction = 1e3", "store.eviction: " + durations + "1000.0 (write \"1000s\")");
    assertError("[store]\neviction = inf", "store.eviction: " + durations + "inf");
    assertError("[store]\neviction = nan", "store.eviction: " + durations + "nan");
    assertError("[store]\neviction = true", "store.eviction: " + durations + "true");
    assertError("[store]\neviction = [1]", "store.eviction: " + durations + "an array");
    assertError("[store]\neviction = \"10\"", "store.eviction: " + durations
        + "\"10\" (a number of seconds is written without quotes: 10, or \"10s\")");
    assertError("[store]\neviction = -5", "store.eviction: expected a duration of 0 or more, got -5");
    assertError("[store]\neviction = 99999999999999999999",
        "store.eviction: " + durations + "99999999999999999999 (too large)");
    assertError("[cache]\nsize = 1.5", "config: cache.size: expected an integer, got 1.5");
    assertError("[http]\nport = 17001.9", "config: http.port: expected an integer, got 17001.9");
    assertError("[http]\nport = 6881.0", "config: http.port: expected an integer, got 6881.0");
    assertError("[store]\nqueue_capacity = 2048.5", "config: store.queue_capacity: expected an integer, got 2048.5");
    assertError("[cache]\nminimum_ttl = 1.5", "config: cache.minimum_ttl: expected an integer, got 1.5");
    // Whole numbers of seconds still work, as in pkarr-relay.
    RelayConfig c = RelayConfig.fromToml("[store]\neviction = 3600\nmax_batch_delay = 0\n"
        + "[http]\nmax_future_skew = 0", dir);
    assertThat(c.store().maxAge()).isEqualTo(Duration.ofHours(1));
    assertThat(c.store().maxBatchDelay()).isZero();
    assertThat(c.http().maxFutureSkew()).isZero();
  }

  /** Review finding 2: wrong types leaked Jackson's text ("Cannot coerce String value"). */
  @Test
  void aWrongTypeSaysWhatIsExpectedAndWhatWasFound() {
    assertError("[store]\nfsync = \"yes\"", "config: store.fsync: expected true or false, got \"yes\"");
    assertError("[store]\nfsync = 1", "config: store.fsync: expected true or false, got 1");
    assertError("[http]\nport = \"seventeen\"", "config: http.port: expected an integer, got \"seventeen\"");
    assertError("[http]\nport = \"\"", "config: http.port: expected an integer, got \"\"");
    assertError("[cache]\nsize = \"1GB\"", "config: cache.size: expected an integer, got \"1GB\"");
    assertError("http = 5", "config: http: expected a table ([http]), got 5");
    assertError("[[http]]\nport = 1", "config: http: expected a table ([http]), got an array");
    assertError("[cache]\npath = 5", "config: cache.path: expected a string, got 5");
    assertError("[http]\nbind_addr = true", "config: http.bind_addr: expected a string, got true");
    assertError("[rate_limiter]\nquota = 2", "config: rate_limiter.quota: expected a string, got 2");
    assertError("[http]\nport = [6881]", "config: http.port: expected an integer, got an array");
    assertError("[http]\nport = {a = 1}", "config: http.port: expected an integer, got a table");
    assertError("[http]\nport = 3000000000",
        "config: http.port: expected an integer from -2147483648 to 2147483647, got 3000000000");
    assertError("[http]\nbase_path = \"a\\nb\"", "http.base_path must start with /, got \"a\\nb\"");
    assertError("[http]\nport = \"" + "x".repeat(100) + "\"",
        "config: http.port: expected an integer, got \"" + "x".repeat(60) + "...\"");
  }

  /** Review finding 3: validation spoke Java (queueCapacity, PT0S). */
  @Test
  void validationUsesTheKeysAndUnitsOfTheFile() {
    assertError("[http]\nrequest_header_timeout = 0",
        "http.request_header_timeout must be positive, got 0s");
    assertError("[store]\nqueue_capacity = 0",
        "store.queue_capacity must be at least store.max_batch_size (1024), got 0");
    assertError("[store]\neviction_interval = 0", "store.eviction_interval must be 10ms..36500d, got 0s");
    assertError("[store]\neviction_interval = \"5ms\"", "store.eviction_interval must be 10ms..36500d, got 5ms");
    assertError("[store]\nmax_batch_delay = \"2s\"", "store.max_batch_delay must be 0s..1s, got 2s");
    assertError("[store]\nreader_connections = 0", "store.reader_connections must be 1..256, got 0");
    assertError("[store]\nread_cache_size = -1", "store.read_cache_size must not be negative, got -1");
    assertError("[cache]\nsize = -1", "cache.size must not be negative, got -1");
    assertError("[cache]\nminimum_ttl = -1", "cache.minimum_ttl must not be negative, got -1");
    // API callers keep the builder's names.
    assertThatThrownBy(() -> dev.keyway.relay.store.StoreOptions.builder().queueCapacity(0).build())
        .hasMessage("queueCapacity must be at least maxBatchSize (1024), got 0");
    assertThatThrownBy(() -> dev.keyway.relay.store.StoreOptions.builder().evictionInterval(Duration.ZERO).build())
        .hasMessage("evictionInterval must be 10ms..36500d, got 0s");
  }

  @Test
  void everyStoreOptionHasTheKeyItIsReadFrom() {
    assertThat(RelayConfig.STORE_KEYS.keySet()).containsExactlyInAnyOrderElementsOf(
        dev.keyway.relay.config.StoreKeys.optionNames());
    assertThat(RelayConfig.fileKeys()).containsAll(RelayConfig.STORE_KEYS.values());
  }

  /** Review finding 4: syntax errors had no line, duplicates no key. */
  @Test
  void syntaxErrorsGiveLineColumnAndKey() throws Exception {
    Path file = dir.resolve("relay.toml");
    assertFileError(file, "# relay\n\n[http\nport = 1\n", file + ":3:6: not valid TOML: newline not permitted here");
    assertFileError(file, "[http]\nport = 1\nport = 2\n", file + ":3:1: not valid TOML: duplicate key 'port'");
    assertFileError(file, "[http]\n  port = 1 # one\n  port=2 # two\n",
        file + ":3:3: not valid TOML: duplicate key 'port'");
    assertFileError(file, "x = {a = 1, a = 2}\n", file + ":1:13: not valid TOML: duplicate key 'a'");
    assertFileError(file, "[http]\nport = 1\n\n[http]\nbind_addr = \"::\"\n",
        file + ":4:1: not valid TOML: table [http] defined twice");
    assertFileError(file, "[store]\nfsync = yes\n", file + ":2:");
  }

  /** Review finding 6: every accepted key is one the reference file can document. */
  @Test
  void legacyRateLimiterKeysAreKnownAndRefusedWithTheEquivalent() {
    assertThat(RelayConfig.fileKeys()).contains("http.port", "store.eviction", "rate_limiter.quota",
        "rate_limiter.per_second", "rate_limiter.burst_size", "mainline.port", "metrics.bind_addr");
    assertError("[rate_limiter]\nbehind_proxy = false\nper_second = 2\nburst_size = 20",
        "rate_limiter.per_second is pkarr-relay 0.12's key, refused as by pkarr-relay 0.13+"
            + " (per_second = N meant one request every N seconds); write quota = \"30r/m\" and burst = 20 instead");
    // no exact equivalent: the nearest slower quota, never the faster default
    assertError("[rate_limiter]\nper_second = 7", "write quota = \"12342r/d\" and burst = 10");
    assertError("[rate_limiter]\nper_second = 99999999999999999999", "write quota = \"1r/d\"");
    // a huge fractional duration is a config error, not a crash
    assertError("[http]\nmax_future_skew = 1e30", "http.max_future_skew: expected");
    // so is one beyond what nanoseconds hold, which used to pass and then fail the start
    assertError("[http]\nmax_future_skew = \"400000d\"", "http.max_future_skew must be 0 (no check) to 36500d, got 400000d");
    // "M" is a month in iroh's syntax: never read as a minute
    assertError("[store]\neviction = \"1M\"", "store.eviction: \"M\" is a month in iroh's duration syntax");
    assertError("[rate_limiter]\nbehind_proxy = false\nburst_size = 5",
        "rate_limiter.burst_size is pkarr-relay 0.12's key", "burst = 5 instead");
  }

  private void assertFileError(Path file, String toml, String message) throws Exception {
    Files.writeString(file, toml);
    assertThatThrownBy(() -> RelayConfig.fromFile(file))
        .as(toml)
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(e.getMessage()).startsWith(message).doesNotContain("\n"));
  }

  /** The message is exactly the expected one (or starts with it), on one line, and no config is returned. */
  private void assertError(String toml, String... fragments) {
    assertThatThrownBy(() -> RelayConfig.fromToml(toml, dir))
        .as(toml)
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(e.getMessage()).contains(fragments).doesNotContain("\n")
            .doesNotContainPattern("[a-z][A-Z]|PT[0-9]|Cannot |`"));
  }

  @Test
  void aFileErrorNamesTheFile() throws Exception {
    Path file = dir.resolve("relay.toml");
    assertFileError(file, "[store]\neviction = 0.5\n", file + ": store.eviction: expected a whole number");
    assertFileError(file, "[store]\nfsync = \"yes\"\n", file + ": store.fsync: expected true or false, got \"yes\"");
    assertFileError(file, "[store]\nqueue_capacity = 0\n", file + ": store.queue_capacity must be at least");
  }

  /** Review finding 5: an unreadable file did not say why. */
  @Test
  void anUnreadableFileSaysWhy() throws Exception {
    assertThatThrownBy(() -> RelayConfig.fromFile(dir))
        .isInstanceOf(ConfigException.class)
        .hasMessage("cannot read config file " + dir + ": it is a directory");
    Path binary = Files.write(dir.resolve("binary.toml"), new byte[] {(byte) 0xff, (byte) 0xfe, 'a'});
    assertThatThrownBy(() -> RelayConfig.fromFile(binary))
        .isInstanceOf(ConfigException.class)
        .hasMessage("cannot read config file " + binary + ": not UTF-8 text (TOML files are UTF-8)");
    Path notDir = dir.resolve("binary.toml/relay.toml");
    assertThatThrownBy(() -> RelayConfig.fromFile(notDir))
        .isInstanceOf(ConfigException.class)
        .hasMessage("cannot read config file " + notDir + ": not a directory");
    // "permission denied" cannot be produced here as root (CI); TomlFilesTest checks its wording.
  }

  @Test
  void missingFileIsAClearError() {
    assertThatThrownBy(() -> RelayConfig.fromFile(dir.resolve("nope.toml")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("does not exist");
  }
}
