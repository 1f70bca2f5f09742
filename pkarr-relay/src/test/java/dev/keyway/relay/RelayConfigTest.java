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

        [store]
        max_batch_size = 64
        max_batch_delay = "5ms"
        queue_capacity = 128
        fsync = false
        eviction = "1d12h"
        eviction_interval = "1m"
        read_cache_size = 0
        reader_connections = 2

        [metrics]
        bind_addr = "[::1]:9200"
        """, dir);
    assertThat(c.http()).isEqualTo(new RelayConfig.Http("::", 0, "/pkarr", Duration.ZERO, 3, Duration.ofSeconds(2)));
    assertThat(c.store().maxBatchSize()).isEqualTo(64);
    assertThat(c.store().maxBatchDelay()).isEqualTo(Duration.ofMillis(5));
    assertThat(c.store().fsync()).isFalse();
    assertThat(c.store().maxAge()).isEqualTo(Duration.ofHours(36));
    assertThat(c.store().evictionInterval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(c.store().readCacheSize()).isZero();
    assertThat(c.metrics()).isEqualTo(new RelayConfig.Metrics(true, "::1", 9200));
    assertThat(RelayConfig.fromToml("[metrics]\ndisabled = true", dir).metrics().enabled()).isFalse();
  }

  @Test
  void mistakesNameTheKey() {
    assertError("[http]\nprot = 1", "unknown key 'prot'", "[http]", "port");
    assertError("colour = 1", "unknown key 'colour'", "top level");
    assertError("[htp]\nport = 1", "unknown key 'htp'");
    assertError("[http]\nport = \"6881\"", "'http.port'");
    assertError("[http]\nport = 70000", "[http] port");
    assertError("[http]\nbind_addr = \"localhost\"", "IP address");
    assertError("[http]\nbase_path = \"pkarr\"", "base_path");
    assertError("[cache]\nminimum_ttl = 10\nmaximum_ttl = 5", "minimum_ttl");
    assertError("[store]\neviction = \"7 days\"", "[store] eviction", "not a duration");
    assertError("[store]\nmax_batch_size = 0", "maxBatchSize");
    assertError("[rate_limiter]\nquota = \"2r/s\"", "behind_proxy is required");
    assertError("[rate_limiter]\nbehind_proxy = false\nquota = \"2/s\"", "[rate_limiter]", "<N>r/<unit>");
    assertError("[rate_limiter]\nbehind_proxy = false\nburst = 0", "burst");
    assertError("[rate_limiter]\nbehind_proxy = false\nper_second = 2\nburst_size = 10", "quota = \"2r/s\"");
    assertError("[metrics]\nbind_addr = \"9117\"", "ip:port");
    assertError("[http\nport = 1", "not valid TOML");
  }

  private void assertError(String toml, String... fragments) {
    assertThatThrownBy(() -> RelayConfig.fromToml(toml, dir))
        .as(toml)
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(e.getMessage()).contains(fragments));
  }

  @Test
  void missingFileIsAClearError() {
    assertThatThrownBy(() -> RelayConfig.fromFile(dir.resolve("nope.toml")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("does not exist");
  }
}
