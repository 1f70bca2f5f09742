package dev.keyway.relay.config;

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
   * TABLE.eviction_interval}, {@code TABLE.read_cache_size} and {@code TABLE.reader_connections},
   * plus the two keys that differ between the relay's and iroh-dns-server's files.
   *
   * @param table the table the options are read from ({@code store}, {@code zone_store})
   * @param maxBatchDelayKey the dotted key of {@code maxBatchDelay} ({@code store.max_batch_delay},
   *     iroh's {@code zone_store.max_batch_time})
   * @param capacityKey the dotted key of {@code capacity}, which may sit in another table
   *     (pkarr-relay's {@code cache.size}, {@code zone_store.capacity})
   * @return option name to dotted config key, for every option
   */
  public static Map<String, String> of(String table, String maxBatchDelayKey, String capacityKey) {
    return Map.of(
        "maxBatchSize", table + ".max_batch_size",
        "maxBatchDelay", maxBatchDelayKey,
        "queueCapacity", table + ".queue_capacity",
        "fsync", table + ".fsync",
        "maxAge", table + ".eviction",
        "evictionInterval", table + ".eviction_interval",
        "capacity", capacityKey,
        "readCacheSize", table + ".read_cache_size",
        "readerConnections", table + ".reader_connections");
  }
}
