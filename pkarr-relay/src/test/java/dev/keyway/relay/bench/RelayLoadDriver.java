package dev.keyway.relay.bench;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.SignedPacket;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * The relay load driver (a benchmark, not a test): PUTs N distinct signed packets, then GETs them
 * at random for a fixed time, over keep-alive HTTP/1.1 connections from one Vert.x event loop,
 * and reports requests per second and latency percentiles. Every PUT must be answered 204 (the
 * relay verified the signature and committed the packet) and every GET 200 with the right
 * length, or it counts as an error. Bounded in count and time.
 *
 * <pre>
 * java -cp ... dev.keyway.relay.bench.RelayLoadDriver --url http://127.0.0.1:16881 \
 *     --keys 50000 --connections 64 --get-connections 32 --get-seconds 15 \
 *     [--warmup-seconds 3] [--seed 1] [--paths-out paths.txt] [--republish true] [--update true]
 * java -cp ... dev.keyway.relay.bench.RelayLoadDriver --static-url http://127.0.0.1:18081/static.bin \
 *     --connections 32 --get-seconds 15          # the same GET loop against any URL (nginx)
 * </pre>
 * {@code --republish true} PUTs every packet's exact bytes a second time after the PUT phase;
 * {@code --update true} then PUTs every key once more, re-signed with a later timestamp and a
 * new address, as an iroh endpoint republishes (every 5 minutes, re-signed each time).
 * {@code --server-pid P} adds the server process's CPU time per request in each phase
 * ({@code server_cpu_us}, from /proc/P/stat, so Linux only), measured by the driver itself at
 * the phase's start and end.
 * Output: one {@code RESULT phase=... rps=... p50_ms=... p99_ms=...} line per phase. Run by
 * {@code ops/bench/relay/run.sh}, which pins the relay and this driver to different cores.
 */
public final class RelayLoadDriver {
  /** USER_HZ: /proc reports CPU times in these ticks, 100 per second on x86 and ARM Linux. */
  private static final int CLOCK_TICKS = 100;
  private final Vertx vertx;
  private final HttpClientAgent client;
  private final URI base;
  private final int connections;
  /** The server process whose CPU each phase reports (/proc/<pid>/stat), or 0. */
  private long serverPid;

  private RelayLoadDriver(URI base, int connections) {
    this.base = base;
    this.connections = connections;
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    this.client = vertx.createHttpClient(
        new HttpClientOptions().setKeepAlive(true).setPipelining(false).setTcpNoDelay(true)
            .setDefaultHost(base.getHost()).setDefaultPort(base.getPort()),
        new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> a = parse(args);
    int connections = Integer.parseInt(a.getOrDefault("connections", "32"));
    int getSeconds = Integer.parseInt(a.getOrDefault("get-seconds", "15"));
    int warmup = Integer.parseInt(a.getOrDefault("warmup-seconds", "3"));
    if (a.containsKey("static-url")) {
      URI url = URI.create(a.get("static-url"));
      RelayLoadDriver d = new RelayLoadDriver(url, connections);
      try {
        d.timed("warmup", warmup, connections, i -> url.getRawPath(), -1);
        d.timed("static-get", getSeconds, connections, i -> url.getRawPath(), -1).print();
      } finally {
        d.close();
      }
      return;
    }
    URI url = URI.create(a.getOrDefault("url", "http://127.0.0.1:16881"));
    int keys = Integer.parseInt(a.getOrDefault("keys", "50000"));
    long seed = Long.parseLong(a.getOrDefault("seed", "1"));
    String prefix = url.getRawPath() == null ? "" : url.getRawPath().replaceAll("/$", "");

    long t0 = System.nanoTime();
    String[] paths = new String[keys];
    Buffer[] bodies = new Buffer[keys];
    SplittableRandom random = new SplittableRandom(seed);
    long ts = System.currentTimeMillis() * 1_000;
    for (int i = 0; i < keys; i++) {
      byte[] s = new byte[32];
      random.nextBytes(s);
      SecretKey k = SecretKey.fromBytes(s);
      SignedPacket p = BenchPackets.iroh(k, i, ts + i);
      paths[i] = prefix + "/" + k.publicKey().toZ32();
      bodies[i] = Buffer.buffer(p.toRelayPayload());
    }
    boolean update = Boolean.parseBoolean(a.getOrDefault("update", "false"));
    Buffer[] updates = update ? new Buffer[keys] : null;
    if (update) {
      // The same keys from the same seed, each signed again a second later with another address.
      SplittableRandom again = new SplittableRandom(seed);
      for (int i = 0; i < keys; i++) {
        byte[] s = new byte[32];
        again.nextBytes(s);
        updates[i] = Buffer.buffer(
            BenchPackets.iroh(SecretKey.fromBytes(s), i + 1, ts + 1_000_000 + i).toRelayPayload());
      }
    }
    System.out.printf(Locale.ROOT, "prepared %d packets (%d-byte payloads) in %.1f s%n",
        update ? 2 * keys : keys, bodies[0].length(), (System.nanoTime() - t0) / 1e9);
    if (a.containsKey("paths-out")) {
      java.nio.file.Files.write(java.nio.file.Path.of(a.get("paths-out")), Arrays.asList(paths));
    }
    int getConnections = Integer.parseInt(a.getOrDefault("get-connections", Integer.toString(connections)));

    RelayLoadDriver d = new RelayLoadDriver(url, connections);
    d.serverPid = Long.parseLong(a.getOrDefault("server-pid", "0"));
    try {
      Phase put = d.counted("put", keys, i -> paths[i], i -> bodies[i], 204, TimeUnit.MINUTES.toNanos(5));
      put.print();
      if (Boolean.parseBoolean(a.getOrDefault("republish", "false"))) {
        // The same bytes again, as pkarr's republishers send them: 204 "unchanged" each.
        d.counted("republish", keys, i -> paths[i], i -> bodies[i], 204,
            TimeUnit.MINUTES.toNanos(5)).print();
      }
      if (update) {
        d.counted("update", keys, i -> paths[i], i -> updates[i], 204,
            TimeUnit.MINUTES.toNanos(5)).print();
      }
      Buffer[] stored = update ? updates : bodies;
      int expectedLength = stored[0].length();
      boolean sameLength = Arrays.stream(stored).allMatch(b -> b.length() == expectedLength);
      SplittableRandom pick = new SplittableRandom(seed + 1);
      IntFunction<String> randomKey = i -> paths[pick.nextInt(keys)];
      d.timed("warmup", warmup, getConnections, randomKey, -1);
      d.timed("get", getSeconds, getConnections, randomKey, sameLength ? expectedLength : -1).print();
    } finally {
      d.close();
    }
  }

  /**
   * A phase's outcome; {@code serverCpuSeconds} is the server process's CPU time during it, or -1
   * when not watched.
   */
  record Phase(String name, long ok, long errors, double seconds, long[] latencies,
      double serverCpuSeconds) {
    void print() {
      long[] l = latencies;
      Arrays.sort(l);
      String cpu = serverCpuSeconds < 0 || ok + errors == 0 ? ""
          : String.format(Locale.ROOT, " server_cpu_us=%.1f", serverCpuSeconds * 1e6 / (ok + errors));
      System.out.printf(Locale.ROOT,
          "RESULT phase=%s requests=%d errors=%d seconds=%.2f rps=%.0f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f%s%n",
          name, ok, errors, seconds, ok / seconds, pct(l, 0.50), pct(l, 0.99),
          l.length == 0 ? 0 : l[l.length - 1] / 1e6, cpu);
    }

    static double pct(long[] sorted, double p) {
      if (sorted.length == 0) {
        return 0;
      }
      return sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))] / 1e6;
    }
  }

  /** Sends exactly {@code count} PUTs (request i to path(i) with body(i)), {@code connections} at a time. */
  Phase counted(String name, int count, IntFunction<String> path, IntFunction<Buffer> body,
      int expectStatus, long timeoutNanos) throws InterruptedException {
    long[] lat = new long[count];
    AtomicLong next = new AtomicLong();
    AtomicLong ok = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    CountDownLatch done = new CountDownLatch(count);
    double cpu0 = serverCpuSeconds();
    long start = System.nanoTime();
    Runnable[] loop = new Runnable[1];
    loop[0] = () -> {
      int i = (int) next.getAndIncrement();
      if (i >= count) {
        return;
      }
      long t = System.nanoTime();
      client.request(new RequestOptions().setMethod(HttpMethod.PUT).setURI(path.apply(i)))
          .compose(req -> req.send(body.apply(i)))
          .compose(res -> res.body().map(b -> res.statusCode()))
          .onComplete(ar -> {
            lat[i] = System.nanoTime() - t;
            if (ar.succeeded() && ar.result() == expectStatus) {
              ok.incrementAndGet();
            } else {
              if (errors.incrementAndGet() <= 5) {
                System.err.println(name + " request " + i + " failed: "
                    + (ar.succeeded() ? "status " + ar.result() : ar.cause()));
              }
            }
            done.countDown();
            loop[0].run();
          });
    };
    vertx.runOnContext(v -> {
      for (int c = 0; c < connections; c++) {
        loop[0].run();
      }
    });
    boolean finished = done.await(timeoutNanos, TimeUnit.NANOSECONDS);
    double seconds = (System.nanoTime() - start) / 1e9;
    if (!finished) {
      System.err.println(name + " timed out with " + done.getCount() + " requests outstanding");
    }
    return new Phase(name, ok.get(), errors.get() + done.getCount(), seconds, lat,
        cpuSince(cpu0));
  }

  /** GETs path(i) for {@code seconds}, {@code connections} at a time; a 200 of the right length is ok. */
  Phase timed(String name, int seconds, int inFlight, IntFunction<String> path, int expectLength)
      throws InterruptedException {
    if (seconds <= 0) {
      return new Phase(name, 0, 0, 1, new long[0], -1);
    }
    List<long[]> chunks = new ArrayList<>();
    long[][] current = {new long[1 << 16]};
    int[] used = {0};
    AtomicLong ok = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    double cpu0 = serverCpuSeconds();
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    CountDownLatch done = new CountDownLatch(inFlight);
    long[] counter = {0};
    Runnable[] loop = new Runnable[1];
    loop[0] = () -> {
      if (System.nanoTime() >= end) {
        done.countDown();
        return;
      }
      int i = (int) counter[0]++;
      long t = System.nanoTime();
      client.request(new RequestOptions().setMethod(HttpMethod.GET).setURI(path.apply(i)))
          .compose(req -> req.send())
          .compose(res -> res.body().map(b -> res.statusCode() == 200
              && (expectLength < 0 || b.length() == expectLength)))
          .onComplete(ar -> {
            long l = System.nanoTime() - t;
            if (used[0] == current[0].length) {
              chunks.add(current[0]);
              current[0] = new long[1 << 16];
              used[0] = 0;
            }
            current[0][used[0]++] = l;
            if (ar.succeeded() && ar.result()) {
              ok.incrementAndGet();
            } else if (errors.incrementAndGet() <= 5) {
              System.err.println(name + " request failed: " + (ar.succeeded() ? "bad answer" : ar.cause()));
            }
            loop[0].run();
          });
    };
    vertx.runOnContext(v -> {
      for (int c = 0; c < inFlight; c++) {
        loop[0].run();
      }
    });
    done.await(seconds + 60L, TimeUnit.SECONDS);
    double elapsed = (System.nanoTime() - start) / 1e9;
    double cpu = cpuSince(cpu0);
    CountDownLatch copied = new CountDownLatch(1);
    long[][] all = new long[1][];
    vertx.runOnContext(v -> {
      int total = chunks.size() * (1 << 16) + used[0];
      long[] out = new long[total];
      int at = 0;
      for (long[] c : chunks) {
        System.arraycopy(c, 0, out, at, c.length);
        at += c.length;
      }
      System.arraycopy(current[0], 0, out, at, used[0]);
      all[0] = out;
      copied.countDown();
    });
    copied.await(30, TimeUnit.SECONDS);
    return new Phase(name, ok.get(), errors.get(), elapsed, all[0], cpu);
  }

  /** The watched server's CPU time (user + system) in seconds, or -1. */
  private double serverCpuSeconds() {
    if (serverPid <= 0) {
      return -1;
    }
    try {
      String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + serverPid + "/stat"));
      // Fields after the command name's ")" (which may hold spaces): utime, stime are 12th, 13th.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) CLOCK_TICKS;
    } catch (java.io.IOException | RuntimeException e) {
      System.err.println("cannot read the CPU time of process " + serverPid + ": " + e);
      return -1;
    }
  }

  private double cpuSince(double start) {
    double now = serverCpuSeconds();
    return start < 0 || now < 0 ? -1 : now - start;
  }

  void close() throws Exception {
    client.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("usage: --name value ...; got " + String.join(" ", args));
      }
      m.put(args[i].substring(2), args[++i]);
    }
    return m;
  }
}
