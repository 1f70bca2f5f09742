package dev.keyway.client.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.MicrosClock;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.client.testing.RandomNonceSigner;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link PacketStore} contract as tests. An implementation's test extends this class and
 * implements {@link #createStore}; it ships in the discovery-client test-jar for the H2 and
 * PostgreSQL stores.
 *
 * <p>Every test gets a fresh, empty store on a manual clock ({@link #now}, microseconds).
 */
public abstract class PacketStoreContract {
  /** Generous bound for one upsert to become durable, so slow disks do not fail the suite. */
  protected static final long TIMEOUT_SECONDS = 30;

  /** The manual clock behind the store's last-seen times. */
  protected final AtomicLong now = new AtomicLong(1_700_000_000_000_000L);
  /** The store under test. */
  protected PacketStore store;

  /** A fresh, empty store whose last-seen times come from {@code clock}. */
  protected abstract PacketStore createStore(MicrosClock clock) throws Exception;

  @BeforeEach
  void openStore() throws Exception {
    store = createStore(now::get);
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  /** A deterministic key. */
  protected static SecretKey key(int seed) {
    byte[] bytes = new byte[32];
    new Random(seed).nextBytes(bytes);
    return SecretKey.fromBytes(bytes);
  }

  /** A small signed packet with one TXT record. */
  protected static SignedPacket packet(SecretKey key, long timestampMicros, String text) {
    return SignedPacket.builder().txt("_test", 30, text).sign(key, timestampMicros);
  }

  /** Upserts and waits for the outcome. */
  protected UpsertOutcome upsert(SignedPacket packet) throws Exception {
    return store.upsert(packet).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  private StoredPacket stored(SecretKey key) {
    Optional<StoredPacket> got = store.get(key.publicKey());
    assertThat(got).as("stored packet for %s", key.publicKey().fmtShort()).isPresent();
    return got.get();
  }

  @Test
  void getOfAMissingKeyIsEmpty() {
    assertThat(store.get(key(1).publicKey())).isEmpty();
    assertThat(store.count()).isZero();
  }

  @Test
  void firstPacketIsInsertedWithLastSeenNow() throws Exception {
    SignedPacket p = packet(key(1), 1_000, "a");
    assertThat(upsert(p)).isEqualTo(UpsertOutcome.INSERTED);
    StoredPacket s = stored(key(1));
    assertThat(s.packet()).isEqualTo(p);
    assertThat(s.packet().toBytes()).isEqualTo(p.toBytes());
    assertThat(s.lastSeenMicros()).isEqualTo(now.get());
    assertThat(store.count()).isEqualTo(1);
  }

  @Test
  void newerTimestampUpdates() throws Exception {
    upsert(packet(key(1), 1_000, "a"));
    now.addAndGet(5_000_000);
    SignedPacket newer = packet(key(1), 2_000, "b");
    assertThat(upsert(newer)).isEqualTo(UpsertOutcome.UPDATED);
    assertThat(stored(key(1)).packet()).isEqualTo(newer);
    assertThat(stored(key(1)).lastSeenMicros()).isEqualTo(now.get());
    assertThat(store.count()).isEqualTo(1);
  }

  @Test
  void identicalBytesAreUnchangedAndRefreshLastSeen() throws Exception {
    SignedPacket p = packet(key(1), 1_000, "a");
    upsert(p);
    now.addAndGet(7_000_000);
    assertThat(upsert(SignedPacket.fromBytes(p.toBytes()))).isEqualTo(UpsertOutcome.UNCHANGED);
    assertThat(stored(key(1)).packet()).isEqualTo(p);
    assertThat(stored(key(1)).lastSeenMicros()).isEqualTo(now.get());
  }

  @Test
  void lastSeenNeverMovesBackOnUnchanged() throws Exception {
    SignedPacket p = packet(key(1), 1_000, "a");
    upsert(p);
    long first = now.get();
    now.addAndGet(-3_000_000);
    assertThat(upsert(p)).isEqualTo(UpsertOutcome.UNCHANGED);
    assertThat(stored(key(1)).lastSeenMicros()).isEqualTo(first);
  }

  @Test
  void sameTimestampAndRecordsUnderAnotherSignatureAreAcceptedButChangeNothing() throws Exception {
    SignedPacket p = packet(key(1), 5_000, "a");
    SignedPacket resigned = RandomNonceSigner.resign(p, key(1), new Random(7));
    assertThat(resigned.toBytes()).isNotEqualTo(p.toBytes());
    assertThat(resigned.isMoreRecentThan(p)).isFalse();
    assertThat(p.isMoreRecentThan(resigned)).isFalse();

    upsert(p);
    long seen = now.get();
    now.addAndGet(1_000_000);
    assertThat(upsert(resigned)).isEqualTo(UpsertOutcome.UNCHANGED);
    assertThat(stored(key(1)).packet().toBytes()).isEqualTo(p.toBytes());
    assertThat(stored(key(1)).lastSeenMicros()).isEqualTo(seen);
    assertThat(upsert(packet(key(1), 4_999, "zzz"))).isEqualTo(UpsertOutcome.STALE);
  }

  @Test
  void upsertsOfOneKeyOfferedTogetherDecideAsInSequence() throws Exception {
    // Offered without waiting, so a batching store sees them in one batch.
    SignedPacket p = packet(key(1), 5_000, "a");
    SignedPacket resigned = RandomNonceSigner.resign(p, key(1), new Random(8));
    SignedPacket newer = packet(key(1), 5_001, "b");
    CompletableFuture<UpsertOutcome> first = store.upsert(p);
    CompletableFuture<UpsertOutcome> second = store.upsert(resigned);
    CompletableFuture<UpsertOutcome> third = store.upsert(newer);
    CompletableFuture<UpsertOutcome> fourth = store.upsert(resigned);
    assertThat(first.get(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo(UpsertOutcome.INSERTED);
    assertThat(second.get(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo(UpsertOutcome.UNCHANGED);
    assertThat(third.get(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo(UpsertOutcome.UPDATED);
    assertThat(fourth.get(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo(UpsertOutcome.STALE);
    assertThat(stored(key(1)).packet().toBytes()).isEqualTo(newer.toBytes());
  }

  @Test
  void olderTimestampIsStaleAndChangesNothing() throws Exception {
    SignedPacket newer = packet(key(1), 2_000, "b");
    upsert(newer);
    long seen = now.get();
    now.addAndGet(1_000_000);
    assertThat(upsert(packet(key(1), 1_999, "zzz"))).isEqualTo(UpsertOutcome.STALE);
    assertThat(stored(key(1)).packet()).isEqualTo(newer);
    assertThat(stored(key(1)).lastSeenMicros()).isEqualTo(seen);
  }

  @Test
  void equalTimestampsAreBrokenByLargerDnsBytes() throws Exception {
    SignedPacket small = packet(key(1), 5_000, "a");
    SignedPacket large = packet(key(1), 5_000, "b");
    assertThat(large.isMoreRecentThan(small)).isTrue();

    assertThat(upsert(small)).isEqualTo(UpsertOutcome.INSERTED);
    assertThat(upsert(large)).isEqualTo(UpsertOutcome.UPDATED);
    assertThat(upsert(small)).isEqualTo(UpsertOutcome.STALE);
    assertThat(stored(key(1)).packet()).isEqualTo(large);
  }

  @Test
  void equalTimestampTieBreakComparesUnsignedBytes() throws Exception {
    SignedPacket ascii = packet(key(1), 5_000, "z"); // 0x7a
    SignedPacket high = packet(key(1), 5_000, "\u00e9"); // 0xc3 0xa9: negative as signed bytes
    assertThat(upsert(high)).isEqualTo(UpsertOutcome.INSERTED);
    assertThat(upsert(ascii)).isEqualTo(UpsertOutcome.STALE);
    assertThat(stored(key(1)).packet()).isEqualTo(high);
  }

  @Test
  void timestampsFarApartAndAtTheExtremesOrderCorrectly() throws Exception {
    upsert(packet(key(1), 0, "zero"));
    assertThat(upsert(packet(key(1), Long.MAX_VALUE, "max"))).isEqualTo(UpsertOutcome.UPDATED);
    assertThat(upsert(packet(key(1), Long.MAX_VALUE - 1, "less"))).isEqualTo(UpsertOutcome.STALE);
    assertThat(stored(key(1)).packet().timestampMicros()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void keysAreIndependentAndCounted() throws Exception {
    for (int i = 0; i < 50; i++) {
      assertThat(upsert(packet(key(i), 1_000 + i, "k" + i))).isEqualTo(UpsertOutcome.INSERTED);
    }
    upsert(packet(key(3), 9_999, "update"));
    upsert(packet(key(4), 1, "stale"));
    assertThat(store.count()).isEqualTo(50);
    for (int i = 0; i < 50; i++) {
      long expected = i == 3 ? 9_999 : 1_000 + i;
      assertThat(stored(key(i)).packet().timestampMicros()).isEqualTo(expected);
      assertThat(stored(key(i)).packet().publicKey()).isEqualTo(key(i).publicKey());
    }
    assertThat(store.get(key(50).publicKey())).isEmpty();
  }

  @Test
  void concurrentUpsertsForOneKeyKeepTheNewest() throws Exception {
    int threads = 4;
    int perRound = 48;
    Random random = new Random(42);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int round = 0; round < 6; round++) {
        SecretKey key = key(1_000 + round);
        List<SignedPacket> packets = new ArrayList<>();
        for (int i = 0; i < perRound; i++) {
          // Few distinct timestamps, so equal-timestamp tie-breaks race too.
          packets.add(packet(key, 1_000 + random.nextInt(12), "v" + i));
        }
        packets.add(packets.get(0)); // a duplicate races as well
        Collections.shuffle(packets, random);
        SignedPacket newest = packets.get(0);
        for (SignedPacket p : packets) {
          if (p.isMoreRecentThan(newest)) {
            newest = p;
          }
        }

        Map<UpsertOutcome, Integer> outcomes = runConcurrently(pool, threads, packets);

        assertThat(stored(key).packet()).as("round %d", round).isEqualTo(newest);
        assertThat(outcomes.get(UpsertOutcome.INSERTED)).isEqualTo(1);
        assertThat(outcomes.values().stream().mapToInt(Integer::intValue).sum())
            .isEqualTo(packets.size());
      }
      assertThat(store.count()).isEqualTo(6);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void readersNeverSeeAKeyGoBackInTime() throws Exception {
    SecretKey key = key(7);
    List<SignedPacket> packets = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      packets.add(packet(key, 10_000 + i, "r" + i));
    }
    Collections.shuffle(packets, new Random(3));
    AtomicBoolean writing = new AtomicBoolean(true);
    List<String> violations = Collections.synchronizedList(new ArrayList<>());
    Thread reader = new Thread(() -> {
      SignedPacket last = null;
      while (writing.get()) {
        Optional<StoredPacket> got = store.get(key.publicKey());
        if (got.isPresent()) {
          SignedPacket p = got.get().packet();
          if (last != null && last.isMoreRecentThan(p)) {
            violations.add(last.timestampMicros() + " then " + p.timestampMicros());
          }
          last = p;
        }
      }
    });
    reader.start();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      runConcurrently(pool, 3, packets);
    } finally {
      writing.set(false);
      reader.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
      pool.shutdownNow();
    }
    assertThat(violations).isEmpty();
    assertThat(stored(key).packet().timestampMicros()).isEqualTo(10_199);
  }

  @Test
  void completedUpsertIsVisibleToGet() throws Exception {
    SecretKey key = key(9);
    for (int i = 0; i < 20; i++) {
      SignedPacket p = packet(key, 100 + i, "s" + i);
      upsert(p);
      assertThat(stored(key).packet()).isEqualTo(p);
    }
  }

  @Test
  void closedStoreRefusesWork() {
    store.close();
    SignedPacket p = packet(key(1), 1, "x");
    assertThatThrownBy(() -> store.upsert(p).get(TIMEOUT_SECONDS, TimeUnit.SECONDS))
        .isInstanceOfAny(IllegalStateException.class, ExecutionException.class);
    assertThatThrownBy(() -> store.get(key(1).publicKey())).isInstanceOf(IllegalStateException.class);
    store = null;
  }

  private Map<UpsertOutcome, Integer> runConcurrently(
      ExecutorService pool, int threads, List<SignedPacket> packets) throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    List<Future<List<UpsertOutcome>>> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int offset = t;
      workers.add(pool.submit(() -> {
        start.await();
        List<CompletableFuture<UpsertOutcome>> pending = new ArrayList<>();
        for (int i = offset; i < packets.size(); i += threads) {
          pending.add(store.upsert(packets.get(i)));
        }
        List<UpsertOutcome> done = new ArrayList<>();
        for (CompletableFuture<UpsertOutcome> f : pending) {
          done.add(f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        }
        return done;
      }));
    }
    start.countDown();
    Map<UpsertOutcome, Integer> counts = new EnumMap<>(UpsertOutcome.class);
    for (UpsertOutcome o : UpsertOutcome.values()) {
      counts.put(o, 0);
    }
    for (Future<List<UpsertOutcome>> w : workers) {
      for (UpsertOutcome o : w.get(TIMEOUT_SECONDS * 2, TimeUnit.SECONDS)) {
        counts.merge(o, 1, Integer::sum);
      }
    }
    return counts;
  }
}
