package dev.keyway.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.relay.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading dns-server config files: what is accepted, and what each mistake says. */
class DnsServerConfigTest {
  @TempDir Path dir;

  /** The smallest valid file: [dns] is required, and one of [http] / [https]. */
  static final String MINIMAL = "[http]\n[dns]\n";

  static final String DURATION = "expected a whole number of seconds or a duration string like"
      + " \"10s\", \"7d\" or \"1h30m\" (units ms, s, m, h, d), got ";

  private DnsServerConfig read(String toml) {
    return DnsServerConfig.fromToml(toml, dir, Map.of());
  }

  /** Exactly this message, on one line, without Java names or Jackson's text; no config returned. */
  private void assertError(String toml, String message) {
    assertThatThrownBy(() -> read(toml))
        .as(toml)
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(e.getMessage()).isEqualTo(message).doesNotContain("\n")
            .doesNotContainPattern("[a-z][A-Z]|PT[0-9]|Cannot |`"));
  }

  @Test
  void twoListenersOnOnePortAreRefused() {
    // Vert.x would share one socket between the two servers and hand each connection to either.
    assertError("[http]\nport = 5300\n[dns]\n", "[http] (::) and [dns] (TCP) (::) both listen on TCP port 5300;"
        + " give each its own port");
    assertError("[http]\nport = 8443\n[dns]\n[https]\nport = 8443\ndomains = [\"localhost\"]",
        "[http] (::) and [https] (::) both listen on TCP port 8443; give each its own port");
    assertError(MINIMAL + "[metrics]\ndisabled = false\nbind_addr = \"127.0.0.1:8080\"",
        "[http] (::) and [metrics] (127.0.0.1) both listen on TCP port 8080; give each its own port");
    assertThat(read("[metrics]\ndisabled = true\n[dns]\n[http]\nport = 9117").http().orElseThrow().port())
        .isEqualTo(9117);
  }

  @Test
  void irohDurationsAndWholeSecondsStillRead() {
    DnsServerConfig c = read(MINIMAL + "[zone_store]\neviction = \"1 week\"\neviction_interval = 30\n"
        + "max_batch_time = \"10 msecs\"\n");
    assertThat(c.store().maxAge()).isEqualTo(Duration.ofDays(7));
    assertThat(c.store().evictionInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.store().maxBatchDelay()).isEqualTo(Duration.ofMillis(10));
    assertThat(read(MINIMAL + "[zone_store]\neviction = \"7days\"").store().maxAge())
        .isEqualTo(Duration.ofDays(7));
  }

  @Test
  void backupsAreOffUnlessAnIntervalIsSet() {
    assertThat(read(MINIMAL).store().backup().enabled()).isFalse();
    DnsServerConfig c = read(MINIMAL + "[zone_store]\nbackup_interval = \"1d\"\nbackup_keep = 2\n");
    assertThat(c.store().backup()).isEqualTo(new dev.keyway.relay.store.BackupOptions(
        java.nio.file.Path.of("backups"), Duration.ofDays(1), 2));
    assertThat(c.describe()).anyMatch(l -> l.endsWith("backups every 1d into backups (keep 2)"));
  }

  @Test
  void httpTimeoutsReadWithDefaults() {
    DnsServerConfig.Http h = read("[http]\nrequest_body_timeout = \"20s\"\n"
        + "request_header_timeout = \"15s\"\nh2c = true\n[dns]\n").http().orElseThrow();
    assertThat(h.bodyTimeout()).isEqualTo(Duration.ofSeconds(20));
    assertThat(h.headerTimeout()).isEqualTo(Duration.ofSeconds(15));
    assertThat(h.h2c()).isTrue();
    assertThat(read(MINIMAL).http().orElseThrow().h2c()).as("off by default").isFalse();
    assertThat(read(MINIMAL).http().orElseThrow().headerTimeout())
        .isEqualTo(DnsServerConfig.DEFAULT_HEADER_TIMEOUT).isEqualTo(Duration.ofSeconds(30));
    assertError("[http]\nrequest_header_timeout = \"0s\"\n[dns]\n",
        "http.request_header_timeout must be positive, got 0s");
  }

  /** Review finding 1: [zone_store] eviction = 0.5 was read as 0. */
  @Test
  void aFractionWhereAWholeNumberIsExpectedIsAnError() {
    assertError(MINIMAL + "[zone_store]\neviction = 0.5",
        "zone_store.eviction: " + DURATION + "0.5 (write \"500ms\")");
    assertError(MINIMAL + "[zone_store]\nmax_batch_time = 0.002",
        "zone_store.max_batch_time: " + DURATION + "0.002 (write \"2ms\")");
    assertError("[http]\nshutdown_timeout = 2.5\n[dns]\n",
        "http.shutdown_timeout: " + DURATION + "2.5 (write \"2500ms\")");
    assertError("[http]\n[dns]\ntcp_idle_timeout = 0.5\n",
        "dns.tcp_idle_timeout: " + DURATION + "0.5 (write \"500ms\")");
    assertError("[http]\nport = 8080.5\n[dns]\n", "config: http.port: expected an integer, got 8080.5");
    assertError("[http]\n[dns]\nzone_cache_size = 1e6\n",
        "config: dns.zone_cache_size: expected an integer, got 1000000.0");
    assertError("[http]\n[dns]\n[dns.rrl]\nburst = 2.5\n", "config: dns.rrl.burst: expected an integer, got 2.5");
    assertError(MINIMAL + "[zone_store]\ncapacity = 1.5", "config: zone_store.capacity: expected an integer, got 1.5");
  }

  /** Review finding 2: wrong types leaked Jackson's text. */
  @Test
  void aWrongTypeSaysWhatIsExpectedAndWhatWasFound() {
    assertError(MINIMAL + "[zone_store]\nfsync = \"yes\"", "config: zone_store.fsync: expected true or false, got \"yes\"");
    assertError("[http]\n[dns]\nport = \"seventeen\"", "config: dns.port: expected an integer, got \"seventeen\"");
    assertError("http = 5\n[dns]\n", "config: http: expected a table ([http]), got 5");
    assertError("[http]\n[dns]\norigins = [\"irohdns.example.\", 1]\n",
        "config: dns.origins[1]: expected a string, got 1");
    assertError("[http]\n[dns]\norigins = \"irohdns.example.\"\n",
        "config: dns.origins: expected an array of strings, e.g. [\"a\", \"b\"], got \"irohdns.example.\"");
    assertError("[http]\n[dns]\n[metrics]\ndisabled = \"no\"\n",
        "config: metrics.disabled: expected true or false, got \"no\"");
  }

  /** Review finding 3: validation spoke Java (queueCapacity, PT0S) and used another key style. */
  @Test
  void keysAreRenamedButTheUsersValuesAreNot() {
    assertThatThrownBy(() -> read("[http]\n[dns]\norigins = [\"origin..x\"]\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("origin..x").hasMessageNotContaining("dns.origins..x");
    assertThatThrownBy(() -> read("[http]\nrate_limit = \"fast\"\n[dns]\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("http.rate_limit must be disabled, simple or smart, got 'fast'");
  }

  @Test
  void validationUsesTheKeysAndUnitsOfTheFile() {
    assertError(MINIMAL + "[zone_store]\nqueue_capacity = 1",
        "zone_store.queue_capacity must be at least zone_store.max_batch_size (1024), got 1");
    assertError(MINIMAL + "[zone_store]\neviction_interval = 0",
        "zone_store.eviction_interval must be 10ms..36500d, got 0s");
    assertError(MINIMAL + "[zone_store]\nmax_batch_time = \"2s\"",
        "zone_store.max_batch_time must be 0s..1s, got 2s");
    assertError(MINIMAL + "[zone_store]\nreader_connections = 0",
        "zone_store.reader_connections must be 1..256, got 0");
    assertError(MINIMAL + "[zone_store]\ncapacity = -1", "zone_store.capacity must not be negative, got -1");
    assertError(MINIMAL + "[zone_store]\nbackup_keep = 0", "zone_store.backup_keep must be 1..10000, got 0");
    assertError(MINIMAL + "[zone_store]\nbackup_interval = \"10ms\"",
        "zone_store.backup_interval must be 0s (off) or 1s..366d, got 10ms");
    assertError("[http]\n[dns]\n[dns.rrl]\nburst = 0\n", "dns.rrl.burst must be at least 1, got 0");
    assertError("[http]\n[dns]\norigins = []\n",
        "dns.origins must name at least one origin, e.g. [\"irohdns.example.\"], got []");
    assertError("[http]\n[dns]\nudp_payload_size = 100\n", "dns.udp_payload_size must be 512..4096, got 100");
    assertError("[http]\n[dns]\ntcp_idle_timeout = 0\n", "dns.tcp_idle_timeout must be more than 0s, got 0s");
    assertError("[http]\n[dns]\nrr_a = \"example.com\"\n",
        "dns.rr_a must be an IPv4 address such as 127.0.0.1, got \"example.com\"");
    assertError("[http]\n[dns]\nrr_aaaa = \"127.0.0.1\"\n",
        "dns.rr_aaaa must be an IPv6 address such as ::1, got \"127.0.0.1\"");
    assertError("[http]\nbind_addr = \"any\"\n[dns]\n",
        "http.bind_addr must be an IP address such as 127.0.0.1 or ::, got \"any\"");
    assertError(MINIMAL + "[metrics]\ndisabled = false\nbind_addr = \"9117\"",
        "metrics.bind_addr must be ip:port, e.g. \"127.0.0.1:9117\", got \"9117\"");
    assertError(MINIMAL + "[zone_store]\neviction = \"7 fortnights\"",
        "zone_store.eviction: " + DURATION + "\"7 fortnights\"");
    assertError(MINIMAL + "[zone_store]\neviction = \"99999999999999999999 days\"",
        "zone_store.eviction: " + DURATION + "\"99999999999999999999 days\"");
  }

  /** Found by a review: values that were taken and then served or used as something else. */
  @Test
  void valuesThatUsedToMeanSomethingElseAreRefused() {
    // An empty address was looked up as the loopback address and served as the apex A and glue.
    assertError("[http]\n[dns]\nrr_a = \"\"\n", "dns.rr_a must be an IPv4 address such as 127.0.0.1, got \"\"");
    assertError("[http]\n[dns]\nrr_a = \" \"\n", "dns.rr_a must be an IPv4 address such as 127.0.0.1, got \" \"");
    // dnsjava takes spaces in a label: it was served as not\\032a\\032name.
    assertError("[http]\n[dns]\nrr_ns = \"not a name\"\n",
        "dns.rr_ns 'not a name' is not a domain name: only letters, digits, '-', '_' and dots may be used");
    assertError("[http]\n[dns]\norigins = [\"my zone.\"]\n",
        "dns.origins 'my zone.' is not a domain name: only letters, digits, '-', '_' and dots may be used");
    // "M" is a month in iroh's durations; read as a minute it evicted every packet after one.
    assertError(MINIMAL + "[zone_store]\neviction = \"1M\"", "zone_store.eviction: \"M\" is a month in iroh's duration"
        + " syntax, which keyway does not take: write it in days (\"30d\"), or minutes as \"m\"; got \"1M\"");
    assertThat(read(MINIMAL + "[zone_store]\neviction = \"1min\"").store().maxAge()).isEqualTo(java.time.Duration.ofMinutes(1));
    // A skew beyond what nanoseconds hold made every PUT a 500.
    assertError("pkarr_max_future_skew = \"400000d\"\n" + MINIMAL,
        "pkarr_max_future_skew must be at most 36500d (0 turns the check off), got 400000d");
  }

  @Test
  void everyStoreOptionHasTheKeyItIsReadFrom() {
    assertThat(DnsServerConfig.STORE_KEYS.keySet()).containsExactlyInAnyOrderElementsOf(
        dev.keyway.relay.config.StoreKeys.optionNames());
    assertThat(DnsServerConfig.fileKeys()).containsAll(DnsServerConfig.STORE_KEYS.values())
        .contains("pkarr_put_rate_limit", "http.rate_limit", "dns.rrl.burst", "mainline.bootstrap");
  }

  /** Review finding 4: syntax errors had no location. */
  @Test
  void aFileErrorNamesTheFileAndWhere() throws Exception {
    Path file = dir.resolve("dns.toml");
    Files.writeString(file, "[http]\n[dns]\nport = 53\nport = 5300\n");
    assertThatThrownBy(() -> DnsServerConfig.fromFile(file)).isInstanceOf(ConfigException.class)
        .hasMessage(file + ":4:1: not valid TOML: duplicate key 'port'");
    Files.writeString(file, "[http]\n[dns]\n[zone_store]\neviction = 0.5\n");
    assertThatThrownBy(() -> DnsServerConfig.fromFile(file)).isInstanceOf(ConfigException.class)
        .hasMessage(file + ": zone_store.eviction: " + DURATION + "0.5 (write \"500ms\")");
  }
}
