package dev.keyway.relay.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.client.store.StoredPacket;
import dev.keyway.client.store.UpsertOutcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the JDBC store adds to the contract: persistence, eviction, batching, backpressure. */
class JdbcPacketStoreTest {
  static final long HOUR = 3_600_000_000L;
  @TempDir Path dir;
  final AtomicLong now = new AtomicLong(1_800_000_000_000_000L);

  static SecretKey key(int seed) {
    byte[] b = new byte[32];
    new Random(seed).nextBytes(b);
    return SecretKey.fromBytes(b);
  }

  static SignedPacket packet(SecretKey key, long ts, String text) {
    return SignedPacket.builder().txt("_t", 60, text).sign(key, ts);
  }

  JdbcPacketStore open(StoreOptions options) {
    return JdbcPacketStore.openH2(dir, options, now::get);
  }

  /** Waits (up to 30 s) until {@code n} packets are committed. */
  static void awaitCount(JdbcPacketStore store, long n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (store.count() < n && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(store.count()).as("packets committed").isGreaterThanOrEqualTo(n);
  }

  static <T> T await(CompletableFuture<T> f) throws Exception {
    return f.get(30, TimeUnit.SECONDS);
  }

  @Test
  void restartKeepsEverythingIncludingLastSeen() throws Exception {
    List<SignedPacket> packets = new ArrayList<>();
    try (JdbcPacketStore store = open(StoreOptions.defaults())) {
      List<CompletableFuture<UpsertOutcome>> pending = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        SignedPacket p = packet(key(i), now.get() - i, "v" + i);
        packets.add(p);
        pending.add(store.upsert(p));
      }
      for (CompletableFuture<UpsertOutcome> f : pending) {
        assertThat(await(f)).isEqualTo(UpsertOutcome.INSERTED);
      }
    }
    long seen = now.get();
    now.addAndGet(HOUR);
    try (JdbcPacketStore store = open(StoreOptions.defaults())) {
      assertThat(store.count()).isEqualTo(300);
      for (SignedPacket p : packets) {
        StoredPacket s = store.get(p.publicKey()).orElseThrow();
        assertThat(s.packet().toBytes()).isEqualTo(p.toBytes());
        assertThat(s.lastSeenMicros()).isEqualTo(seen);
      }
      assertThat(await(store.upsert(packets.get(0)))).isEqualTo(UpsertOutcome.UNCHANGED);
      assertThat(store.storageBytes()).isPositive();
    }
  }

  /**
   * A stored row that no longer parses (a bug, a stricter parser after an upgrade) reads as
   * absent, and a new packet for its key overwrites it. It used to be INSERTed again: the
   * duplicate key failed the whole batch, the other keys in it too, on every retry.
   */
  @Test
  void aCorruptRowIsOverwrittenWithoutFailingItsBatch() throws Exception {
    SecretKey broken = key(901);
    SecretKey other = key(902);
    try (JdbcPacketStore store = open(StoreOptions.defaults())) {
      await(store.upsert(packet(broken, now.get(), "v1")));
    }
    try (Connection c = H2Dialect.file(dir).connect();
        java.sql.PreparedStatement corrupt = c.prepareStatement("UPDATE signed_packets SET packet = ? WHERE k = ?")) {
      corrupt.setBytes(1, new byte[] {1, 2, 3});
      corrupt.setBytes(2, broken.publicKey().toBytes());
      assertThat(corrupt.executeUpdate()).isEqualTo(1);
    }
    try (JdbcPacketStore store = open(StoreOptions.defaults())) {
      assertThat(store.get(broken.publicKey())).isEmpty();
      SignedPacket fresh = packet(broken, now.get() + 1, "v2");
      CompletableFuture<UpsertOutcome> a = store.upsert(fresh);
      CompletableFuture<UpsertOutcome> b = store.upsert(packet(other, now.get(), "other"));
      assertThat(await(a)).isEqualTo(UpsertOutcome.INSERTED);
      assertThat(await(b)).isEqualTo(UpsertOutcome.INSERTED);
      assertThat(store.get(broken.publicKey()).orElseThrow().packet().toBytes()).isEqualTo(fresh.toBytes());
      assertThat(store.count()).isEqualTo(2);
    }
  }

  /**
   * A row whose bytes hold another key's packet (a damaged or hand-edited file) reads as absent,
   * not as that packet: served, the other key's records would answer under this key's name. The
   * next PUT for the key overwrites it.
   */
  @Test
  void aRowHoldingAnotherKeysPacketIsNotServed() throws Exception {
    SecretKey mine = key(903);
    SecretKey theirs = key(904);
    try (JdbcPacketStore store = open(StoreOptions.defaults())) {
      await(store.upsert(packet(mine, now.get(), "mine")));
      await(store.upsert(packet(theirs, now.get(), "theirs")));
    }
    try (Connection c = H2Dialect.file(dir).connect();
        java.sql.PreparedStatement swap = c.prepareStatement("UPDATE signed_packets SET packet = ? WHERE k = ?")) {
      swap.setBytes(1, packet(theirs, now.get(), "theirs").toBytes());
      swap.setBytes(2, mine.publicKey().toBytes());
      assertThat(swap.executeUpdate()).isEqualTo(1);
    }
    try (JdbcPacketStore store = open(StoreOptions.defaults())) {
      assertThat(store.get(mine.publicKey())).isEmpty();
      SignedPacket fresh = packet(mine, now.get() + 1, "mine again");
      assertThat(await(store.upsert(fresh))).isEqualTo(UpsertOutcome.INSERTED);
      assertThat(store.get(mine.publicKey()).orElseThrow().packet()).isEqualTo(fresh);
      assertThat(store.get(theirs.publicKey()).orElseThrow().packet().publicKey())
          .isEqualTo(theirs.publicKey());
      assertThat(store.count()).isEqualTo(2);
    }
  }

  /**
   * A packet is kept for maxAge after the later of its signing and its last PUT: iroh re-signs
   * every few minutes, while pkarr's republishers send the first signature again (the same
   * bytes), which must keep the packet too, whether that republish still waits in memory or has
   * been written.
   */
  @Test
  void packetsNeitherSignedNorPublishedWithinMaxAgeAreEvicted() throws Exception {
    StoreOptions options = StoreOptions.builder().maxAge(Duration.ofHours(1)).build();
    try (JdbcPacketStore store = open(options)) {
      SignedPacket old = packet(key(1), now.get() - 2 * HOUR, "signed long ago");
      SignedPacket republished = packet(key(2), now.get() - 2 * HOUR, "republished");
      SignedPacket fresh = packet(key(3), now.get() - HOUR / 2, "fresh");
      SignedPacket ahead = packet(key(4), now.get() + HOUR / 2, "signed ahead");
      for (SignedPacket p : List.of(old, republished, fresh, ahead)) {
        assertThat(await(store.upsert(p))).isEqualTo(UpsertOutcome.INSERTED);
      }
      await(store.runMaintenance());
      assertThat(store.count()).as("all PUT just now").isEqualTo(4);
      now.addAndGet(HOUR / 2 + 1_000_000);
      assertThat(await(store.upsert(republished))).isEqualTo(UpsertOutcome.UNCHANGED);
      now.addAndGet(HOUR / 2);
      await(store.runMaintenance()); // the republish's last-seen is not written yet
      assertThat(store.get(old.publicKey())).as("PUT an hour ago").isEmpty();
      assertThat(store.get(fresh.publicKey())).as("PUT an hour ago").isEmpty();
      assertThat(store.get(republished.publicKey())).as("republished 30 min ago").isPresent();
      assertThat(store.get(ahead.publicKey())).as("signed for 30 min from then").isPresent();
      assertThat(store.count()).isEqualTo(2);
      now.addAndGet(HOUR / 2 + 1);
      await(store.runMaintenance());
      assertThat(store.get(republished.publicKey())).as("written: an hour since its republish")
          .isEmpty();
      assertThat(store.count()).isZero();
      // An evicted packet can be published again, the same bytes too.
      assertThat(await(store.upsert(old))).isEqualTo(UpsertOutcome.INSERTED);
    }
  }

  /**
   * A republish's waiting last-seen belongs to the packet it republished: a newer packet that
   * replaces it keeps its own, even when the clock stepped back in between.
   */
  @Test
  void aNewerPacketDoesNotTakeTheLastSeenOfTheOneItReplaced() throws Exception {
    for (int cache : new int[] {0, 1_000}) {
      Path sub = Files.createDirectories(dir.resolve("cache-" + cache));
      StoreOptions options = StoreOptions.builder().readCacheSize(cache).build();
      SignedPacket first = packet(key(1), 10, "first");
      SignedPacket second = packet(key(1), 20, "second");
      long start = now.get();
      try (JdbcPacketStore store = JdbcPacketStore.openH2(sub, options, now::get)) {
        assertThat(await(store.upsert(first))).isEqualTo(UpsertOutcome.INSERTED);
        now.set(start + 2_000_000);
        assertThat(await(store.upsert(first))).isEqualTo(UpsertOutcome.UNCHANGED);
        now.set(start + 1_500_000); // stepped back
        assertThat(await(store.upsert(second))).isEqualTo(UpsertOutcome.UPDATED);
        StoredPacket got = store.get(second.publicKey()).orElseThrow();
        assertThat(got.packet()).isEqualTo(second);
        assertThat(got.lastSeenMicros()).as("cache %d", cache).isEqualTo(start + 1_500_000);
        await(store.runMaintenance());
      }
      try (JdbcPacketStore store = JdbcPacketStore.openH2(sub, options, now::get)) {
        assertThat(store.get(second.publicKey()).orElseThrow().lastSeenMicros())
            .as("written, cache %d", cache).isEqualTo(start + 1_500_000);
      }
    }
  }

  /**
   * A row whose key no longer decodes (a damaged file) is evicted like any other; the writer
   * goes on (the key's decoding used to throw out of the capacity eviction and end the writer).
   */
  @Test
  void aRowWithADamagedKeyIsEvictedAndTheWriterGoesOn() throws Exception {
    StoreOptions options = StoreOptions.builder().capacity(2).maxAge(Duration.ZERO).build();
    try (JdbcPacketStore store = open(options)) {
      await(store.upsert(packet(key(1), now.get(), "k1")));
      await(store.upsert(packet(key(2), now.get(), "k2")));
      try (Connection c = H2Dialect.file(dir).connect();
          java.sql.PreparedStatement st = c.prepareStatement(
              "UPDATE signed_packets SET k = ?, last_access = 0 WHERE k = ?")) {
        c.setAutoCommit(false);
        byte[] damaged = new byte[32];
        damaged[0] = 1;
        damaged[31] = (byte) 0x80; // y = 1 with the sign bit set: x = 0 has no negative, no point
        st.setBytes(1, damaged);
        st.setBytes(2, key(1).publicKey().toBytes());
        assertThat(st.executeUpdate()).isEqualTo(1);
        c.commit();
      }
      await(store.upsert(packet(key(3), now.get(), "k3")));
      await(store.runMaintenance());
      assertThat(store.count()).isEqualTo(2);
      assertThat(await(store.upsert(packet(key(4), now.get(), "k4"))))
          .as("the writer still runs").isEqualTo(UpsertOutcome.INSERTED);
      assertThat(store.isHealthy()).isTrue();
    }
  }

  /**
   * A cached packet whose row vanished behind the store's back is written again by the next
   * update of its key, not acknowledged as updated and lost.
   */
  @Test
  void anUpdateOfARowThatVanishedInsertsIt() throws Exception {
    try (JdbcPacketStore store = open(StoreOptions.defaults())) {
      await(store.upsert(packet(key(1), 10, "cached")));
      try (Connection c = H2Dialect.file(dir).connect();
          java.sql.Statement st = c.createStatement()) {
        c.setAutoCommit(false);
        assertThat(st.executeUpdate("DELETE FROM signed_packets")).isEqualTo(1);
        c.commit();
      }
      assertThat(await(store.upsert(packet(key(1), 20, "newer")))).isEqualTo(UpsertOutcome.UPDATED);
    }
    try (JdbcPacketStore store = open(StoreOptions.defaults())) {
      assertThat(store.get(key(1).publicKey()).orElseThrow().packet())
          .isEqualTo(packet(key(1), 20, "newer"));
      assertThat(store.count()).isEqualTo(1);
    }
  }

  /**
   * Under a storm of new keys most of every chunk H2 writes is dead at once, yet each chunk stays
   * (its new rows are live): without compaction the file grows by all of it. The same 20,000
   * packets in commits of 50, as the relay's group commit makes them, into a store that compacts
   * every 500 rows written and into one that compacts only on its (hour-long) timer.
   */
  @Test
  void compactionAfterEnoughRowsKeepsUpWithAStormOfNewKeys() throws Exception {
    StoreOptions options = StoreOptions.builder().evictionInterval(Duration.ofHours(1)).build();
    List<SignedPacket> packets = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      packets.add(packet(key(100_000 + i), now.get(), "storm " + i));
    }
    long[] bytes = new long[2];
    for (int variant = 0; variant < 2; variant++) {
      H2Dialect h2 = H2Dialect.file(dir.resolve("v" + variant))
          .withCompactEveryRows(variant == 0 ? 0 : 500);
      try (JdbcPacketStore store = JdbcPacketStore.open(h2, options, now::get, StoreMetrics.NOOP);
          Connection c = h2.connect(); java.sql.Statement st = c.createStatement()) {
        // Dead chunks reusable at once, not after the store's 1 s: the file then depends on
        // what is dead, not on how long the test took.
        st.execute("SET RETENTION_TIME 0");
        for (int from = 0; from < packets.size(); from += 50) {
          List<CompletableFuture<UpsertOutcome>> commit = new ArrayList<>();
          for (SignedPacket p : packets.subList(from, from + 50)) {
            commit.add(store.upsert(p));
          }
          for (CompletableFuture<UpsertOutcome> f : commit) {
            assertThat(await(f)).isEqualTo(UpsertOutcome.INSERTED);
          }
        }
        bytes[variant] = store.storageBytes();
        assertThat(store.count()).isEqualTo(packets.size());
        assertThat(store.get(packets.get(12_345).publicKey()).orElseThrow().packet())
            .isEqualTo(packets.get(12_345));
      }
    }
    assertThat(bytes[1]).as("file with compaction every 500 rows, against %d without", bytes[0])
        .isLessThan(bytes[0] / 2);
  }

  @Test
  void manyExpiredPacketsAreEvictedInChunks() throws Exception {
    StoreOptions options = StoreOptions.builder().maxAge(Duration.ofHours(1)).build();
    try (JdbcPacketStore store = open(options)) {
      List<CompletableFuture<UpsertOutcome>> pending = new ArrayList<>();
      int n = JdbcPacketStore.EVICTION_CHUNK * 2 + 17;
      for (int i = 0; i < n; i++) {
        pending.add(store.upsert(packet(key(i), now.get() - 2 * HOUR + i, "x")));
      }
      for (CompletableFuture<UpsertOutcome> f : pending) {
        await(f);
      }
      now.addAndGet(HOUR + 1); // an hour since their PUT
      await(store.upsert(packet(key(-1), now.get() - 2 * HOUR, "keep: PUT now")));
      await(store.runMaintenance());
      assertThat(store.count()).isEqualTo(1);
      assertThat(store.get(key(-1).publicKey())).isPresent();
    }
  }

  @Test
  void overCapacityTheLeastRecentlyUsedGoFirst() throws Exception {
    StoreOptions options = StoreOptions.builder().capacity(3).maxAge(Duration.ZERO).build();
    try (JdbcPacketStore store = open(options)) {
      for (int i = 1; i <= 3; i++) {
        now.addAndGet(1_000_000);
        await(store.upsert(packet(key(i), now.get(), "k" + i)));
      }
      now.addAndGet(JdbcPacketStore.TOUCH_GRACE_MICROS);
      assertThat(store.get(key(1).publicKey())).isPresent(); // a read makes key 1 recent
      now.addAndGet(1_000_000);
      await(store.upsert(packet(key(4), now.get(), "k4")));
      await(store.runMaintenance());
      assertThat(store.count()).isEqualTo(3);
      assertThat(store.get(key(2).publicKey())).as("least recently used").isEmpty();
      for (int i : new int[] {1, 3, 4}) {
        assertThat(store.get(key(i).publicKey())).as("key %d", i).isPresent();
      }
    }
  }

  /** A republish counts as a use: its deferred access time is written before an LRU eviction. */
  @Test
  void aRepublishMakesItsKeyRecentForTheCapacityEviction() throws Exception {
    StoreOptions options = StoreOptions.builder().capacity(3).maxAge(Duration.ZERO).build();
    try (JdbcPacketStore store = open(options)) {
      List<SignedPacket> packets = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        now.addAndGet(1_000_000);
        packets.add(packet(key(i), now.get(), "k" + i));
        await(store.upsert(packets.get(i - 1)));
      }
      now.addAndGet(1_000_000);
      assertThat(await(store.upsert(packets.get(0)))).isEqualTo(UpsertOutcome.UNCHANGED);
      now.addAndGet(1_000_000);
      await(store.upsert(packet(key(4), now.get(), "k4")));
      await(store.runMaintenance()); // after the eviction that follows the commit
      assertThat(store.count()).isEqualTo(3);
      assertThat(store.get(key(2).publicKey())).as("least recently used").isEmpty();
      assertThat(store.get(key(1).publicKey())).as("republished").isPresent();
    }
  }

  /**
   * A republish (the stored packet's exact bytes) rewrites no row: its last-seen is served from
   * the cache at once and written with the next housekeeping, or when the store closes.
   */
  @Test
  void aRepublishWritesItsLastSeenLaterInBulk() throws Exception {
    SignedPacket p = packet(key(1), now.get(), "again");
    long inserted = now.get();
    try (JdbcPacketStore store = open(StoreOptions.defaults())) {
      assertThat(await(store.upsert(p))).isEqualTo(UpsertOutcome.INSERTED);
      now.addAndGet(1_000_000);
      assertThat(await(store.upsert(p))).isEqualTo(UpsertOutcome.UNCHANGED);
      assertThat(store.get(p.publicKey()).orElseThrow().lastSeenMicros()).isEqualTo(now.get());
      assertThat(lastSeenInDatabase(p)).as("no row written yet").isEqualTo(inserted);
      await(store.runMaintenance());
      assertThat(lastSeenInDatabase(p)).isEqualTo(now.get());
      now.addAndGet(1_000_000);
      assertThat(await(store.upsert(p))).isEqualTo(UpsertOutcome.UNCHANGED);
      // A newer packet in the meantime keeps its own last-seen: the late write never moves it back.
      now.addAndGet(1_000_000);
      SignedPacket newer = packet(key(1), now.get(), "newer");
      assertThat(await(store.upsert(newer))).isEqualTo(UpsertOutcome.UPDATED);
      assertThat(await(store.upsert(p))).isEqualTo(UpsertOutcome.STALE);
      await(store.runMaintenance());
      assertThat(lastSeenInDatabase(p)).isEqualTo(now.get());
      assertThat(store.get(p.publicKey()).orElseThrow().packet()).isEqualTo(newer);
      now.addAndGet(1_000_000);
      assertThat(await(store.upsert(newer))).isEqualTo(UpsertOutcome.UNCHANGED);
    }
    assertThat(lastSeenInDatabase(p)).as("written on close").isEqualTo(now.get());
    try (JdbcPacketStore store = open(StoreOptions.defaults())) {
      StoredPacket s = store.get(p.publicKey()).orElseThrow();
      assertThat(s.packet()).isEqualTo(packet(key(1), now.get() - 1_000_000, "newer"));
      assertThat(s.lastSeenMicros()).isEqualTo(now.get());
    }
  }

  /** More waiting last-seen times than one transaction takes are all written, chunk by chunk. */
  @Test
  void manyRepublishesAreWrittenInChunks() throws Exception {
    int n = 2 * JdbcPacketStore.EVICTION_CHUNK + 500; // 20 transactions of ACCESS_CHUNK rows
    List<SignedPacket> packets = new ArrayList<>();
    try (JdbcPacketStore store = open(StoreOptions.defaults())) {
      List<CompletableFuture<UpsertOutcome>> pending = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        packets.add(packet(key(10_000 + i), now.get(), "m" + i));
        pending.add(store.upsert(packets.get(i)));
      }
      for (CompletableFuture<UpsertOutcome> f : pending) {
        assertThat(await(f)).isEqualTo(UpsertOutcome.INSERTED);
      }
      now.addAndGet(1_000_000);
      pending.clear();
      packets.forEach(p -> pending.add(store.upsert(p)));
      for (CompletableFuture<UpsertOutcome> f : pending) {
        assertThat(await(f)).isEqualTo(UpsertOutcome.UNCHANGED);
      }
      assertThat(rowsLastSeenAt(now.get())).isZero();
      await(store.runMaintenance());
      assertThat(rowsLastSeenAt(now.get())).isEqualTo(n);
    }
  }

  private long rowsLastSeenAt(long micros) throws SQLException {
    try (Connection c = H2Dialect.file(dir).connect();
        java.sql.PreparedStatement st = c.prepareStatement(
            "SELECT COUNT(*) FROM signed_packets WHERE last_seen = ?")) {
      st.setLong(1, micros);
      try (java.sql.ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private long lastSeenInDatabase(SignedPacket p) throws SQLException {
    try (Connection c = H2Dialect.file(dir).connect();
        java.sql.PreparedStatement st = c.prepareStatement(
            "SELECT last_seen FROM signed_packets WHERE k = ?")) {
      st.setBytes(1, p.publicKey().toBytes());
      try (java.sql.ResultSet rs = st.executeQuery()) {
        assertThat(rs.next()).isTrue();
        return rs.getLong(1);
      }
    }
  }

  /**
   * A read within the grace of the packet's last write is not recorded: the write's access time
   * stands for it (and costs no access-time write); after the grace, a read counts.
   */
  @Test
  void aReadSoonAfterTheWriteIsNotRecordedForTheLru() throws Exception {
    StoreOptions options = StoreOptions.builder().capacity(2).maxAge(Duration.ZERO).build();
    try (JdbcPacketStore store = open(options)) {
      await(store.upsert(packet(key(1), now.get(), "k1")));
      now.addAndGet(1_000_000);
      await(store.upsert(packet(key(2), now.get(), "k2")));
      now.addAndGet(JdbcPacketStore.TOUCH_GRACE_MICROS - 2_000_000);
      assertThat(store.get(key(1).publicKey())).isPresent(); // within the grace: not recorded
      now.addAndGet(1_000_000);
      await(store.upsert(packet(key(3), now.get(), "k3")));
      await(store.runMaintenance());
      assertThat(store.get(key(1).publicKey())).as("written first, read too soon").isEmpty();
      assertThat(store.get(key(2).publicKey())).isPresent();
    }
  }

  /** Reads of more keys than one access-time transaction takes all count for the eviction. */
  @Test
  void accessTimesOfManyReadsAreWrittenInChunksBeforeAnEviction() throws Exception {
    int n = 400;
    int read = 3 * JdbcPacketStore.ACCESS_CHUNK;
    StoreOptions options = StoreOptions.builder().capacity(n).maxAge(Duration.ZERO).build();
    try (JdbcPacketStore store = open(options)) {
      List<CompletableFuture<UpsertOutcome>> pending = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        pending.add(store.upsert(packet(key(20_000 + i), now.get(), "a" + i)));
      }
      for (CompletableFuture<UpsertOutcome> f : pending) {
        await(f);
      }
      now.addAndGet(JdbcPacketStore.TOUCH_GRACE_MICROS + 1_000_000);
      for (int i = n - read; i < n; i++) { // all written at once: without the reads any may go
        assertThat(store.get(key(20_000 + i).publicKey())).isPresent();
      }
      now.addAndGet(1_000_000);
      await(store.upsert(packet(key(30_000), now.get(), "over")));
      await(store.runMaintenance());
      assertThat(store.count()).isEqualTo(n);
      for (int i = n - read; i < n; i++) {
        assertThat(store.get(key(20_000 + i).publicKey())).as("read key %d", i).isPresent();
      }
    }
  }

  @Test
  void commitsAreGroupedIntoBatches() throws Exception {
    List<Integer> batches = new ArrayList<>();
    Map<UpsertOutcome, Integer> outcomes = new EnumMap<>(UpsertOutcome.class);
    StoreMetrics metrics = new StoreMetrics() {
      @Override
      public synchronized void committed(int batchSize, long nanos) {
        batches.add(batchSize);
      }

      @Override
      public synchronized void upserted(UpsertOutcome outcome) {
        outcomes.merge(outcome, 1, Integer::sum);
      }
    };
    StoreOptions options = StoreOptions.builder().maxBatchDelay(Duration.ofMillis(50)).maxBatchSize(64).build();
    try (JdbcPacketStore store = JdbcPacketStore.open(H2Dialect.file(dir), options, now::get, metrics)) {
      List<CompletableFuture<UpsertOutcome>> pending = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        pending.add(store.upsert(packet(key(i % 150), now.get() + i, "b" + i)));
      }
      for (CompletableFuture<UpsertOutcome> f : pending) {
        await(f);
      }
    }
    synchronized (metrics) {
      assertThat(batches.stream().mapToInt(Integer::intValue).sum()).isEqualTo(200);
      assertThat(batches).allMatch(b -> b <= 64);
      assertThat(batches.size()).as("batches %s", batches).isLessThan(200);
      assertThat(outcomes.get(UpsertOutcome.INSERTED)).isEqualTo(150);
      assertThat(outcomes.get(UpsertOutcome.UPDATED)).isEqualTo(50);
    }
  }

  /** H2 whose sync can be held, to fill the writer's queue, or made to fail. */
  static final class ControlledDialect extends SqlDialect {
    final H2Dialect h2;
    final CountDownLatch release = new CountDownLatch(1);
    volatile boolean failSync;
    volatile Duration maxSyncLag = Duration.ofSeconds(10);
    volatile Error syncError;
    volatile int maintainEveryRows;
    /** "maintain" and "sync", in the order they ran. */
    final List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();

    ControlledDialect(Path dir) {
      this.h2 = H2Dialect.file(dir);
    }

    @Override
    public String name() {
      return "controlled-h2";
    }

    @Override
    public String describe() {
      return h2.describe();
    }

    @Override
    public Connection connect() throws SQLException {
      return h2.connect();
    }

    @Override
    public List<String> createSchema() {
      return h2.createSchema();
    }

    @Override
    public Duration maxSyncLag() {
      return maxSyncLag;
    }

    @Override
    public boolean isFatal(SQLException e) {
      return h2.isFatal(e);
    }

    @Override
    public void sync(Connection connection) throws SQLException {
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (failSync) {
        throw new SQLException("disk on fire");
      }
      if (syncError != null) {
        throw syncError;
      }
      h2.sync(connection);
      events.add("sync");
    }

    @Override
    public void maintain(Connection connection) throws SQLException {
      awaitSyncs(syncsBeforeMaintain);
      h2.maintain(connection);
      events.add("maintain");
    }

    /** Holds housekeeping until this many syncs ran, so that none is still running for a batch. */
    volatile int syncsBeforeMaintain;

    private void awaitSyncs(int n) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (events.stream().filter("sync"::equals).count() < n && System.nanoTime() < deadline) {
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }

    @Override
    public int maintainEveryRows() {
      return maintainEveryRows;
    }

    /** Whether a sync ran after the last housekeeping, waiting up to 10 s for one. */
    boolean syncedAfterLastMaintain() throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      do {
        List<String> seen = List.copyOf(events);
        int last = seen.lastIndexOf("maintain");
        if (last >= 0 && seen.subList(last, seen.size()).contains("sync")) {
          return true;
        }
        Thread.sleep(10);
      } while (System.nanoTime() < deadline);
      return false;
    }
  }

  /**
   * With fsync on, the writer's housekeeping commits (here the timed maintenance: age eviction
   * and compaction) are forced like batches, without waiting for the next write: H2 reuses the
   * space a compaction frees a second later, and the device's last forced state must not still
   * point into it.
   */
  @Test
  void housekeepingIsForcedToTheDeviceWithoutWaitingForTheNextWrite() throws Exception {
    ControlledDialect dialect = new ControlledDialect(dir);
    dialect.release.countDown();
    StoreOptions options = StoreOptions.builder().maxBatchDelay(Duration.ZERO).fsync(true).build();
    try (JdbcPacketStore store = JdbcPacketStore.open(dialect, options, now::get, StoreMetrics.NOOP)) {
      assertThat(await(store.upsert(packet(key(1), 5, "a")))).isEqualTo(UpsertOutcome.INSERTED);
      assertThat(dialect.events).containsExactly("sync");
      await(store.runMaintenance());
      assertThat(dialect.events).contains("maintain");
      assertThat(dialect.syncedAfterLastMaintain()).as("events %s", dialect.events).isTrue();
    }
  }

  /** The same for the compaction that runs after enough rows were written. */
  @Test
  void compactionAfterEnoughRowsIsForcedToTheDeviceToo() throws Exception {
    ControlledDialect dialect = new ControlledDialect(dir);
    dialect.release.countDown();
    dialect.maintainEveryRows = 3;
    dialect.syncsBeforeMaintain = 3; // the three batches' own syncs are over before it compacts
    StoreOptions options = StoreOptions.builder().maxBatchDelay(Duration.ZERO).fsync(true).build();
    try (JdbcPacketStore store = JdbcPacketStore.open(dialect, options, now::get, StoreMetrics.NOOP)) {
      for (int i = 1; i <= 3; i++) {
        assertThat(await(store.upsert(packet(key(i), 5, "r" + i)))).isEqualTo(UpsertOutcome.INSERTED);
      }
      assertThat(dialect.syncedAfterLastMaintain()).as("events %s", dialect.events).isTrue();
    }
  }

  @Test
  void aFullQueueFailsFastAndEverythingQueuedStillCompletes() throws Exception {
    ControlledDialect dialect = new ControlledDialect(dir);
    StoreOptions options = StoreOptions.builder().maxBatchSize(1).queueCapacity(2)
        .maxBatchDelay(Duration.ZERO).fsync(true).build();
    try (JdbcPacketStore store = JdbcPacketStore.open(dialect, options, now::get, StoreMetrics.NOOP)) {
      // The disk is held: committed batches wait for their sync, then the writer waits for room
      // in the sync queue, then upserts wait in the writer's queue, until it is full.
      List<CompletableFuture<UpsertOutcome>> accepted = new ArrayList<>();
      CompletableFuture<UpsertOutcome> refused = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      for (int i = 0; refused == null && System.nanoTime() < deadline; i++) {
        CompletableFuture<UpsertOutcome> f = store.upsert(packet(key(i), 1, "q" + i));
        if (f.isCompletedExceptionally()) {
          refused = f;
        } else {
          accepted.add(f);
        }
      }
      assertThat(refused).as("an upsert was refused").isNotNull();
      CompletableFuture<UpsertOutcome> overloaded = refused;
      assertThatThrownBy(overloaded::join).hasCauseInstanceOf(PacketStoreException.Overloaded.class);
      assertThat(accepted).allMatch(f -> !f.isDone());
      dialect.release.countDown();
      for (CompletableFuture<UpsertOutcome> f : accepted) {
        assertThat(await(f)).isEqualTo(UpsertOutcome.INSERTED);
      }
      assertThat(store.count()).isEqualTo(accepted.size());
    }
  }

  /**
   * After a failed fsync the file's state on the device is unknown (Linux may have dropped the
   * dirty pages): the store refuses every later write, even once syncs would work again, and
   * reports it, until it is reopened.
   */
  @Test
  void aFailedSyncFailsTheStoreUntilItIsReopened() throws Exception {
    ControlledDialect dialect = new ControlledDialect(dir);
    dialect.release.countDown();
    dialect.failSync = true;
    SignedPacket p = packet(key(1), 5, "a");
    try (JdbcPacketStore store = JdbcPacketStore.open(dialect, StoreOptions.defaults(), now::get,
        StoreMetrics.NOOP)) {
      assertThat(store.isHealthy()).isTrue();
      assertThatThrownBy(() -> await(store.upsert(p)))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(PacketStoreException.class)
          .hasMessageContaining("sync");
      dialect.failSync = false;
      assertThat(store.failure()).hasValueSatisfying(f -> assertThat(f).contains("fsync failed"));
      assertThat(store.isHealthy()).isFalse();
      assertThat(store.isOpen()).isTrue();
      assertThatThrownBy(() -> await(store.upsert(packet(key(2), 5, "b"))))
          .hasCauseInstanceOf(PacketStoreException.class)
          .hasMessageContaining("restart keyway");
      assertThat(store.get(key(1).publicKey())).isPresent(); // reads still work
    }
    // The commit itself happened; reopened, the store is healthy and tells the truth.
    try (JdbcPacketStore store = open(StoreOptions.defaults())) {
      assertThat(store.isHealthy()).isTrue();
      assertThat(await(store.upsert(p))).isEqualTo(UpsertOutcome.UNCHANGED);
      assertThat(await(store.upsert(packet(key(1), 4, "older")))).isEqualTo(UpsertOutcome.STALE);
    }
  }

  /** An fsync thread killed by an Error fails the store: nothing is left waiting for ever. */
  @Test
  void aDeadSyncThreadFailsTheStoreInsteadOfLeavingWritesWaiting() throws Exception {
    ControlledDialect dialect = new ControlledDialect(dir);
    dialect.release.countDown();
    dialect.syncError = new StackOverflowError("test");
    try (JdbcPacketStore store = JdbcPacketStore.open(dialect, StoreOptions.defaults(), now::get,
        StoreMetrics.NOOP)) {
      assertThatThrownBy(() -> await(store.upsert(packet(key(1), 5, "a"))))
          .hasCauseInstanceOf(PacketStoreException.class);
      assertThat(store.failure()).hasValue("the fsync thread stopped");
      assertThatThrownBy(() -> await(store.upsert(packet(key(2), 5, "b"))))
          .hasMessageContaining("restart keyway");
    }
  }

  /** A database that closed itself (as H2 does after a failed write) fails the store at once. */
  @Test
  void aDatabaseThatClosedItselfFailsTheStore() throws Exception {
    try (JdbcPacketStore store = open(StoreOptions.defaults())) {
      assertThat(await(store.upsert(packet(key(1), 5, "a")))).isEqualTo(UpsertOutcome.INSERTED);
      try (Connection c = H2Dialect.file(dir).connect(); java.sql.Statement st = c.createStatement()) {
        st.execute("SHUTDOWN");
      }
      assertThatThrownBy(() -> await(store.upsert(packet(key(2), 5, "b"))))
          .hasCauseInstanceOf(PacketStoreException.class);
      assertThat(store.failure()).isPresent();
      assertThat(store.isHealthy()).isFalse();
      assertThatThrownBy(() -> await(store.upsert(packet(key(3), 5, "c"))))
          .hasMessageContaining("restart keyway");
    }
  }

  /**
   * A 409 (STALE) rests on the newer packet: it is not told before that packet is on the device,
   * or a power loss could leave neither packet while the client was told there is a newer one.
   */
  @Test
  void anOutcomeThatWroteNothingWaitsForTheSyncOfWhatItRestsOn() throws Exception {
    ControlledDialect dialect = new ControlledDialect(dir);
    StoreOptions options = StoreOptions.builder().maxBatchDelay(Duration.ZERO).fsync(true).build();
    try (JdbcPacketStore store = JdbcPacketStore.open(dialect, options, now::get, StoreMetrics.NOOP)) {
      CompletableFuture<UpsertOutcome> newer = store.upsert(packet(key(1), 10, "new"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (store.get(key(1).publicKey()).isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(5); // until the newer packet is committed (its sync is held)
      }
      CompletableFuture<UpsertOutcome> older = store.upsert(packet(key(1), 5, "old"));
      Thread.sleep(200);
      assertThat(newer).isNotDone();
      assertThat(older).as("STALE before the newer packet's sync").isNotDone();
      dialect.release.countDown();
      assertThat(await(newer)).isEqualTo(UpsertOutcome.INSERTED);
      assertThat(await(older)).isEqualTo(UpsertOutcome.STALE);
    }
  }

  /**
   * While a committed batch has waited longer than the dialect's sync lag for its fsync, the
   * writer commits nothing more (H2 may reuse file space a second after a commit).
   */
  @Test
  void aStalledSyncStopsTheWriterAfterTheLagBound() throws Exception {
    ControlledDialect dialect = new ControlledDialect(dir);
    dialect.maxSyncLag = Duration.ofMillis(50);
    StoreOptions options = StoreOptions.builder().maxBatchDelay(Duration.ZERO).fsync(true).build();
    try (JdbcPacketStore store = JdbcPacketStore.open(dialect, options, now::get, StoreMetrics.NOOP)) {
      CompletableFuture<UpsertOutcome> first = store.upsert(packet(key(1), 10, "a"));
      awaitCount(store, 1);
      Thread.sleep(100); // past the lag bound
      CompletableFuture<UpsertOutcome> second = store.upsert(packet(key(2), 10, "b"));
      Thread.sleep(300);
      assertThat(store.count()).as("second batch not committed while the sync lags").isEqualTo(1);
      dialect.release.countDown();
      assertThat(await(first)).isEqualTo(UpsertOutcome.INSERTED);
      assertThat(await(second)).isEqualTo(UpsertOutcome.INSERTED);
      assertThat(store.count()).isEqualTo(2);
    }
  }

  /**
   * The housekeeping's compaction writes to the file too, so it waits like a commit while a
   * sync lags past the bound (it ran at once, and could overwrite space the device's last
   * forced state still pointed to).
   */
  @Test
  void compactionWaitsWhileASyncLags() throws Exception {
    ControlledDialect dialect = new ControlledDialect(dir);
    dialect.maxSyncLag = Duration.ofMillis(50);
    StoreOptions options = StoreOptions.builder().maxBatchDelay(Duration.ZERO).fsync(true).build();
    try (JdbcPacketStore store = JdbcPacketStore.open(dialect, options, now::get, StoreMetrics.NOOP)) {
      CompletableFuture<UpsertOutcome> first = store.upsert(packet(key(1), now.get(), "a"));
      awaitCount(store, 1);
      Thread.sleep(100); // past the lag bound
      CompletableFuture<Void> maintained = store.runMaintenance();
      Thread.sleep(300);
      assertThat(dialect.events).as("no compaction while the sync lags").doesNotContain("maintain");
      dialect.release.countDown();
      await(maintained);
      assertThat(await(first)).isEqualTo(UpsertOutcome.INSERTED);
      assertThat(dialect.events).containsSubsequence("sync", "maintain");
    }
  }

  /**
   * When the fsync thread dies with the writer waiting to hand it a batch (its queue full), that
   * batch fails too: nothing waits for ever, and closing does not hang.
   */
  @Test
  void batchesHandedToADeadSyncThreadFail() throws Exception {
    ControlledDialect dialect = new ControlledDialect(dir);
    dialect.syncError = new StackOverflowError("test");
    dialect.maxSyncLag = Duration.ofHours(1);
    StoreOptions options = StoreOptions.builder().maxBatchSize(1).maxBatchDelay(Duration.ZERO)
        .fsync(true).build();
    int n = JdbcPacketStore.SYNC_QUEUE_BATCHES + 3; // one in the held sync, a full queue, more
    List<CompletableFuture<UpsertOutcome>> pending = new ArrayList<>();
    JdbcPacketStore store = JdbcPacketStore.open(dialect, options, now::get, StoreMetrics.NOOP);
    try {
      for (int i = 0; i < n; i++) {
        pending.add(store.upsert(packet(key(100 + i), 10, "q" + i)));
      }
      awaitCount(store, JdbcPacketStore.SYNC_QUEUE_BATCHES + 1); // the writer then waits for room
      Thread.sleep(100);
      dialect.release.countDown(); // the sync throws: the thread dies
      for (CompletableFuture<UpsertOutcome> f : pending) {
        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class);
      }
    } finally {
      long started = System.nanoTime();
      store.close();
      assertThat(System.nanoTime() - started).as("close").isLessThan(TimeUnit.SECONDS.toNanos(20));
    }
  }

  /** Access times never go backwards: a clock stepped back does not make new rows the LRU victims. */
  @Test
  void aClockSteppedBackDoesNotMakeNewRowsTheFirstToBeEvicted() throws Exception {
    StoreOptions options = StoreOptions.builder().capacity(2).maxAge(Duration.ZERO).build();
    try (JdbcPacketStore store = open(options)) {
      for (int i = 1; i <= 2; i++) {
        now.addAndGet(1_000_000);
        await(store.upsert(packet(key(i), now.get(), "k" + i)));
      }
      now.addAndGet(-HOUR); // NTP steps the clock back an hour
      await(store.upsert(packet(key(3), 1, "k3")));
      await(store.runMaintenance());
      assertThat(store.count()).isEqualTo(2);
      assertThat(store.get(key(3).publicKey())).as("just written").isPresent();
      assertThat(store.get(key(1).publicKey())).as("least recently used").isEmpty();
    }
  }

  /** The cache's hit ratio counts reads only: not the writer's look-ups, not a miss twice. */
  @Test
  void cacheStatisticsCountReadsOnce() throws Exception {
    try (JdbcPacketStore store = open(StoreOptions.defaults())) {
      for (int i = 0; i < 3; i++) {
        await(store.upsert(packet(key(1), 10 + i, "v" + i)));
      }
      assertThat(store.cacheStats().requestCount()).as("upserts are not reads").isZero();
      assertThat(store.getIfCached(key(1).publicKey())).isNotNull();
      assertThat(store.getIfCached(key(2).publicKey())).isNull();
      assertThat(store.getAfterMiss(key(2).publicKey())).isEmpty();
      assertThat(store.getAfterMiss(key(1).publicKey())).isPresent();
      assertThat(store.cacheStats().hitCount()).isEqualTo(1);
      assertThat(store.cacheStats().missCount()).isEqualTo(1);
    }
  }

  /**
   * The read cache holds packets whose keys carry no decoded curve point (about 450 bytes each,
   * 29 MB for 65,536 cached packets), whether a PUT or a read of the file put them there.
   */
  @Test
  void theReadCacheHoldsCompactKeys() throws Exception {
    SecretKey k = key(7);
    try (JdbcPacketStore store = open(StoreOptions.defaults())) {
      await(store.upsert(packet(k, 10, "v")));
      PublicKey cached = store.getIfCached(k.publicKey()).packet().publicKey();
      assertThat(cached.compact()).as("cached by the PUT").isSameAs(cached);
    }
    try (JdbcPacketStore store = open(StoreOptions.defaults())) {
      PublicKey asked = PublicKey.fromBytes(k.publicKey().toBytes());
      PublicKey read = store.get(asked).orElseThrow().packet().publicKey();
      assertThat(read).isEqualTo(asked);
      assertThat(read.compact()).as("read from the file").isSameAs(read);
      PublicKey cached = store.getIfCached(asked).packet().publicKey();
      assertThat(cached.compact()).as("cached by the read").isSameAs(cached);
    }
  }

  @Test
  void aDataDirectoryWithASemicolonIsRefused() {
    assertThatThrownBy(() -> H2Dialect.file(dir.resolve("x;INIT=RUNSCRIPT FROM 'y'")))
        .isInstanceOf(java.io.UncheckedIOException.class)
        .hasRootCauseMessage("H2 cannot open a path containing ';'");
  }

  @Test
  void closeCommitsWhatIsQueuedAndThenRefuses() throws Exception {
    JdbcPacketStore store = open(StoreOptions.builder().maxBatchDelay(Duration.ofMillis(20)).build());
    List<CompletableFuture<UpsertOutcome>> pending = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      pending.add(store.upsert(packet(key(i), 1, "c")));
    }
    store.close();
    for (CompletableFuture<UpsertOutcome> f : pending) {
      assertThat(await(f)).isEqualTo(UpsertOutcome.INSERTED);
    }
    assertThat(store.isOpen()).isFalse();
    assertThatThrownBy(() -> store.get(key(1).publicKey())).isInstanceOf(IllegalStateException.class);
    assertThat(store.upsert(packet(key(1), 2, "late"))).isCompletedExceptionally();
    store.close(); // idempotent
    try (JdbcPacketStore again = open(StoreOptions.defaults())) {
      assertThat(again.count()).isEqualTo(500);
    }
  }

  @Test
  void optionsRejectNonsense() {
    assertThatThrownBy(() -> StoreOptions.builder().maxBatchSize(0).build()).hasMessageContaining("maxBatchSize");
    assertThatThrownBy(() -> StoreOptions.builder().queueCapacity(1).maxBatchSize(2).build())
        .hasMessageContaining("queueCapacity");
    assertThatThrownBy(() -> StoreOptions.builder().maxBatchDelay(Duration.ofSeconds(5)).build())
        .hasMessageContaining("maxBatchDelay");
    assertThatThrownBy(() -> StoreOptions.builder().capacity(-1).build()).hasMessageContaining("capacity");
    assertThatThrownBy(() -> StoreOptions.builder().maxAge(Duration.ofDays(365_000)).build())
        .hasMessageContaining("maxAge must be 0s..");
    assertThat(StoreOptions.builder().maxAge(StoreOptions.MAX_MAX_AGE).build().maxAge())
        .isEqualTo(StoreOptions.MAX_MAX_AGE);
    assertThatThrownBy(() -> StoreOptions.builder().evictionInterval(Duration.ofDays(365_000))
        .build()).hasMessageContaining("evictionInterval must be 10ms..");
    assertThatThrownBy(() -> StoreOptions.builder().evictionInterval(Duration.ofMillis(1))
        .build()).hasMessageContaining("evictionInterval must be 10ms..");
    assertThat(StoreOptions.defaults().toBuilder().build()).isEqualTo(StoreOptions.defaults());
  }
}
