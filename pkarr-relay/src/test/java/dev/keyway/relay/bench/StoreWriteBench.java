package dev.keyway.relay.bench;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.MicrosClock;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.relay.store.JdbcPacketStore;
import dev.keyway.relay.store.StoreOptions;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;

/**
 * The packet store's write rate without HTTP or signature checks (a benchmark, not a test):
 * upserts pre-signed packets of distinct keys, {@code inflight} at a time, into a fresh H2 store
 * and prints upserts/s and CPU microseconds per upsert for each round of {@code n} keys (the
 * first rounds warm the JIT). Pin it to one core to see what the store costs the relay's core.
 *
 * <pre>taskset -c 1 java -cp ... dev.keyway.relay.bench.StoreWriteBench DIR [n] [rounds] [inflight] [fsync]</pre>
 */
public final class StoreWriteBench {
  private StoreWriteBench() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 30_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    int inflight = args.length > 3 ? Integer.parseInt(args[3]) : 128;
    boolean fsync = args.length > 4 && Boolean.parseBoolean(args[4]);
    SplittableRandom random = new SplittableRandom(42);
    long ts = System.currentTimeMillis() * 1_000;
    SignedPacket[] packets = new SignedPacket[n * rounds];
    for (int i = 0; i < packets.length; i++) {
      byte[] s = new byte[32];
      random.nextBytes(s);
      packets[i] = BenchPackets.iroh(SecretKey.fromBytes(s), i, ts + i);
    }
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    StoreOptions options = StoreOptions.builder().fsync(fsync).build();
    try (JdbcPacketStore store = JdbcPacketStore.openH2(dir, options, MicrosClock.system())) {
      for (int r = 0; r < rounds; r++) {
        Semaphore slots = new Semaphore(inflight);
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        for (int i = r * n; i < (r + 1) * n; i++) {
          slots.acquire();
          store.upsert(packets[i]).whenComplete((o, e) -> slots.release());
        }
        slots.acquire(inflight);
        double secs = (System.nanoTime() - t0) / 1e9;
        double cpuMicros = (os.getProcessCpuTime() - cpu0) / 1e3 / n;
        System.out.printf(Locale.ROOT, "round %d: %d upserts in %.2f s = %.0f/s, %.1f us CPU each, %d stored%n",
            r + 1, n, secs, n / secs, cpuMicros, store.count());
      }
    }
  }
}
