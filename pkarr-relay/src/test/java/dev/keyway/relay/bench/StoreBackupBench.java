package dev.keyway.relay.bench;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.MicrosClock;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.relay.store.BackupOptions;
import dev.keyway.relay.store.JdbcPacketStore;
import dev.keyway.relay.store.StoreBackups;
import dev.keyway.relay.store.StoreOptions;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What an online backup costs (a benchmark, not a test): fills a fresh H2 store with {@code n}
 * packets of distinct keys, then measures one-at-a-time upserts (their latency) for a while without
 * a backup and for as long as one {@link StoreBackups#backupNow()} runs, and prints the copy's
 * size, its duration and the process CPU it took.
 *
 * <pre>java -cp ... dev.keyway.relay.bench.StoreBackupBench DIR [n]</pre>
 */
public final class StoreBackupBench {
  private StoreBackupBench() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 150_000;
    SplittableRandom random = new SplittableRandom(42);
    long ts = System.currentTimeMillis() * 1_000;
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    // Backups on, due in a day: the copy below is taken by hand.
    StoreOptions options = StoreOptions.builder()
        .backup(new BackupOptions(BackupOptions.DEFAULT_DIR, Duration.ofDays(1), 2)).build();
    try (JdbcPacketStore store = JdbcPacketStore.openH2(dir, options, MicrosClock.system())) {
      Semaphore slots = new Semaphore(128);
      for (int i = 0; i < n; i++) {
        slots.acquire();
        store.upsert(packet(random, i, ts + i)).whenComplete((o, e) -> slots.release());
      }
      slots.acquire(128);
      System.out.printf(Locale.ROOT, "filled: %d packets, database %d bytes%n", store.count(),
          store.storageBytes());
      Writes quiet = Writes.during(store, random, ts, () -> sleep(5_000));
      System.out.println("without a backup (5 s):  " + quiet);
      long cpu0 = os.getProcessCpuTime();
      long t0 = System.nanoTime();
      Path[] copy = new Path[1];
      Writes busy = Writes.during(store, random, ts,
          () -> copy[0] = store.backups().orElseThrow().backupNow());
      double secs = (System.nanoTime() - t0) / 1e9;
      double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
      System.out.printf(Locale.ROOT, "backup: %d bytes in %.1f s, process CPU %.1f s%n",
          Files.size(copy[0]), secs, cpu);
      System.out.println("during the backup:       " + busy);
    }
  }

  private static SignedPacket packet(SplittableRandom random, int i, long ts) {
    byte[] s = new byte[32];
    random.nextBytes(s);
    return BenchPackets.iroh(SecretKey.fromBytes(s), i, ts);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Upserts one at a time on another thread while {@code work} runs, with their latencies. */
  private record Writes(int count, double p50Millis, double p99Millis, double maxMillis) {
    static Writes during(JdbcPacketStore store, SplittableRandom random, long ts, ThrowingRunnable work)
        throws Exception {
      AtomicBoolean stop = new AtomicBoolean();
      long[] latencies = new long[1 << 20];
      int[] count = new int[1];
      SplittableRandom own = random.split();
      Thread writer = new Thread(() -> {
        while (!stop.get() && count[0] < latencies.length) {
          long t0 = System.nanoTime();
          store.upsert(packet(own, 1_000_000 + count[0], ts)).join();
          latencies[count[0]++] = System.nanoTime() - t0;
        }
      });
      writer.start();
      try {
        work.run();
      } finally {
        stop.set(true);
        writer.join();
      }
      long[] l = Arrays.copyOf(latencies, count[0]);
      Arrays.sort(l);
      return new Writes(l.length, l[l.length / 2] / 1e6, l[(int) (l.length * 0.99)] / 1e6,
          l[l.length - 1] / 1e6);
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%d upserts, latency p50 %.2f ms, p99 %.2f ms, max %.1f ms",
          count, p50Millis, p99Millis, maxMillis);
    }
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }
}
