package dev.keyway.relay.store;

import static dev.keyway.relay.store.JdbcPacketStoreTest.await;
import static dev.keyway.relay.store.JdbcPacketStoreTest.key;
import static dev.keyway.relay.store.JdbcPacketStoreTest.packet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.client.packet.MicrosClock;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.client.store.UpsertOutcome;
import dev.keyway.relay.SteppedClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Online copies of the H2 store: consistent under writes, restorable, named, pruned, scheduled. */
class StoreBackupsTest {
  static final Instant T0 = Instant.parse("2026-12-03T18:45:00Z");
  @TempDir Path dir;
  final AtomicLong nowMicros = new AtomicLong(T0.toEpochMilli() * 1_000);

  JdbcPacketStore open(Path dataDir) {
    return JdbcPacketStore.openH2(dataDir, StoreOptions.defaults(), nowMicros::get);
  }

  static BackupOptions every(Duration interval, int keep) {
    return new BackupOptions(BackupOptions.DEFAULT_DIR, interval, keep);
  }

  /** Puts a copy in place as the database of {@code dataDir}, as the restore steps say. */
  static void restore(Path copy, Path dataDir) throws IOException {
    Files.createDirectories(dataDir);
    Files.copy(copy, dataDir.resolve(H2Dialect.DATABASE_NAME + ".mv.db"));
  }

  @Test
  void aCopyTakenDuringAWriteStormHoldsEveryPacketAcknowledgedBeforeItAndRestores(@TempDir Path restored)
      throws Exception {
    Path data = dir.resolve("data");
    List<SignedPacket> before = new ArrayList<>();
    Path copy;
    AtomicBoolean stop = new AtomicBoolean();
    try (JdbcPacketStore store = open(data)) {
      List<CompletableFuture<UpsertOutcome>> acks = new ArrayList<>();
      for (int i = 0; i < 3_000; i++) {
        SignedPacket p = packet(key(i), nowMicros.get() - i, "before " + i);
        before.add(p);
        acks.add(store.upsert(p));
      }
      for (CompletableFuture<UpsertOutcome> a : acks) {
        assertThat(await(a)).isEqualTo(UpsertOutcome.INSERTED);
      }
      // Writes go on while the copy is taken: new keys and newer packets of the first keys.
      Thread writer = new Thread(() -> {
        for (int i = 0; !stop.get() && i < 200_000; i++) {
          store.upsert(packet(key(10_000 + i), nowMicros.get(), "during " + i));
          if (i % 7 == 0) {
            store.upsert(packet(key(i % 3_000), nowMicros.get() + 1 + i, "newer " + i));
          }
          if (i % 500 == 0) {
            try {
              Thread.sleep(1);
            } catch (InterruptedException e) {
              return;
            }
          }
        }
      });
      writer.start();
      try (StoreBackups backups = StoreBackups.unscheduled(store, every(Duration.ofHours(1), 3),
          MicrosClock.system())) {
        copy = backups.backupNow();
        assertThat(backups.lastBytes()).isEqualTo(Files.size(copy)).isPositive();
        assertThat(backups.lastSuccess()).isNotNull();
        assertThat(backups.failures()).isZero();
      } finally {
        stop.set(true);
        writer.join(TimeUnit.SECONDS.toMillis(30));
      }
      assertThat(copy.getParent()).isEqualTo(data.resolve("backups"));
      assertThat(copy.getFileName().toString()).matches("keyway-packets-\\d{8}T\\d{6}\\.\\d{3}Z\\.mv\\.db");
    }
    restore(copy, restored);
    try (JdbcPacketStore store = open(restored)) {
      assertThat(store.count()).isGreaterThanOrEqualTo(before.size());
      for (SignedPacket p : before) {
        // The packet acknowledged before the copy, or a newer one written during it.
        SignedPacket got = store.get(p.publicKey()).orElseThrow().packet();
        assertThat(got.timestampMicros()).isGreaterThanOrEqualTo(p.timestampMicros());
      }
    }
  }

  @Test
  void keepsTheNewestCopiesAndLeavesOtherFilesAlone() throws Exception {
    Path data = dir.resolve("data");
    Path backupDir = data.resolve("backups");
    Files.createDirectories(backupDir);
    Path notes = Files.writeString(backupDir.resolve("notes.txt"), "mine");
    Path foreign = Files.writeString(backupDir.resolve("keyway-packets-old-copy.mv.db"), "mine too");
    Path leftover = Files.writeString(backupDir.resolve("keyway-packets-20261201T000000.000Z.partial.mv.db"), "x");
    SteppedClock clock = new SteppedClock(T0);
    try (JdbcPacketStore store = open(data);
        StoreBackups backups = StoreBackups.unscheduled(store, every(Duration.ofHours(1), 2), MicrosClock.of(clock))) {
      assertThat(leftover).doesNotExist();
      await(store.upsert(packet(key(1), nowMicros.get(), "one")));
      List<Path> made = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        made.add(backups.backupNow());
        clock.advance(Duration.ofMinutes(61));
      }
      assertThat(made.get(0).getFileName()).hasToString("keyway-packets-20261203T184500.000Z.mv.db");
      assertThat(backups.copies()).containsExactly(made.get(2), made.get(3));
      assertThat(backups.lastSuccess()).isEqualTo(T0.plus(Duration.ofMinutes(3 * 61)));
      assertThat(notes).exists();
      assertThat(foreign).exists();
    }
    // A new start finds the newest copy, so its schedule continues from it.
    try (JdbcPacketStore store = open(data);
        StoreBackups backups = StoreBackups.unscheduled(store, every(Duration.ofHours(1), 2), MicrosClock.of(clock))) {
      assertThat(backups.lastSuccess()).isEqualTo(T0.plus(Duration.ofMinutes(3 * 61)));
      assertThat(backups.lastBytes()).isPositive();
    }
  }

  @Test
  void aFailedCopyLeavesNothingAndIsCounted() throws Exception {
    Path data = dir.resolve("data");
    SteppedClock clock = new SteppedClock(T0);
    try (JdbcPacketStore store = open(data);
        StoreBackups backups = StoreBackups.unscheduled(store, every(Duration.ofHours(1), 2), MicrosClock.of(clock))) {
      // Where the copy would be written, a directory with a file in it: H2 cannot write there.
      Path blocked = backups.directory().resolve("keyway-packets-20261203T184500.000Z.partial.mv.db");
      Files.createDirectories(blocked);
      Files.writeString(blocked.resolve("x"), "x");
      assertThatThrownBy(backups::backupNow).isInstanceOf(PacketStoreException.class)
          .hasMessageContaining("store backup to " + backups.directory())
          .hasMessageContaining("failed");
      assertThat(backups.failures()).isEqualTo(1);
      assertThat(backups.copies()).isEmpty();
      assertThat(backups.lastSuccess()).isNull();
      // The next one, a moment later, works.
      clock.advance(Duration.ofSeconds(1));
      assertThat(backups.backupNow()).exists();
      assertThat(backups.copies()).hasSize(1);
    }
  }

  /**
   * After the database closed itself (H2 does after a failed write), a copy fails: the backups'
   * own connection is closed with it, and no new connection opens the database again.
   */
  @Test
  void aDatabaseThatClosedItselfIsNotOpenedAgainForACopy() throws Exception {
    Path data = dir.resolve("data");
    try (JdbcPacketStore store = open(data);
        StoreBackups backups = StoreBackups.unscheduled(store, every(Duration.ofHours(1), 2),
            MicrosClock.of(new SteppedClock(T0)))) {
      await(store.upsert(packet(key(1), nowMicros.get(), "one")));
      try (java.sql.Connection c = H2Dialect.file(data).connect(); java.sql.Statement st = c.createStatement()) {
        st.execute("SHUTDOWN");
      }
      assertThatThrownBy(backups::backupNow).isInstanceOf(PacketStoreException.class)
          .hasMessageContaining("closed");
      assertThat(backups.copies()).isEmpty();
      assertThat(backups.failures()).isEqualTo(1);
    }
  }

  @Test
  void twoStoresCannotShareABackupDirectory() throws Exception {
    Path shared = dir.resolve("shared-backups");
    BackupOptions options = new BackupOptions(shared, Duration.ofHours(1), 2);
    try (JdbcPacketStore one = open(dir.resolve("one"));
        StoreBackups first = StoreBackups.unscheduled(one, options, MicrosClock.system());
        JdbcPacketStore two = open(dir.resolve("two"))) {
      assertThatThrownBy(() -> StoreBackups.unscheduled(two, options, MicrosClock.system()))
          .isInstanceOf(PacketStoreException.class)
          .hasMessageContaining("cannot use backup directory " + shared)
          .hasMessageContaining("give each server its own backup_dir");
      assertThat(first.backupNow()).exists();
    }
    // Released on close: the second may use it now.
    try (JdbcPacketStore two = open(dir.resolve("two"));
        StoreBackups second = StoreBackups.unscheduled(two, options, MicrosClock.system())) {
      assertThat(second.copies()).hasSize(1);
    }
  }

  /** A copy dated in the future (a clock that was ahead) neither anchors the schedule nor is pruned. */
  @Test
  void copiesDatedInTheFutureAreNeitherCountedNorDeleted() throws Exception {
    Path data = dir.resolve("data");
    Path backupDir = data.resolve("backups");
    Files.createDirectories(backupDir);
    Path future = Files.writeString(backupDir.resolve("keyway-packets-20300101T000000.000Z.mv.db"), "x");
    SteppedClock clock = new SteppedClock(T0);
    try (JdbcPacketStore store = open(data);
        StoreBackups backups = StoreBackups.unscheduled(store, every(Duration.ofHours(1), 1), MicrosClock.of(clock))) {
      assertThat(backups.lastSuccess()).isNull();
      Path made = backups.backupNow();
      clock.advance(Duration.ofMinutes(61));
      Path next = backups.backupNow();
      assertThat(backups.copies()).containsExactly(next);
      assertThat(made).doesNotExist();
      assertThat(future).exists();
    }
  }

  @Test
  void aCopyIsNotStartedWithoutRoomForItAndAReserve() throws Exception {
    Path data = dir.resolve("data");
    try (JdbcPacketStore store = open(data);
        StoreBackups backups = StoreBackups.unscheduled(store, every(Duration.ofHours(1), 2),
            MicrosClock.of(new SteppedClock(T0)))) {
      long size = store.storageBytes();
      backups.usableSpace = d -> size + StoreBackups.RESERVE_MIN - 1;
      assertThatThrownBy(backups::backupNow).isInstanceOf(PacketStoreException.class)
          .hasMessageContaining("not enough free space in " + backups.directory());
      assertThat(backups.failures()).isEqualTo(1);
      assertThat(backups.copies()).isEmpty();
      try (var files = Files.list(backups.directory())) {
        assertThat(files).allMatch(f -> f.getFileName().toString().equals(StoreBackups.LOCK_FILE));
      }
      backups.usableSpace = d -> size + StoreBackups.RESERVE_MIN;
      assertThat(backups.backupNow()).exists();
    }
  }

  /** A copy is opened and read through before it is renamed: one H2 cannot read is refused. */
  @Test
  void aCopyIsReadThroughBeforeItCounts() throws Exception {
    Path data = dir.resolve("data");
    try (JdbcPacketStore store = open(data)) {
      for (int i = 0; i < 20; i++) {
        await(store.upsert(packet(key(i), nowMicros.get(), "v" + i)));
      }
      H2Dialect h2 = H2Dialect.file(data);
      Path good = dir.resolve("good.partial.mv.db");
      try (java.sql.Connection c = h2.connect()) {
        h2.backup(c, good, () -> false);
      }
      assertThat(h2.verifyBackup(good)).isEqualTo(20);
      byte[] bytes = Files.readAllBytes(good);
      // Damaged past the file header: chunks that no longer read.
      for (int i = 8192; i < bytes.length; i += 97) {
        bytes[i] ^= 0x5a;
      }
      Path bad = Files.write(dir.resolve("bad.partial.mv.db"), bytes);
      assertThatThrownBy(() -> h2.verifyBackup(bad)).isInstanceOf(java.sql.SQLException.class);
      Path garbage = Files.writeString(dir.resolve("garbage.partial.mv.db"), "not a database");
      assertThatThrownBy(() -> h2.verifyBackup(garbage)).isInstanceOf(java.sql.SQLException.class);
      assertThat(Files.readAllBytes(good)).as("read-only: the copy checked is not written")
          .hasSize((int) Files.size(good));
    }
  }

  @Test
  void aCancelledCopyStopsAndLeavesItsPartialFileToTheCaller() throws Exception {
    Path data = dir.resolve("data");
    try (JdbcPacketStore store = open(data)) {
      await(store.upsert(packet(key(1), nowMicros.get(), "one")));
      H2Dialect h2 = H2Dialect.file(data);
      Path target = dir.resolve("copy.partial");
      try (java.sql.Connection c = h2.connect()) {
        assertThatThrownBy(() -> h2.backup(c, target, () -> true))
            .isInstanceOf(java.io.InterruptedIOException.class).hasMessageContaining("cancelled");
        Files.delete(target);
        assertThat(h2.backup(c, target, () -> false)).isEqualTo(Files.size(target)).isPositive();
      }
    }
  }

  @Test
  void aStoreWithBackupsOnTakesCopiesOnItsOwnAndStopsThemWhenItCloses() throws Exception {
    Path data = dir.resolve("data");
    StoreOptions options = StoreOptions.builder().backup(every(Duration.ofSeconds(1), 2)).build();
    StoreBackups backups;
    try (JdbcPacketStore store = JdbcPacketStore.openH2(data, options, MicrosClock.system())) {
      await(store.upsert(packet(key(2), nowMicros.get(), "two")));
      backups = store.backups().orElseThrow();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (backups.copies().size() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(backups.copies()).hasSize(2);
    }
    List<Path> after = backups.copies();
    Thread.sleep(1_500); // more than an interval: no copy comes after close
    assertThat(backups.copies()).isEqualTo(after);
    assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("keyway-store-backup"));
    // Without the option there are none.
    try (JdbcPacketStore store = open(dir.resolve("other"))) {
      assertThat(store.backups()).isEmpty();
    }
  }

  @Test
  void anUnusableBackupDirectoryStopsTheStoreFromOpeningAndSaysWhy() throws Exception {
    Path data = dir.resolve("data");
    Files.createDirectories(data);
    Files.writeString(data.resolve("backups"), "a file, not a directory");
    StoreOptions options = StoreOptions.builder().backup(every(Duration.ofHours(1), 2)).build();
    assertThatThrownBy(() -> JdbcPacketStore.openH2(data, options, MicrosClock.system()))
        .isInstanceOf(PacketStoreException.class)
        .hasMessageContaining("cannot use backup directory " + data.resolve("backups"));
    // The store it opened was closed again: the database is free.
    try (JdbcPacketStore store = open(data)) {
      assertThat(store.count()).isZero();
    }
  }

  @Test
  void offOrOutOfRangeOptionsAreRefused() {
    assertThat(BackupOptions.defaults().enabled()).isFalse();
    assertThatThrownBy(() -> every(Duration.ofMillis(500), 1)).hasMessageContaining("backupInterval must be 0s (off) or 1s..366d");
    assertThatThrownBy(() -> every(Duration.ofHours(1), 0)).hasMessageContaining("backupKeep must be 1..10000, got 0");
    assertThatThrownBy(() -> new BackupOptions(Path.of(""), Duration.ofHours(1), 1)).hasMessageContaining("backupDir");
  }

  @Test
  void whenTheNextCopyIsDue() {
    Instant start = T0;
    Duration day = Duration.ofDays(1);
    // None yet: a minute after start (the interval, if shorter).
    assertThat(StoreBackups.nextDue(null, null, start, day)).isEqualTo(start.plusSeconds(60));
    assertThat(StoreBackups.nextDue(null, null, start, Duration.ofSeconds(5))).isEqualTo(start.plusSeconds(5));
    // A recent copy: one interval after it, across a restart.
    Instant recent = start.minus(Duration.ofHours(3));
    assertThat(StoreBackups.nextDue(recent, null, start, day)).isEqualTo(recent.plus(day));
    // An overdue one: soon after start, not at once.
    assertThat(StoreBackups.nextDue(start.minus(Duration.ofDays(3)), null, start, day)).isEqualTo(start.plusSeconds(60));
    // After a failure: five minutes later (the interval, if shorter), not at once again.
    Instant failed = start.plus(Duration.ofHours(30));
    assertThat(StoreBackups.nextDue(recent, failed, start, day)).isEqualTo(failed.plus(Duration.ofMinutes(5)));
    assertThat(StoreBackups.nextDue(recent, failed, start, Duration.ofSeconds(30))).isEqualTo(failed.plusSeconds(30));
  }
}
