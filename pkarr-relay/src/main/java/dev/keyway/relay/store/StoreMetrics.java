package dev.keyway.relay.store;

import dev.keyway.client.store.UpsertOutcome;

/**
 * What a {@link JdbcPacketStore} reports as it works. Every method has an empty default, and
 * {@link #NOOP} reports nothing, so the store's hot path pays nothing when metrics are off.
 * Implementations are called on the writer thread and must not block; {@link #guarded} wraps one
 * so that an exception in it is logged instead of failing a commit.
 *
 * <p>{@code dev.keyway.relay.metrics.MicrometerStoreMetrics} is the Micrometer implementation.
 */
public interface StoreMetrics {
  /** Reports nothing. */
  StoreMetrics NOOP = new StoreMetrics() {};

  /** Why rows were removed. */
  enum Eviction {
    /** Neither signed nor PUT within the configured age. */
    AGE,
    /** The store held more than its capacity; the least recently used rows went. */
    CAPACITY
  }

  /** One upsert was decided and committed with this outcome. */
  default void upserted(UpsertOutcome outcome) {}

  /** One transaction with {@code batchSize} upserts committed in {@code nanos} (with any sync). */
  default void committed(int batchSize, long nanos) {}

  /** A transaction with {@code batchSize} upserts failed; every caller got an exception. */
  default void commitFailed(int batchSize) {}

  /** {@code count} rows were removed for {@code reason}. */
  default void evicted(Eviction reason, int count) {}

  /** An implementation whose exceptions are logged, never thrown into the store. */
  static StoreMetrics guarded(StoreMetrics delegate) {
    return delegate == NOOP || delegate instanceof GuardedStoreMetrics
        ? delegate
        : new GuardedStoreMetrics(delegate);
  }
}
