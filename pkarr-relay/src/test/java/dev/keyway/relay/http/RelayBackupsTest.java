package dev.keyway.relay.http;

import static dev.keyway.relay.TestRelay.key;
import static dev.keyway.relay.TestRelay.packet;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.relay.TestRelay;
import dev.keyway.relay.store.BackupOptions;
import dev.keyway.relay.store.StoreOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A relay configured with backups writes them on its own and reports them as metrics. */
class RelayBackupsTest {
  @TempDir Path dir;

  @Test
  void aRelayWithBackupsOnWritesCopiesAndExportsWhenTheNewestBegan() throws Exception {
    StoreOptions store = StoreOptions.builder()
        .backup(new BackupOptions(Path.of("copies"), Duration.ofSeconds(1), 2)).build();
    long before = System.currentTimeMillis() / 1_000;
    try (TestRelay relay = TestRelay.start(dir, b -> b.store(store), Clock.systemUTC())) {
      assertThat(relay.put(packet(key(1), System.currentTimeMillis() * 1_000, "kept")).statusCode())
          .isEqualTo(204);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      String metrics = relay.metrics();
      while (RelayHttpTest.metricValue(metrics, "store_backup_last_success_seconds") == 0
          && System.nanoTime() < deadline) {
        Thread.sleep(100);
        metrics = relay.metrics();
      }
      assertThat(RelayHttpTest.metricValue(metrics, "store_backup_last_success_seconds"))
          .isGreaterThanOrEqualTo(before);
      assertThat(RelayHttpTest.metricValue(metrics, "store_backup_size_bytes")).isPositive();
      assertThat(RelayHttpTest.metricValue(metrics, "store_backup_failures_total")).isZero();
      assertThat(metrics).contains("store_backup_duration_seconds ");
      assertThat(RelayHttpTest.metricValue(metrics, "store_backup_interval_seconds")).isEqualTo(1);
      try (Stream<Path> copies = Files.list(dir.resolve("copies"))) {
        assertThat(copies).anyMatch(p -> p.getFileName().toString().matches("keyway-packets-.*Z\\.mv\\.db"));
      }
    }
  }

  @Test
  void withoutTheSettingThereAreNoCopiesAndNoBackupSeries() throws Exception {
    try (TestRelay relay = TestRelay.start(dir)) {
      assertThat(relay.metrics()).doesNotContain("store_backup_");
      assertThat(dir.resolve("backups")).doesNotExist();
    }
  }
}
