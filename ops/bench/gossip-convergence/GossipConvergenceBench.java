import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Convergence and expiry of the gossip address book across N real processes (see run.sh). Every
 * figure is read from the nodes' JSON dumps (`keyway gossip demo --json-dump`), never from logs.
 * The processes start 100 ms apart, or with {@code --sequential} each once the previous one
 * wrote its first dump, and map a shared AppCDS archive made by a short training run
 * ({@code --no-cds} leaves it out). 50 JVMs launched at once on a 2-core machine need about a
 * minute of both cores just to start, and convergence is then measured in a starved machine;
 * started one after another, each JVM starts with the CPU it needs and the figure is the swarm's
 * (ops/bench/RESULTS.md has both).
 * {@code --per-process M} runs nodes 1..N-1 M to a process ({@code keyway gossip swarm}), each
 * node still with its own key, sockets and actor: it measures the protocol where one JVM per node
 * would cost this machine more CPU than the nodes' own work.
 */
public final class GossipConvergenceBench {
  static final ObjectMapper JSON = new ObjectMapper();
  static final List<Process> started = new ArrayList<>();
  /** Class-data archive shared by every node process (null: none); see {@link #trainArchive}. */
  static Path archive;
  /** The process running each node (several nodes share one with --per-process). */
  static final Map<Integer, Process> processOf = new HashMap<>();
  /** Nodes per process after node 0 (1: every node its own JVM, as `keyway gossip demo`). */
  static int perProcess = 1;
  /** Start each process only once the previous one wrote its first dump (instead of 100 ms apart). */
  static boolean sequential;
  /** Seconds between progress lines while waiting for convergence. */
  static final long PROGRESS = 2;

  public static void main(String[] args) throws Exception {
    int n = 5;
    int k = -1;
    String expiry = "30s";
    String interval = "3s";
    String transport = "auto";
    Duration timeout = Duration.ofSeconds(180);
    boolean cds = true;
    List<Integer> positional = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--expiry" -> expiry = args[++i];
        case "--interval" -> interval = args[++i];
        case "--transport" -> transport = args[++i];
        case "--timeout" -> timeout = Duration.ofSeconds(Long.parseLong(args[++i].replace("s", "")));
        case "--no-cds" -> cds = false;
        case "--per-process" -> perProcess = Integer.parseInt(args[++i]);
        case "--sequential" -> sequential = true;
        default -> positional.add(Integer.parseInt(args[i]));
      }
    }
    if (!positional.isEmpty()) {
      n = positional.get(0);
    }
    if (positional.size() > 1) {
      k = positional.get(1);
    }
    if (n < 2 || n > 50) {
      throw new IllegalArgumentException("N must be in 2..50");
    }
    if (k < 0) {
      k = Math.max(1, n / 10);
    }
    if (k >= n) {
      throw new IllegalArgumentException("K must be below N");
    }
    if (perProcess < 1 || perProcess > 25) {
      throw new IllegalArgumentException("--per-process must be in 1..25");
    }
    Duration t = parse(expiry);
    Runtime.getRuntime().addShutdownHook(new Thread(GossipConvergenceBench::killAll));
    Path dir = Files.createTempDirectory("gossip-convergence-");
    System.out.printf(Locale.ROOT, "gossip convergence: N=%d K=%d interval=%s expiry T=%s transport=%s"
        + " cds=%s nodes per process=%d dir=%s%n", n, k, interval, expiry, transport, cds, perProcess, dir);
    try {
      if (cds) {
        trainArchive(dir, transport);
      }
      System.out.println("load before: " + load());
      run(n, k, t, interval, expiry, transport, timeout, dir);
    } finally {
      killAll();
      System.out.println("load after: " + load());
    }
  }

  /**
   * Runs one node for a few seconds with {@code -XX:ArchiveClassesAtExit} and stops it, which
   * leaves an AppCDS archive of the classes a node loads; every node then maps it instead of
   * loading and verifying those classes itself (measured: a node's start-up CPU 1.9 s -> 1.5 s).
   * 50 JVMs starting on 2 cores are CPU-bound, so this is start-up cost, not protocol behaviour.
   */
  static void trainArchive(Path dir, String transport) throws Exception {
    Path jsa = dir.resolve("node.jsa");
    Path dump = dir.resolve("train.json");
    List<String> cmd = new ArrayList<>(nodeJvm("-XX:ArchiveClassesAtExit=" + jsa, 1));
    cmd.addAll(List.of("gossip", "demo", "train", "--quiet", "--json-dump", dump.toString(),
        "--transport", transport));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(dir.resolve("train.log").toFile()).start();
    started.add(p);
    try {
      awaitDump(dump, deadline(Duration.ofSeconds(60)));
      Thread.sleep(3000);
    } finally {
      p.destroy(); // SIGTERM: the JVM writes the archive as it exits
      p.waitFor(60, TimeUnit.SECONDS);
      started.remove(p); // started holds node processes only
    }
    if (Files.isRegularFile(jsa)) {
      archive = jsa;
      System.out.printf(Locale.ROOT, "class-data archive: %s (%d MB)%n", jsa, Files.size(jsa) >> 20);
    } else {
      System.out.println("class-data archive not written (see train.log); nodes start without it");
    }
  }

  /** The JVM command line of a node process, up to and including the jar. */
  static List<String> nodeJvm(String extra, int nodes) {
    List<String> cmd = new ArrayList<>(List.of("java", "-Xms16m", "-Xmx" + (32 + 32 * nodes) + "m", "-Xss512k",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "-XX:ActiveProcessorCount=1", "-XX:-UsePerfData"));
    String opts = System.getenv("NODE_JAVA_OPTS"); // e.g. -Dlogback.configurationFile=... while investigating
    if (opts != null && !opts.isBlank()) {
      cmd.addAll(List.of(opts.trim().split("\\s+")));
    }
    if (extra != null) {
      cmd.add(extra);
    } else if (archive != null) {
      cmd.add("-XX:SharedArchiveFile=" + archive);
    }
    cmd.addAll(List.of("-jar", "ops/target/keyway.jar"));
    return cmd;
  }

  static void run(int n, int k, Duration t, String interval, String expiry, String transport, Duration timeout,
      Path dir) throws Exception {
    long start = System.nanoTime();
    Path[] dumps = new Path[n];
    for (int i = 0; i < n; i++) {
      dumps[i] = dir.resolve("n" + i + ".json");
    }
    started.add(launch(0, 1, null, dir, interval, expiry, transport));
    processOf.put(0, started.get(0));
    JsonNode first = awaitDump(dumps[0], deadline(timeout));
    String bootstrap = first.get("id").asText() + "@" + first.get("addrs").get(0).asText();
    for (int i = 1; i < n; i += perProcess) {
      int count = Math.min(perProcess, n - i);
      Process p = launch(i, count, bootstrap, dir, interval, expiry, transport);
      started.add(p);
      for (int j = i; j < i + count; j++) {
        processOf.put(j, p);
      }
      if (sequential) {
        awaitDump(dumps[i], deadline(timeout));
      } else {
        Thread.sleep(100); // spread the JVM start-ups a little; not a measurement
      }
    }
    long deadline = deadline(timeout);
    String[] ids = new String[n];
    for (int i = 0; i < n; i++) {
      ids[i] = awaitDump(dumps[i], deadline).get("id").asText();
    }
    long allStarted = System.nanoTime();
    System.out.printf(Locale.ROOT, "all %d nodes (%d processes) up after %.1f s%n", n, started.size(),
        secs(allStarted - start));

    // Convergence: every book holds exactly the N-1 others.
    long converged = -1;
    int lastBad = -1;
    long nextProgress = System.nanoTime() + TimeUnit.SECONDS.toNanos(PROGRESS);
    while (System.nanoTime() < deadline) {
      int bad = 0;
      int minPeers = Integer.MAX_VALUE;
      int minNeighbours = Integer.MAX_VALUE;
      int isolated = 0;
      StringBuilder alone = new StringBuilder();
      for (int i = 0; i < n; i++) {
        Set<String> want = new HashSet<>(List.of(ids));
        want.remove(ids[i]);
        Set<String> have = peers(dumps[i]);
        minPeers = Math.min(minPeers, have.size());
        JsonNode j = read(dumps[i]);
        int nb = j == null ? 0 : j.get("neighbors").size();
        minNeighbours = Math.min(minNeighbours, nb);
        isolated += nb == 0 ? 1 : 0;
        if (nb == 0 && alone.length() < 60) {
          alone.append(" n").append(i);
        }
        if (!have.equals(want)) {
          bad++;
        }
      }
      if (System.nanoTime() > nextProgress) {
        nextProgress += TimeUnit.SECONDS.toNanos(PROGRESS);
        System.out.printf(Locale.ROOT, "  +%.1f s: %d books incomplete, fewest peers %d, fewest neighbours %d,"
            + " %d without neighbours%s, load %s%n", secs(System.nanoTime() - allStarted), bad, minPeers,
            minNeighbours, isolated, isolated == 0 ? "" : " (" + alone.toString().trim() + ")", load());
      }
      lastBad = bad;
      if (bad == 0) {
        converged = System.nanoTime();
        break;
      }
      Thread.sleep(100);
    }
    if (converged < 0) {
      System.out.printf("NOT CONVERGED within %s: %d of %d books incomplete%n", timeout, lastBad, n);
      report(dumps, ids);
      System.exit(1);
    }
    double convergence = secs(converged - allStarted);
    System.out.printf(Locale.ROOT, "converged: every book holds the same %d peers %.2f s after the last process"
        + " was up (%.2f s after the first launch)%n", n - 1, convergence, secs(converged - start));

    // Kill K nodes (never node 0) and time their expiry on every survivor. A process dies whole, so
    // with several nodes per process K grows to the nodes of the processes killed.
    List<Integer> victims = new ArrayList<>();
    Random rnd = new Random(n * 31L + k);
    while (victims.size() < k) {
      Process p = processOf.get(1 + rnd.nextInt(n - 1));
      for (int i = 1; i < n; i++) {
        if (processOf.get(i) == p && !victims.contains(i)) {
          victims.add(i);
        }
      }
    }
    if (victims.size() != k) {
      System.out.printf("K=%d: the %d nodes of the killed processes%n", victims.size(), victims.size());
      k = victims.size();
    }
    Set<String> dead = new HashSet<>();
    for (int v : victims) {
      dead.add(ids[v]);
    }
    for (int v : victims) {
      processOf.get(v).destroyForcibly();
    }
    long killed = System.nanoTime();
    for (int v : victims) {
      processOf.get(v).waitFor(10, TimeUnit.SECONDS);
    }
    long expiryDeadline = killed + t.multipliedBy(3).plusSeconds(30).toNanos();
    Map<Integer, Double> expiredAfter = new LinkedHashMap<>();
    // Per survivor and dead node: when the survivor last accepted an announcement of it (its dump's
    // time minus the entry's age), and when its dump first lacked it (the dump is rewritten at the sweep).
    Map<String, Instant> lastSeen = new HashMap<>();
    double worstSinceLastSeen = 0;
    double bestSinceLastSeen = Double.MAX_VALUE;
    Map<String, Boolean> gone = new HashMap<>();
    while (System.nanoTime() < expiryDeadline && expiredAfter.size() < n - k) {
      for (int i = 0; i < n; i++) {
        if (victims.contains(i) || expiredAfter.containsKey(i)) {
          continue;
        }
        JsonNode j = read(dumps[i]);
        if (j == null) {
          continue;
        }
        Instant time = Instant.parse(j.get("time").asText());
        Set<String> present = new HashSet<>();
        for (JsonNode p : j.get("peers")) {
          String id = p.get("id").asText();
          present.add(id);
          if (dead.contains(id)) {
            lastSeen.put(i + "/" + id, time.minusMillis(p.get("age_ms").asLong()));
          }
        }
        for (String d : dead) {
          String key = i + "/" + d;
          if (!present.contains(d) && !gone.containsKey(key) && lastSeen.containsKey(key)) {
            gone.put(key, true);
            double since = Duration.between(lastSeen.get(key), time).toMillis() / 1000.0;
            worstSinceLastSeen = Math.max(worstSinceLastSeen, since);
            bestSinceLastSeen = Math.min(bestSinceLastSeen, since);
          }
        }
        if (!present.isEmpty() && present.stream().noneMatch(dead::contains)) {
          expiredAfter.put(i, secs(System.nanoTime() - killed));
        }
      }
      Thread.sleep(100);
    }
    if (expiredAfter.size() < n - k) {
      System.out.printf("NOT EXPIRED within %.0f s on %d survivors%n", secs(expiryDeadline - killed),
          n - k - expiredAfter.size());
      System.exit(1);
    }
    double max = expiredAfter.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
    double min = expiredAfter.values().stream().mapToDouble(Double::doubleValue).min().orElse(0);
    // Survivors must still hold each other.
    int incomplete = 0;
    for (int i = 0; i < n; i++) {
      if (victims.contains(i)) {
        continue;
      }
      Set<String> want = new HashSet<>(List.of(ids));
      want.removeAll(dead);
      want.remove(ids[i]);
      if (!peers(dumps[i]).equals(want)) {
        incomplete++;
      }
    }
    double tSec = t.toMillis() / 1000.0;
    System.out.printf(Locale.ROOT, "expired: %d killed node(s) gone from all %d survivors %.2f..%.2f s after the kill"
        + " (T=%.1f s, 1.33T=%.1f s; the last announcement was up to one interval before the kill)%n",
        k, n - k, min, max, tSec, tSec * 4 / 3);
    System.out.printf(Locale.ROOT, "expired: measured on each survivor from its last accepted announcement of the"
        + " dead node to the dump without it: %.2f..%.2f s (%d of %d pairs observed; bound T..1.33T = %.1f..%.1f s)%n",
        bestSinceLastSeen, worstSinceLastSeen, gone.size(), (n - k) * k, tSec, tSec * 4 / 3);
    System.out.printf("survivors still holding every other survivor: %d of %d%n", n - k - incomplete, n - k);
    System.out.printf(Locale.ROOT, "RESULT N=%d K=%d converge_s=%.2f expire_after_kill_max_s=%.2f"
        + " expire_since_last_seen_s=%.2f..%.2f T_s=%.1f%n",
        n, k, convergence, max, bestSinceLastSeen, worstSinceLastSeen, tSec);
  }

  /** Starts nodes i..i+count-1: one `gossip demo` process, or one `gossip swarm` process for several. */
  static Process launch(int i, int count, String bootstrap, Path dir, String interval, String expiry,
      String transport) throws IOException {
    List<String> cmd = new ArrayList<>(nodeJvm(null, count));
    if (count == 1) {
      cmd.addAll(List.of("gossip", "demo", "n" + i, "--quiet", "--json-dump", dir.resolve("n" + i + ".json").toString()));
    } else {
      cmd.addAll(List.of("gossip", "swarm", Integer.toString(count), "--name-prefix", "n",
          "--first-index", Integer.toString(i), "--json-dump-dir", dir.toString()));
    }
    cmd.addAll(List.of("--interval", interval, "--expiry", expiry, "--transport", transport));
    if (bootstrap != null) {
      cmd.add("--bootstrap");
      cmd.add(bootstrap);
    }
    return new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(dir.resolve("n" + i + ".log").toFile()).start();
  }

  static JsonNode awaitDump(Path dump, long deadline) throws Exception {
    while (System.nanoTime() < deadline) {
      JsonNode j = read(dump);
      if (j != null) {
        return j;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("no dump " + dump + " before the deadline");
  }

  static JsonNode read(Path dump) {
    try {
      return Files.exists(dump) ? JSON.readTree(Files.readString(dump)) : null;
    } catch (IOException e) {
      return null;
    }
  }

  static Set<String> peers(Path dump) {
    Set<String> out = new HashSet<>();
    JsonNode j = read(dump);
    if (j != null) {
      for (JsonNode p : j.get("peers")) {
        out.add(p.get("id").asText());
      }
    }
    return out;
  }

  static void report(Path[] dumps, String[] ids) {
    for (int i = 0; i < dumps.length; i++) {
      System.out.printf("  n%d holds %d peers%n", i, peers(dumps[i]).size());
    }
  }

  static long deadline(Duration d) {
    return System.nanoTime() + d.toNanos();
  }

  static double secs(long nanos) {
    return nanos / 1e9;
  }

  static Duration parse(String s) {
    if (s.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
    }
    return Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
  }

  static String load() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "?";
    }
  }

  /** Kills only the processes this run started. */
  static synchronized void killAll() {
    for (Process p : started) {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
    for (Process p : started) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
