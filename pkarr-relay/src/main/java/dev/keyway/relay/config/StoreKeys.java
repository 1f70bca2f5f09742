package dev.keyway.relay.config;

import dev.keyway.relay.store.BackupOptions;
import java.nio.file.Path;
import java.util.Map;

/**
 * Which config key each option of {@link dev.keyway.relay.store.StoreOptions} is read from, for
 * {@link ConfigException#renaming}: the store's own messages name its options by their code names
 * ({@code queueCapacity}), the user sees the keys of their file ({@code store.queue_capacity}).
 */
public final class StoreKeys {
  private StoreKeys() {}

  /**
   * The keys of a store table: {@code TABLE.max_batch_size}, {@code TABLE.queue_capacity},
   * {@code TABLE.fsync}, {@code TABLE.eviction} (for {@code maxAge}), {@code
   * TABLE.eviction_interval}, {@code TABLE.read_cache_size}, {@code TABLE.reader_connections} and
   * the {@code TABLE.backup_*} keys, plus the two keys that differ between the relay's and iroh-dns-server's files.
   *
   * @param table the table the options are read from ({@code store}, {@code zone_store})
   * @param maxBatchDelayKey the dotted key of {@code maxBatchDelay} ({@code store.max_batch_delay},
   *     iroh's {@code zone_store.max_batch_time})
   * @param capacityKey the dotted key of {@code capacity}, which may sit in another table
   *     (pkarr-relay's {@code cache.size}, {@code zone_store.capacity})
   * @return option name to dotted config key, for every option
   */
  public static Map<String, String> of(String table, String maxBatchDelayKey, String capacityKey) {
    return Map.ofEntries(
        Map.entry("maxBatchSize", table + ".max_batch_size"),
        Map.entry("maxBatchDelay", maxBatchDelayKey),
        Map.entry("queueCapacity", table + ".queue_capacity"),
        Map.entry("fsync", table + ".fsync"),
        Map.entry("maxAge", table + ".eviction"),
        Map.entry("evictionInterval", table + ".eviction_interval"),
        Map.entry("capacity", capacityKey),
        Map.entry("readCacheSize", table + ".read_cache_size"),
        Map.entry("readerConnections", table + ".reader_connections"),
        Map.entry("backupDir", table + ".backup_dir"),
        Map.entry("backupInterval", table + ".backup_interval"),
        Map.entry("backupKeep", table + ".backup_keep"));
  }

  /**
   * Every option name the store's messages may use, read from the records themselves: the
   * components of {@link dev.keyway.relay.store.StoreOptions}, with {@code backup} spelled out as
   * {@link BackupOptions} names its own ({@code backupDir}, {@code backupInterval}, {@code
   * backupKeep}). {@link #of} must map each (its tests check).
   */
  public static java.util.List<String> optionNames() {
    java.util.List<String> names = new java.util.ArrayList<>();
    for (var c : dev.keyway.relay.store.StoreOptions.class.getRecordComponents()) {
      if (!c.getName().equals("backup")) {
        names.add(c.getName());
        continue;
      }
      for (var b : BackupOptions.class.getRecordComponents()) {
        names.add("backup" + Character.toUpperCase(b.getName().charAt(0)) + b.getName().substring(1));
      }
    }
    return names;
  }

  /**
   * The backup options of a store table ({@code TABLE.backup_dir}, {@code TABLE.backup_interval},
   * {@code TABLE.backup_keep}), each defaulting to {@link BackupOptions#defaults()}.
   *
   * @throws ConfigException for a duration that does not parse
   * @throws IllegalArgumentException for values out of range, named as {@link #of} renames them
   */
  public static BackupOptions backup(String table, String dir, Object interval, Integer keep) {
    BackupOptions d = BackupOptions.defaults();
    return new BackupOptions(dir == null ? d.dir() : Path.of(dir),
        interval == null ? d.interval() : Durations.fromValue(table + ".backup_interval", interval),
        keep == null ? d.keep() : keep);
  }
}
