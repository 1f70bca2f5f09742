package dev.keyway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.keys.KeyFiles;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deploy files under {@code deploy/}: the configs start, the systemd units pass
 * {@code systemd-analyze verify}, the Prometheus files pass {@code promtool} (syntax and the rule
 * unit tests in {@code src/test/resources/prometheus}), and every series the rules and the
 * dashboard use is one the servers really export.
 */
class DeployFilesTest {
  static final Path DEPLOY = Path.of("deploy");
  /** Series names as the rules and dashboard write them (the prefixes keyway exports). */
  static final Pattern SERIES =
      Pattern.compile("\\b((?:store|relay|dns_server|gossip|jvm|process|keyway)_[a-z0-9_]*[a-z0-9])\\b");
  @TempDir Path dir;

  @Test
  void theDeployConfigsAreValid() {
    CliTest.Run relay = CliTest.run("relay", "-c", DEPLOY.resolve("config/relay.toml").toString(),
        "--data-dir", dir.toString(), "--check");
    assertThat(relay.code()).as(relay.err()).isZero();
    assertThat(relay.out()).contains("http: 127.0.0.1:6881", "behind proxy", "metrics: 127.0.0.1:9118");
    // the unit passes --data-dir, its state directory
    CliTest.Run dns = CliTest.run("dns-server", "-c", DEPLOY.resolve("config/dns.toml").toString(),
        "--data-dir", dir.toString(), "--check");
    assertThat(dns.code()).as(dns.err()).isZero();
    assertThat(dns.out()).contains("dns: [::]:53 udp+tcp, origins [dns.example.org.]",
        "http: 127.0.0.1:8080", "pkarr_put_rate_limit: smart", "metrics: 127.0.0.1:9117");
  }

  @Test
  void theSystemdUnitsVerify() throws Exception {
    InteropPrerequisites.requireCommands("systemd-analyze");
    // The units name /opt/keyway; systemd-analyze checks that ExecStart is executable.
    Path home = dir.resolve("opt-keyway");
    Files.createDirectories(home.resolve("bin"));
    Files.copy(Path.of("src/dist/bin/keyway"), home.resolve("bin/keyway"));
    assertThat(home.resolve("bin/keyway").toFile().setExecutable(true)).isTrue();
    List<String> cmd = new ArrayList<>(List.of("systemd-analyze", "verify", "--man=no"));
    try (Stream<Path> units = Files.list(DEPLOY.resolve("systemd"))) {
      for (Path unit : units.sorted().collect(Collectors.toList())) {
        String text = Files.readString(unit);
        assertThat(text).contains("ExecStart=/opt/keyway/bin/keyway ");
        Path copy = dir.resolve(unit.getFileName());
        Files.writeString(copy, text.replace("/opt/keyway", home.toString()));
        cmd.add(copy.toString());
      }
    }
    assertThat(cmd).hasSize(6);
    Result r = exec(dir, cmd);
    assertThat(r.code()).as(r.out()).isZero();
    assertThat(r.out()).as("warnings").isBlank();
  }

  /**
   * keyway-gossip.service as systemd runs it, with the shipped gossip.env: every variable its
   * command lines use is set (by the unit or the file) and every one the file sets is used; the
   * ExecStartPre line creates the node key once and keeps it after; the ExecStart line starts a
   * node with that key (its id survives restarts), quiet, with /metrics and /healthz on the port
   * prometheus.yml scrapes. (Run on 127.0.0.1 and free ports: the network tests stay on loopback.)
   */
  @Test
  void theGossipUnitStartsWithTheShippedSettingsAndKeepsItsKey() throws Exception {
    String unit = Files.readString(DEPLOY.resolve("systemd/keyway-gossip.service"));
    Map<String, String> env = new LinkedHashMap<>();
    Matcher defaults = Pattern.compile("(?m)^Environment=(KEYWAY_GOSSIP_\\w+)=(.*)$").matcher(unit);
    while (defaults.find()) {
      env.put(defaults.group(1), defaults.group(2));
    }
    assertThat(unit).contains("EnvironmentFile=/etc/keyway/gossip.env");
    String file = Files.readString(DEPLOY.resolve("config/gossip.env"));
    Matcher set = Pattern.compile("(?m)^(\\w+)=(.*)$").matcher(file);
    while (set.find()) {
      env.put(set.group(1), set.group(2));
    }
    String exec = unitLine(unit, "ExecStart=");
    String pre = unitLine(unit, "ExecStartPre=");
    Set<String> used = new TreeSet<>();
    Matcher var = Pattern.compile("\\$\\{?(KEYWAY_GOSSIP_\\w+)").matcher(exec + pre);
    while (var.find()) {
      used.add(var.group(1));
    }
    Set<String> documented = new TreeSet<>();
    Matcher inFile = Pattern.compile("(?m)^#?(KEYWAY_GOSSIP_\\w+)=").matcher(file);
    while (inFile.find()) {
      documented.add(inFile.group(1));
    }
    assertThat(env.keySet()).as("set by the unit or gossip.env").containsAll(used);
    assertThat(used).as("used by the unit").containsAll(documented);
    // Prometheus scrapes 127.0.0.1:9119 (prometheus.yml); the key is in the state directory.
    assertThat(exec).contains(" --http 9119 ", " --key ${STATE_DIRECTORY}/node.key ", " --quiet ");
    assertThat(Files.readString(DEPLOY.resolve("prometheus/prometheus.yml"))).contains("127.0.0.1:9119");

    Path state = Files.createDirectories(dir.resolve("state"));
    env.put("STATE_DIRECTORY", state.toString());
    Path key = state.resolve("node.key");
    Result first = runStartPre(pre, state);
    assertThat(first.code()).as(first.out()).isZero();
    assertThat(key).exists();
    String id = KeyFiles.read(key).publicKey().toString();
    assertThat(first.out()).contains(id);
    byte[] keyBytes = Files.readAllBytes(key);
    Result second = runStartPre(pre, state);
    assertThat(second.code()).as(second.out()).isZero();
    assertThat(second.out()).as("a key that is there is kept, quietly").isBlank();
    assertThat(Files.readAllBytes(key)).isEqualTo(keyBytes);

    env.put("KEYWAY_GOSSIP_BIND", "127.0.0.1");
    env.put("KEYWAY_GOSSIP_PORT", "0");
    List<String> args = systemdWords(exec.replace(" --http 9119 ", " --http 0 "), env);
    assertThat(args.get(0)).isEqualTo("/opt/keyway/bin/keyway");
    assertThat(args).containsSubsequence("gossip", "demo", "host"); // %H, the host name
    try (ServingCommand node = new ServingCommand("bootstrap: ", args.subList(1, args.size()).toArray(String[]::new))) {
      GossipCliTest.awaitText(node, "web page: ");
      assertThat(node.out()).contains("gossip demo: node host " + id + " ").doesNotContain("Address book");
      int port = node.port("web page: http://127\\.0\\.0\\.1:(\\d+)/");
      assertThat(scrape(port)).contains("gossip_neighbors", "gossip_book_entries", "gossip_bootstrap_peers",
          "keyway_build_info");
      assertThat(node.stop()).isZero();
    }
  }

  /**
   * Each unit is a scrape job of the same name: KeywayDown's annotation tells the operator to run
   * {@code systemctl status <job>}.
   */
  @Test
  void everyUnitIsAScrapeJobOfItsName() throws Exception {
    String prometheus = Files.readString(DEPLOY.resolve("prometheus/prometheus.yml"));
    try (Stream<Path> units = Files.list(DEPLOY.resolve("systemd"))) {
      for (Path unit : units.sorted().collect(Collectors.toList())) {
        String name = unit.getFileName().toString().replace(".service", "");
        assertThat(prometheus).as(name).contains("  - job_name: " + name + "\n");
      }
    }
  }

  /** The value of the unit's one {@code key} line (key included, e.g. {@code ExecStart=}). */
  private static String unitLine(String unit, String key) {
    List<String> lines = unit.lines().filter(l -> l.startsWith(key)).toList();
    assertThat(lines).as(key).hasSize(1);
    return lines.get(0).substring(key.length());
  }

  /**
   * A command line as systemd splits it (without quotes, as the keyway units write them):
   * {@code ${VAR}} stays one word, a lone {@code $VAR} splits on whitespace (nothing when
   * empty), {@code %H} is the host name ("host" here).
   */
  static List<String> systemdWords(String line, Map<String, String> env) {
    List<String> words = new ArrayList<>();
    for (String w : line.trim().split("\\s+")) {
      Matcher lone = Pattern.compile("\\$(\\w+)").matcher(w);
      if (lone.matches()) {
        String v = env.getOrDefault(lone.group(1), "").trim();
        if (!v.isEmpty()) {
          words.addAll(List.of(v.split("\\s+")));
        }
        continue;
      }
      Matcher braced = Pattern.compile("\\$\\{(\\w+)\\}").matcher(w);
      StringBuilder out = new StringBuilder();
      while (braced.find()) {
        braced.appendReplacement(out, Matcher.quoteReplacement(env.getOrDefault(braced.group(1), "")));
      }
      braced.appendTail(out);
      words.add(out.toString().replace("%H", "host"));
    }
    return words;
  }

  /**
   * The unit's {@code ExecStartPre=/bin/sh -c '...'} run by sh as systemd would ({@code $$} is a
   * {@code $} for the shell), with /opt/keyway/bin/keyway a launcher of this build's CLI.
   */
  private Result runStartPre(String pre, Path state) throws Exception {
    assertThat(pre).startsWith("/bin/sh -c '").endsWith("'");
    Path launcher = dir.resolve("opt-keyway/bin/keyway");
    if (!Files.exists(launcher)) {
      Files.createDirectories(launcher.getParent());
      Files.writeString(launcher, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java")
          + "' -cp '" + System.getProperty("java.class.path") + "' dev.keyway.ops.Main \"$@\"\n");
      assertThat(launcher.toFile().setExecutable(true)).isTrue();
    }
    String script = pre.substring("/bin/sh -c '".length(), pre.length() - 1).replace("$$", "$")
        .replace("/opt/keyway", dir.resolve("opt-keyway").toString());
    ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", script).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().put("STATE_DIRECTORY", state.toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), out);
  }

  @Test
  void thePrometheusFilesPassPromtoolAndTheRuleTests() throws Exception {
    InteropPrerequisites.requireCommands("promtool");
    Path prom = dir.resolve("prometheus");
    Files.createDirectories(prom);
    for (String f : List.of("prometheus.yml", "keyway-rules.yml")) {
      Files.copy(DEPLOY.resolve("prometheus").resolve(f), prom.resolve(f));
    }
    Files.copy(Path.of("src/test/resources/prometheus/keyway-rules.test.yml"),
        prom.resolve("keyway-rules.test.yml"), StandardCopyOption.REPLACE_EXISTING);
    Result config = exec(prom, List.of("promtool", "check", "config", "prometheus.yml"));
    assertThat(config.code()).as(config.out()).isZero();
    Result tests = exec(prom, List.of("promtool", "test", "rules", "keyway-rules.test.yml"));
    assertThat(tests.code()).as(tests.out()).isZero();
    assertThat(tests.out()).contains("SUCCESS");
    // The dashboard's queries, with Grafana's variables filled in, as recording rules.
    StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
    List<String> exprs = dashboardQueries();
    assertThat(exprs).hasSizeGreaterThan(15);
    for (int i = 0; i < exprs.size(); i++) {
      String expr = exprs.get(i).replace("$__rate_interval", "5m").replace("$job", "keyway.*");
      rules.append("      - record: dashboard_query_").append(i).append('\n')
          .append("        expr: '").append(expr.replace("'", "''")).append("'\n");
    }
    Files.writeString(prom.resolve("dashboard.yml"), rules);
    Result check = exec(prom, List.of("promtool", "check", "rules", "dashboard.yml"));
    assertThat(check.code()).as(check.out() + "\n" + rules).isZero();
  }

  @Test
  void everySeriesTheRulesAndTheDashboardUseIsExported() throws Exception {
    Set<String> used = new TreeSet<>();
    for (Path f : List.of(DEPLOY.resolve("prometheus/keyway-rules.yml"),
        DEPLOY.resolve("grafana/keyway-dashboard.json"))) {
      Matcher m = SERIES.matcher(Files.readString(f));
      while (m.find()) {
        used.add(m.group(1));
      }
    }
    assertThat(used).contains("store_commit_failures_total", "dns_server_store_commit_failures_total",
        "relay_publishes_total", "dns_server_dns_requests_udp_total", "keyway_build_info", "gossip_neighbors",
        "gossip_book_entries", "gossip_book_expired_total", "gossip_book_untimely_total", "gossip_bootstrap_peers");
    // `keyway up` exports the relay's and the DNS server's series with the store as store_*;
    // `keyway dns-server` names its store dns_server_store_* (iroh-dns-server's prefix).
    Set<String> exported = new TreeSet<>();
    String[] up = {"up", "--data-dir", dir.resolve("up").toString(), "--dns-port", "0",
        "--http-port", "0", "--relay-port", "0", "--metrics-port", "0"};
    try (ServingCommand s = new ServingCommand("Ctrl-C stops.", up)) {
      int port = s.port("metrics +http://127\\.0\\.0\\.1:(\\d+)");
      // GC pause series exist once a collection was reported (asynchronously): cause one
      System.gc();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      Set<String> names = scrape(port);
      while (!names.contains("jvm_gc_pause_seconds_sum") && System.nanoTime() < deadline) {
        Thread.sleep(100); // polling for the GC notification, not a timing assertion
        names = scrape(port);
      }
      exported.addAll(names);
      assertThat(s.stop()).isZero();
    }
    Path dns = dir.resolve("dns.toml");
    Files.writeString(dns, """
        data_dir = "%s"
        [http]
        port = 0
        bind_addr = "127.0.0.1"
        [https]
        port = 0
        bind_addr = "127.0.0.1"
        domains = ["localhost"]
        cert_mode = "self_signed"
        [dns]
        port = 0
        bind_addr = "127.0.0.1"
        origins = ["dns.example.org."]
        [metrics]
        disabled = false
        bind_addr = "127.0.0.1:0"
        [zone_store]
        backup_interval = "1h"
        """.formatted(dir.resolve("dns").toString().replace("\\", "\\\\")));
    try (ServingCommand s = new ServingCommand("metrics on", "dns-server", "-c", dns.toString())) {
      exported.addAll(scrape(s.port("metrics on http://127\\.0\\.0\\.1:(\\d+)")));
      assertThat(s.stop()).isZero();
    }
    // The backup series exist only with backups on, as the deploy configs have them.
    Path relay = dir.resolve("relay.toml");
    Files.writeString(relay, "[http]\nport = 0\n[metrics]\nbind_addr = \"127.0.0.1:0\"\n"
        + "[store]\nbackup_interval = \"1h\"\n");
    try (ServingCommand s = new ServingCommand("metrics on", "relay", "-c", relay.toString(),
        "--data-dir", dir.resolve("relay").toString())) {
      exported.addAll(scrape(s.port("metrics on http://127\\.0\\.0\\.1:(\\d+)")));
      assertThat(s.stop()).isZero();
    }
    try (ServingCommand s = new ServingCommand("web page: ", "gossip", "demo", "metrics", "--quiet",
        "--transport", "tcp", "--http", "0")) {
      exported.addAll(scrape(s.port("web page: http://127\\.0\\.0\\.1:(\\d+)/")));
      assertThat(s.stop()).isZero();
    }
    assertThat(exported).as("series exported").containsAll(used);
  }

  /** Series names in one scrape (histogram buckets, sums and counts included). */
  static Set<String> scrape(int port) throws Exception {
    String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    Set<String> names = new TreeSet<>();
    for (String line : text.split("\n")) {
      if (!line.isEmpty() && !line.startsWith("#")) {
        names.add(line.split("[{ ]", 2)[0]);
      }
    }
    return names;
  }

  /** Every {@code "expr"} of the dashboard's panels. */
  static List<String> dashboardQueries() throws IOException {
    var root = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(DEPLOY.resolve("grafana/keyway-dashboard.json").toFile());
    List<String> exprs = new ArrayList<>();
    root.findValues("expr").forEach(e -> exprs.add(e.asText()));
    return exprs;
  }

  record Result(int code, String out) {}

  static Result exec(Path cwd, List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s finished", cmd).isTrue();
    return new Result(p.exitValue(), out);
  }
}
