package dev.keyway.relay.metrics;

/**
 * What the relay's HTTP handler reports. Empty defaults and {@link #NOOP} cost nothing when
 * metrics are off. Called on event loops: implementations must be cheap and must not block.
 */
public interface RelayMetrics {
  /** Reports nothing. */
  RelayMetrics NOOP = new RelayMetrics() {};

  /** Outcomes of {@code PUT /{key}}. */
  enum Publish { INSERTED, UPDATED, UNCHANGED, STALE, INVALID, TOO_LARGE, TIMEOUT, RATE_LIMITED, OVERLOADED, ERROR }

  /** Outcomes of {@code GET} / {@code HEAD /{key}}. */
  enum Get { FOUND, NOT_MODIFIED, NOT_FOUND, INVALID, RATE_LIMITED, ERROR }

  default void published(Publish outcome) {}

  default void got(Get outcome) {}

  /** Any request refused by the rate limiter. */
  default void rateLimited() {}

  /** A batch of this many PUT bodies had its signatures verified together. */
  default void verifiedBatch(int bodies) {}

  /** A batch's equation failed: at least one of its signatures was bad. */
  default void batchFailed() {}

  /** This many PUT bodies were verified one by one, in the cool-down after a failed batch. */
  default void verifiedAlone(int bodies) {}

  /** A PUT body was the stored packet's exact bytes: its signature was checked when stored. */
  default void verifySkipped() {}

  /** Reports, whenever asked, how many PUT bodies are being received (called once, at start). */
  default void bodiesReceiving(java.util.function.IntSupplier count) {}
}
