package dev.keyway.relay.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StoreKeysTest {
  @Test
  void nameEveryStoreOption() {
    assertThat(StoreKeys.optionNames()).contains("maxBatchSize", "readerConnections", "backupDir",
        "backupInterval", "backupKeep").doesNotContain("backup");
    assertThat(StoreKeys.of("t", "t.delay", "other.cap"))
        .containsOnlyKeys(StoreKeys.optionNames())
        .containsEntry("maxBatchDelay", "t.delay")
        .containsEntry("capacity", "other.cap")
        .containsEntry("maxAge", "t.eviction")
        .containsEntry("readerConnections", "t.reader_connections")
        .containsEntry("backupInterval", "t.backup_interval");
  }
}
