package dev.keyway.relay.store;

import dev.keyway.relay.config.Durations;
import java.time.Duration;
import java.util.Objects;

/**
 * Tuning of a {@link JdbcPacketStore}. Immutable; build with {@link #builder()}, whose setters
 * reject impossible values at once. {@link #defaults()} is what {@code keyway relay} uses when its
 * config file says nothing.
 *
 * @param maxBatchSize most upserts applied in one transaction
 * @param maxBatchDelay how long the writer waits for more upserts after the first one of a batch
 *     before committing; zero commits whatever is queued at once
 * @param queueCapacity most upserts waiting for the writer; beyond it an upsert fails with
 *     {@link PacketStoreException.Overloaded} instead of queueing without bound
 * @param fsync whether each commit is also forced to the storage device ({@code fsync}), so that
 *     an acknowledged packet survives power loss and OS crashes, not only a process crash
 * @param maxAge packets neither signed nor PUT (the same bytes again included) within this time
 *     are removed; zero keeps them
 * @param evictionInterval how often age eviction and access-time flushing run
 * @param capacity most packets kept; beyond it the least recently used (read or written) are
 *     removed; zero means unbounded
 * @param readCacheSize most parsed packets held in the read cache; zero disables it
 * @param readerConnections database connections for reads that miss the cache
 * @param backup copies of the database taken while it runs ({@link StoreBackups}); off by default
 */
public record StoreOptions(
    int maxBatchSize,
    Duration maxBatchDelay,
    int queueCapacity,
    boolean fsync,
    Duration maxAge,
    Duration evictionInterval,
    long capacity,
    int readCacheSize,
    int readerConnections,
    BackupOptions backup) {

  /** 1024 upserts: a group commit of that many 1 KB packets is about 1 MB of writes (guess). */
  public static final int DEFAULT_MAX_BATCH_SIZE = 1024;
  /** 2 ms: adds at most 2 ms to a PUT and lets a busy writer commit tens of packets at once. */
  public static final Duration DEFAULT_MAX_BATCH_DELAY = Duration.ofMillis(2);
  /** 16384 waiting upserts, about 20 MB of packets, several seconds of a fast writer (guess). */
  public static final int DEFAULT_QUEUE_CAPACITY = 16_384;
  /** Force every commit to the device; measured cheap with group commit (ops/bench/RESULTS.md). */
  public static final boolean DEFAULT_FSYNC = true;
  /** 7 days, iroh-dns-server's {@code eviction}. */
  public static final Duration DEFAULT_MAX_AGE = Duration.ofDays(7);
  /** Longest {@link #maxAge}: 100 years (ages are computed in nanoseconds, which stop at 292). */
  public static final Duration MAX_MAX_AGE = Duration.ofDays(36_500);
  /** 10 s, iroh-dns-server's {@code eviction_interval}. */
  public static final Duration DEFAULT_EVICTION_INTERVAL = Duration.ofSeconds(10);
  /** 1 000 000 packets, pkarr-relay's {@code [cache] size}. */
  public static final long DEFAULT_CAPACITY = 1_000_000;
  /** 65 536 parsed packets, a few hundred MB at most (guess; iroh keeps 2^20 zones). */
  public static final int DEFAULT_READ_CACHE_SIZE = 65_536;
  /** 4 reader connections: enough for the event loops of a small machine (guess). */
  public static final int DEFAULT_READER_CONNECTIONS = 4;

  public StoreOptions {
    Objects.requireNonNull(maxBatchDelay, "maxBatchDelay");
    Objects.requireNonNull(maxAge, "maxAge");
    Objects.requireNonNull(evictionInterval, "evictionInterval");
    Objects.requireNonNull(backup, "backup");
    // Messages name each option by its builder method and show durations as a config file writes
    // them ("0s", "2ms"); the config readers replace the names by their keys (store.queue_capacity).
    require(maxBatchSize >= 1, "maxBatchSize must be at least 1, got " + maxBatchSize);
    require(!maxBatchDelay.isNegative() && maxBatchDelay.compareTo(Duration.ofSeconds(1)) <= 0,
        "maxBatchDelay must be 0s..1s, got " + Durations.format(maxBatchDelay));
    require(queueCapacity >= maxBatchSize, "queueCapacity must be at least maxBatchSize ("
        + maxBatchSize + "), got " + queueCapacity);
    require(!maxAge.isNegative() && maxAge.compareTo(MAX_MAX_AGE) <= 0,
        "maxAge must be 0s.." + Durations.format(MAX_MAX_AGE) + ", got " + Durations.format(maxAge));
    // The writer schedules by System.nanoTime(), which a longer interval would overflow.
    require(evictionInterval.compareTo(Duration.ofMillis(10)) >= 0
            && evictionInterval.compareTo(MAX_MAX_AGE) <= 0,
        "evictionInterval must be 10ms.." + Durations.format(MAX_MAX_AGE) + ", got "
            + Durations.format(evictionInterval));
    require(capacity >= 0, "capacity must not be negative, got " + capacity);
    require(readCacheSize >= 0, "readCacheSize must not be negative, got " + readCacheSize);
    require(readerConnections >= 1 && readerConnections <= 256,
        "readerConnections must be 1..256, got " + readerConnections);
  }

  /** Every default. */
  public static StoreOptions defaults() {
    return builder().build();
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these options. */
  public Builder toBuilder() {
    return new Builder()
        .maxBatchSize(maxBatchSize)
        .maxBatchDelay(maxBatchDelay)
        .queueCapacity(queueCapacity)
        .fsync(fsync)
        .maxAge(maxAge)
        .evictionInterval(evictionInterval)
        .capacity(capacity)
        .readCacheSize(readCacheSize)
        .readerConnections(readerConnections)
        .backup(backup);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** Collects options; {@link #build()} checks them together. */
  public static final class Builder {
    private int maxBatchSize = DEFAULT_MAX_BATCH_SIZE;
    private Duration maxBatchDelay = DEFAULT_MAX_BATCH_DELAY;
    private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
    private boolean fsync = DEFAULT_FSYNC;
    private Duration maxAge = DEFAULT_MAX_AGE;
    private Duration evictionInterval = DEFAULT_EVICTION_INTERVAL;
    private long capacity = DEFAULT_CAPACITY;
    private int readCacheSize = DEFAULT_READ_CACHE_SIZE;
    private int readerConnections = DEFAULT_READER_CONNECTIONS;
    private BackupOptions backup = BackupOptions.defaults();

    private Builder() {}

    public Builder maxBatchSize(int value) {
      maxBatchSize = value;
      return this;
    }

    public Builder maxBatchDelay(Duration value) {
      maxBatchDelay = Objects.requireNonNull(value);
      return this;
    }

    public Builder queueCapacity(int value) {
      queueCapacity = value;
      return this;
    }

    public Builder fsync(boolean value) {
      fsync = value;
      return this;
    }

    public Builder maxAge(Duration value) {
      maxAge = Objects.requireNonNull(value);
      return this;
    }

    public Builder evictionInterval(Duration value) {
      evictionInterval = Objects.requireNonNull(value);
      return this;
    }

    public Builder capacity(long value) {
      capacity = value;
      return this;
    }

    public Builder readCacheSize(int value) {
      readCacheSize = value;
      return this;
    }

    public Builder readerConnections(int value) {
      readerConnections = value;
      return this;
    }

    public Builder backup(BackupOptions value) {
      backup = Objects.requireNonNull(value);
      return this;
    }

    /** @throws IllegalArgumentException naming the first option out of range */
    public StoreOptions build() {
      return new StoreOptions(maxBatchSize, maxBatchDelay, queueCapacity, fsync, maxAge,
          evictionInterval, capacity, readCacheSize, readerConnections, backup);
    }
  }
}
