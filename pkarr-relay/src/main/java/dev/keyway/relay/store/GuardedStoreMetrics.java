package dev.keyway.relay.store;

import dev.keyway.client.store.UpsertOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Forwards to another {@link StoreMetrics} and logs what it throws (Caffeine's guarded stats). */
final class GuardedStoreMetrics implements StoreMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(GuardedStoreMetrics.class);
  private final StoreMetrics delegate;

  GuardedStoreMetrics(StoreMetrics delegate) {
    this.delegate = delegate;
  }

  @Override
  public void upserted(UpsertOutcome outcome) {
    try {
      delegate.upserted(outcome);
    } catch (RuntimeException e) {
      LOG.warn("store metrics failed", e);
    }
  }

  @Override
  public void committed(int batchSize, long nanos) {
    try {
      delegate.committed(batchSize, nanos);
    } catch (RuntimeException e) {
      LOG.warn("store metrics failed", e);
    }
  }

  @Override
  public void commitFailed(int batchSize) {
    try {
      delegate.commitFailed(batchSize);
    } catch (RuntimeException e) {
      LOG.warn("store metrics failed", e);
    }
  }

  @Override
  public void evicted(Eviction reason, int count) {
    try {
      delegate.evicted(reason, count);
    } catch (RuntimeException e) {
      LOG.warn("store metrics failed", e);
    }
  }
}
