import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.lookup.ClientRuntime;
import dev.keyway.client.lookup.Fixtures;
import dev.keyway.client.lookup.LookupItem;
import dev.keyway.client.lookup.Resolver;
import dev.keyway.client.record.EndpointInfo;
import dev.keyway.client.record.IrohTxt;
import dev.keyway.client.resolve.DnsLookup;
import dev.keyway.client.resolve.DohLookup;
import dev.keyway.client.resolve.PkarrRelayLookup;
import dev.keyway.ops.client.LocalKeyway;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * Client resolve latency against a local keyway (issue 5): p50/p99 of uncached DNS, DoH and
 * relay lookups, and of cache hits, plus a reference in the same window (a bare blocking UDP
 * query with dnsjava messages, no client). Bounded: fixed counts per phase, each phase capped
 * at 60 s. Run with ops/bench/client/run.sh. Not a test.
 */
public final class ClientResolveBench {
  static final int KEYS = 256;

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
    int warm = Math.max(500, n / 5);
    Path dir = Files.createTempDirectory("keyway-bench");
    List<String> rows = new ArrayList<>();
    try (LocalKeyway kw = LocalKeyway.start(dir, false); ClientRuntime rt = ClientRuntime.create()) {
      List<PublicKey> ids = new ArrayList<>();
      long ts = rt.clock().nowMicros();
      for (int i = 0; i < KEYS; i++) {
        SecretKey k = Fixtures.key(10_000 + i);
        EndpointInfo info = Fixtures.info(k, "https://relay.example./", "192.0.2." + (i % 250 + 1) + ":4433");
        kw.store().upsert(IrohTxt.toSignedPacket(info, k, 30, ts + i)).get(10, TimeUnit.SECONDS);
        ids.add(k.publicKey());
      }
      DnsLookup dns = DnsLookup.builder(rt, LocalKeyway.ORIGIN).nameserver(kw.dnsAddress()).build();
      DohLookup doh = DohLookup.builder(rt, kw.doh(), LocalKeyway.ORIGIN).build();
      PkarrRelayLookup relay = PkarrRelayLookup.builder(rt, kw.pkarrRelay()).build();
      PkarrRelayLookup irohApi = PkarrRelayLookup.builder(rt, kw.irohPkarr()).build();

      // warm both ends (server JIT, client JIT) before anything is measured
      measure(warm * 2, 0, i -> bareUdp(kw, ids.get(i % KEYS)));
      measure(warm * 2, 0, i -> join(dns.lookup(ids.get(i % KEYS))));
      rows.add(row("reference: bare UDP query (blocking socket)", measure(warm, n, i -> bareUdp(kw, ids.get(i % KEYS)))));
      rows.add(row("DnsLookup (UDP, uncached)", measure(warm, n, i -> join(dns.lookup(ids.get(i % KEYS))))));
      rows.add(row("DohLookup (HTTP/1.1 GET, uncached)", measure(warm, n, i -> join(doh.lookup(ids.get(i % KEYS))))));
      rows.add(row("PkarrRelayLookup (pkarr relay, uncached)", measure(warm, n, i -> join(relay.lookup(ids.get(i % KEYS))))));
      rows.add(row("PkarrRelayLookup (iroh /pkarr, uncached)", measure(warm, n, i -> join(irohApi.lookup(ids.get(i % KEYS))))));

      try (Resolver resolver = Resolver.builder(rt).lookup(dns).build()) {
        for (PublicKey id : ids) {
          resolver.resolve(id).first().get(10, TimeUnit.SECONDS).orElseThrow();
        }
        int hits = n * 40;
        rows.add(row("Resolver.resolve cache hit (first().join())", measure(hits / 5, hits, i -> {
          Optional<LookupItem> item = resolver.resolve(ids.get(i % KEYS)).first().join();
          if (item.isEmpty()) {
            throw new IllegalStateException("cache miss");
          }
        })));
      }
    }
    System.out.println();
    System.out.println("| operation | p50 | p99 | mean | max | samples |");
    System.out.println("|---|---|---|---|---|---|");
    rows.forEach(System.out::println);
  }

  static void join(CompletableFuture<Optional<LookupItem>> f) {
    try {
      if (f.get(10, TimeUnit.SECONDS).isEmpty()) {
        throw new IllegalStateException("not found");
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static void bareUdp(LocalKeyway kw, PublicKey id) {
    try (DatagramSocket s = new DatagramSocket()) {
      s.setSoTimeout(5_000);
      Message q = Message.newQuery(Record.newRecord(
          Name.fromString("_iroh." + id.toZ32() + "." + LocalKeyway.ORIGIN), Type.TXT, DClass.IN));
      byte[] out = q.toWire();
      s.send(new DatagramPacket(out, out.length, kw.dnsAddress()));
      byte[] buf = new byte[4096];
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      s.receive(p);
      if (new Message(Arrays.copyOf(buf, p.getLength())).getSection(1).isEmpty()) {
        throw new IllegalStateException("no answer");
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  interface Op {
    void run(int i) throws Exception;
  }

  /** Runs {@code warm} unmeasured then {@code n} measured operations, one at a time. */
  static long[] measure(int warm, int n, Op op) throws Exception {
    long cap = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    for (int i = 0; i < warm && System.nanoTime() < cap; i++) {
      op.run(i);
    }
    long[] t = new long[n];
    int done = 0;
    for (; done < n && System.nanoTime() < cap; done++) {
      long s = System.nanoTime();
      op.run(done);
      t[done] = System.nanoTime() - s;
    }
    if (n == 0) {
      return t;
    }
    long[] r = Arrays.copyOf(t, done);
    Arrays.sort(r);
    return r;
  }

  static String row(String name, long[] sorted) {
    double mean = Arrays.stream(sorted).average().orElse(0);
    String line = String.format("| %s | %s | %s | %s | %s | %d |", name, fmt(pct(sorted, 0.50)),
        fmt(pct(sorted, 0.99)), fmt((long) mean), fmt(sorted[sorted.length - 1]), sorted.length);
    System.out.println(line);
    return line;
  }

  static long pct(long[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
  }

  static String fmt(long nanos) {
    return nanos >= 1_000_000 ? String.format("%.2f ms", nanos / 1e6)
        : nanos >= 1_000 ? String.format("%.1f µs", nanos / 1e3) : nanos + " ns";
  }
}
