import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.SignedPacket;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Benchmark data for keyway's DNS server next to Knot (ops/bench/dns/run.sh). A single-file Java
 * program: run it with the keyway classpath, {@code java -cp "ops/target/keyway.jar:ops/target/lib/*"
 * ops/bench/dns/BenchData.java ...}.
 *
 * <pre>
 * gen OUTDIR N QUERIES SEED      N keys (seeded), each an iroh _iroh packet with two TXT records,
 *                                TTL 30: relay=https://relay.example.test./ and
 *                                addr=192.0.2.X:4433, signed with the current time (the store
 *                                evicts packets neither signed nor PUT in 7 days). Writes:
 *                                  packets.bin   the signed packets (u16 length + canonical bytes)
 *                                  dns.example.test.zone  the same records as a zone for Knot
 *                                  queries.txt   dnsperf input: QUERIES lines, 90 % existing
 *                                                owners, 10 % owners of keys never published
 *                                  names.txt     first and last owner (readiness probes)
 * publish URL PACKETS THREADS    PUT every packet to URL/pkarr/&lt;z32&gt; (the iroh API), THREADS at
 *                                a time; prints the time taken; fails on any status but 204.
 * </pre>
 */
public class BenchData {
  static final String ORIGIN = "dns.example.test.";
  static final String SOA = "ns1." + ORIGIN + " hostmaster." + ORIGIN + " 2024010101 3600 600 86400 30";

  public static void main(String[] args) throws Exception {
    switch (args.length == 0 ? "" : args[0]) {
      case "gen" -> gen(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
          Long.parseLong(args[4]));
      case "publish" -> publish(args[1], Path.of(args[2]), Integer.parseInt(args[3]));
      default -> {
        System.err.println("usage: BenchData gen OUTDIR N QUERIES SEED | publish URL PACKETS THREADS");
        System.exit(2);
      }
    }
  }

  static SecretKey key(SplittableRandom random) {
    byte[] seed = new byte[32];
    random.nextBytes(seed);
    return SecretKey.fromBytes(seed);
  }

  static void gen(Path out, int n, int queries, long seed) throws IOException {
    Files.createDirectories(out);
    SplittableRandom random = new SplittableRandom(seed);
    List<String> owners = new ArrayList<>(n);
    long t0 = System.nanoTime();
    // Signed now, like an iroh endpoint's packets (the store evicts by age, 7 days).
    long now = java.time.Instant.now().getEpochSecond() * 1_000_000L;
    try (DataOutputStream packets = new DataOutputStream(new BufferedOutputStream(
            Files.newOutputStream(out.resolve("packets.bin"))));
        PrintWriter zone = new PrintWriter(Files.newBufferedWriter(out.resolve("dns.example.test.zone")))) {
      zone.println("$ORIGIN " + ORIGIN);
      zone.println("$TTL 30");
      zone.println("@ 3600 IN SOA " + SOA);
      zone.println("@ 3600 IN NS ns1." + ORIGIN);
      zone.println("ns1 3600 IN A 192.0.2.53");
      for (int i = 0; i < n; i++) {
        SecretKey k = key(random);
        String z = k.publicKey().toZ32();
        String relay = "relay=https://relay.example.test./";
        String addr = "addr=192.0.2." + (10 + i % 240) + ":4433";
        SignedPacket p = SignedPacket.builder().txt("_iroh", 30, relay).txt("_iroh", 30, addr)
            .sign(k, now + i);
        byte[] bytes = p.toBytes();
        packets.writeShort(bytes.length);
        packets.write(bytes);
        zone.println("_iroh." + z + " 30 IN TXT \"" + relay + "\"");
        zone.println("_iroh." + z + " 30 IN TXT \"" + addr + "\"");
        owners.add("_iroh." + z + "." + ORIGIN);
      }
    }
    try (PrintWriter q = new PrintWriter(Files.newBufferedWriter(out.resolve("queries.txt")))) {
      for (int i = 0; i < queries; i++) {
        if (random.nextDouble() < 0.9) {
          q.println(owners.get(random.nextInt(n)) + " TXT");
        } else {
          q.println("_iroh." + key(random).publicKey().toZ32() + "." + ORIGIN + " TXT");
        }
      }
    }
    Files.writeString(out.resolve("names.txt"), owners.get(0) + "\n" + owners.get(n - 1) + "\n");
    System.out.printf("generated %d packets and %d queries in %.1f s%n", n, queries,
        (System.nanoTime() - t0) / 1e9);
  }

  static void publish(String url, Path file, int threads) throws Exception {
    List<byte[]> packets = new ArrayList<>();
    try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file)))) {
      while (true) {
        int len;
        try {
          len = in.readUnsignedShort();
        } catch (EOFException end) {
          break;
        }
        byte[] b = new byte[len];
        in.readFully(b);
        packets.add(b);
      }
    }
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    AtomicInteger next = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    long t0 = System.nanoTime();
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      workers.add(pool.submit(() -> {
        int i;
        while ((i = next.getAndIncrement()) < packets.size()) {
          SignedPacket p = SignedPacket.fromTrustedBytes(packets.get(i));
          HttpRequest req = HttpRequest.newBuilder(URI.create(url + "/pkarr/" + p.publicKey().toZ32()))
              .timeout(Duration.ofSeconds(60))
              .PUT(HttpRequest.BodyPublishers.ofByteArray(p.toRelayPayload())).build();
          try {
            int status = client.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status != 204 && failed.incrementAndGet() <= 5) {
              System.err.println("PUT " + i + ": HTTP " + status);
            }
          } catch (Exception e) {
            if (failed.incrementAndGet() <= 5) {
              System.err.println("PUT " + i + ": " + e);
            }
          }
        }
        return null;
      }));
    }
    for (Future<?> w : workers) {
      w.get();
    }
    pool.shutdown();
    double s = (System.nanoTime() - t0) / 1e9;
    System.out.printf("published %d packets in %.2f s (%.0f/s), %d failed%n", packets.size(), s,
        packets.size() / s, failed.get());
    if (failed.get() > 0) {
      System.exit(1);
    }
  }
}
