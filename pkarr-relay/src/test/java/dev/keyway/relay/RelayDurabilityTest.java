package dev.keyway.relay;

import static dev.keyway.relay.TestRelay.key;
import static dev.keyway.relay.TestRelay.packet;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.client.store.StoredPacket;
import dev.keyway.relay.store.JdbcPacketStore;
import dev.keyway.relay.store.StoreOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ordering under concurrency, volume, restarts and a real {@code kill -9}: a 204 means the
 * packet is in the database file.
 */
class RelayDurabilityTest {
  @TempDir Path dir;

  static long nowMicros() {
    return System.currentTimeMillis() * 1_000;
  }

  @Test
  void concurrentOlderAndNewerPutsForOneKeyLeaveTheNewest() throws Exception {
    try (TestRelay relay = TestRelay.start(dir)) {
      Random random = new Random(7);
      for (int round = 0; round < 3; round++) {
        SecretKey k = key(1_000 + round);
        long base = nowMicros() - 60_000_000L;
        List<SignedPacket> packets = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
          // Few distinct timestamps, so equal-timestamp tie-breaks race as well.
          packets.add(packet(k, base + random.nextInt(15), "v" + i));
        }
        Collections.shuffle(packets, random);
        SignedPacket newest = packets.get(0);
        for (SignedPacket p : packets) {
          if (p.isMoreRecentThan(newest)) {
            newest = p;
          }
        }
        List<CompletableFuture<HttpResponse<Void>>> sent = new ArrayList<>();
        for (SignedPacket p : packets) {
          sent.add(relay.client.sendAsync(HttpRequest.newBuilder(relay.uri("/" + k.publicKey().toZ32()))
              .PUT(HttpRequest.BodyPublishers.ofByteArray(p.toRelayPayload())).build(),
              HttpResponse.BodyHandlers.discarding()));
        }
        int ok = 0;
        for (CompletableFuture<HttpResponse<Void>> f : sent) {
          int status = f.get(60, TimeUnit.SECONDS).statusCode();
          assertThat(status).isIn(204, 409);
          ok += status == 204 ? 1 : 0;
        }
        assertThat(ok).isPositive();
        HttpResponse<byte[]> got = relay.get("/" + k.publicKey().toZ32());
        assertThat(got.body()).as("round %d", round).isEqualTo(newest.toRelayPayload());
      }
    }
  }

  @Test
  void putStormOfTenThousandKeysIsFullyReadable() throws Exception {
    int n = 10_000;
    long ts = nowMicros();
    List<SignedPacket> packets = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      packets.add(packet(key(50_000 + i), ts, "storm " + i));
    }
    try (TestRelay relay = TestRelay.start(dir)) {
      Semaphore window = new Semaphore(64);
      List<CompletableFuture<Integer>> puts = new ArrayList<>(n);
      for (SignedPacket p : packets) {
        window.acquire();
        puts.add(relay.client.sendAsync(HttpRequest.newBuilder(relay.uri("/" + p.publicKey().toZ32()))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(p.toRelayPayload())).build(),
                HttpResponse.BodyHandlers.discarding())
            .whenComplete((r, e) -> window.release())
            .thenApply(HttpResponse::statusCode));
      }
      for (CompletableFuture<Integer> f : puts) {
        assertThat(f.get(120, TimeUnit.SECONDS)).isEqualTo(204);
      }
      assertThat(relay.server.store().count()).isEqualTo(n);
      List<CompletableFuture<HttpResponse<byte[]>>> gets = new ArrayList<>(n);
      for (SignedPacket p : packets) {
        window.acquire();
        gets.add(relay.client.sendAsync(HttpRequest.newBuilder(relay.uri("/" + p.publicKey().toZ32())).build(),
                HttpResponse.BodyHandlers.ofByteArray())
            .whenComplete((r, e) -> window.release()));
      }
      for (int i = 0; i < n; i++) {
        HttpResponse<byte[]> r = gets.get(i).get(120, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(packets.get(i).toRelayPayload());
      }
    }
  }

  @Test
  void restartKeepsData() throws Exception {
    List<SignedPacket> packets = new ArrayList<>();
    try (TestRelay relay = TestRelay.start(dir)) {
      for (int i = 0; i < 50; i++) {
        SignedPacket p = packet(key(i), nowMicros(), "restart " + i);
        packets.add(p);
        assertThat(relay.put(p).statusCode()).isEqualTo(204);
      }
    }
    try (TestRelay relay = TestRelay.start(dir, b -> b, Clock.systemUTC())) {
      for (SignedPacket p : packets) {
        HttpResponse<byte[]> r = relay.get("/" + p.publicKey().toZ32());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(p.toRelayPayload());
      }
      assertThat(relay.put(packets.get(0)).statusCode()).isEqualTo(204);
    }
  }

  /**
   * Runs a relay in a child JVM, storms it with PUTs (new keys and newer packets for keys already
   * stored) and kills it with SIGKILL while requests are in flight. Every packet that was
   * answered 204 must be in the database afterwards. Runs with fsync off: a process crash must
   * not depend on it (fsync only adds power-loss safety).
   */
  @Test
  void killDashNineDuringAPutStormLosesNoAcknowledgedPut() throws Exception {
    Storm storm = stormChildRelay(3_000);
    storm.child.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no flush
    storm.finish();
    assertNothingLost(storm);
  }

  /**
   * SIGTERM during a PUT storm: the relay stops accepting, answers what it accepted, flushes the
   * writer and exits; every 204 is stored and the database closes cleanly.
   */
  @Test
  void sigtermDuringAPutStormIsGraceful() throws Exception {
    Storm storm = stormChildRelay(1_000);
    storm.child.destroy(); // SIGTERM
    storm.finish();
    assertThat(storm.child.exitValue()).isEqualTo(143);
    assertNothingLost(storm);
  }

  /** A child relay under a PUT storm that has acknowledged at least {@code minAcks} PUTs. */
  private Storm stormChildRelay(int minAcks) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
        RelayProcessMain.class.getName(), dir.toString(), "false")
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    Storm storm = new Storm(child);
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      assertThat(line).as("child relay started").isNotNull().startsWith("PORT ");
      URI base = URI.create("http://127.0.0.1:" + line.substring(5).trim());
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      int keys = 400;
      List<SecretKey> secrets = new ArrayList<>();
      for (int i = 0; i < keys; i++) {
        secrets.add(key(90_000 + i));
      }
      long base0 = nowMicros();
      storm.thread = new Thread(() -> {
        long seq = 0;
        Random random = new Random(11);
        while (!storm.stop.get()) {
          try {
            storm.window.acquire();
          } catch (InterruptedException e) {
            return;
          }
          SecretKey k = secrets.get(random.nextInt(keys));
          long ts = base0 + ++seq;
          SignedPacket p = packet(k, ts, "storm " + seq);
          client.sendAsync(HttpRequest.newBuilder(URI.create(base + "/" + k.publicKey().toZ32()))
                  .timeout(Duration.ofSeconds(20))
                  .PUT(HttpRequest.BodyPublishers.ofByteArray(p.toRelayPayload())).build(),
                  HttpResponse.BodyHandlers.discarding())
              .whenComplete((r, e) -> {
                if (r != null && r.statusCode() == 204) {
                  storm.acked.merge(k.publicKey(), ts, Math::max);
                  storm.acks.incrementAndGet();
                }
                storm.window.release();
              });
        }
      }, "put-storm");
      storm.thread.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (storm.acks.get() < minAcks && System.nanoTime() < deadline && child.isAlive()) {
        Thread.sleep(10);
      }
      assertThat(storm.acks.get()).as("acknowledged PUTs before stopping").isGreaterThanOrEqualTo(minAcks);
      return storm;
    } catch (Exception | AssertionError e) {
      storm.stop.set(true);
      child.destroyForcibly();
      throw e;
    }
  }

  private static final class Storm {
    final Process child;
    final Map<PublicKey, Long> acked = new ConcurrentHashMap<>();
    final AtomicInteger acks = new AtomicInteger();
    final AtomicBoolean stop = new AtomicBoolean();
    final Semaphore window = new Semaphore(32);
    Thread thread;

    Storm(Process child) {
      this.child = child;
    }

    /** Waits for the child to exit and every request to finish. */
    void finish() throws Exception {
      try {
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("child exited").isTrue();
      } finally {
        stop.set(true);
        if (thread != null) {
          thread.join(TimeUnit.SECONDS.toMillis(30));
        }
        window.acquire(32); // every request has finished (answered or failed)
        child.destroyForcibly();
      }
    }
  }

  private void assertNothingLost(Storm storm) throws Exception {
    try (JdbcPacketStore store = JdbcPacketStore.openH2(dir, StoreOptions.defaults(), () -> 0)) {
      int lost = 0;
      for (Map.Entry<PublicKey, Long> e : storm.acked.entrySet()) {
        StoredPacket s = store.get(e.getKey()).orElse(null);
        if (s == null || s.packet().timestampMicros() < e.getValue()) {
          lost++;
        }
      }
      assertThat(lost).as("acknowledged packets lost out of %d keys, %d acks", storm.acked.size(),
          storm.acks.get()).isZero();
    }
  }
}
