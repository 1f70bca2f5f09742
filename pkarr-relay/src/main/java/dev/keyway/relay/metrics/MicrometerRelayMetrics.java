package dev.keyway.relay.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntSupplier;

/** {@link RelayMetrics} as Micrometer counters (names in the package documentation). */
public final class MicrometerRelayMetrics implements RelayMetrics {
  private final Map<Publish, Counter> publishes = new EnumMap<>(Publish.class);
  private final Map<Get, Counter> gets = new EnumMap<>(Get.class);
  private final Counter rateLimited;
  private final DistributionSummary verifyBatches;
  private final Counter failedBatches;
  private final Counter verifiedAlone;
  private final Counter verifySkipped;
  private final MeterRegistry registry;
  private final String prefix;

  /** Registers the relay's meters; {@code prefix} (may be empty) goes before each name. */
  public MicrometerRelayMetrics(MeterRegistry registry, String prefix) {
    this.registry = registry;
    this.prefix = prefix;
    for (Publish p : Publish.values()) {
      publishes.put(p, Counter.builder(prefix + "relay.publishes")
          .description("PUT /{key} requests by outcome")
          .tag("outcome", p.name().toLowerCase(Locale.ROOT))
          .register(registry));
    }
    for (Get g : Get.values()) {
      gets.put(g, Counter.builder(prefix + "relay.gets")
          .description("GET and HEAD /{key} requests by outcome")
          .tag("outcome", g.name().toLowerCase(Locale.ROOT))
          .register(registry));
    }
    rateLimited = Counter.builder(prefix + "relay.rate.limited")
        .description("requests refused with 429 by the per-client rate limit")
        .register(registry);
    verifyBatches = DistributionSummary.builder(prefix + "relay.verify.batch.size")
        .description("PUT bodies whose signatures were verified together, per batch")
        .register(registry);
    failedBatches = Counter.builder(prefix + "relay.verify.batch.failed")
        .description("verify batches that held a bad signature (each body then verified alone)")
        .register(registry);
    verifiedAlone = Counter.builder(prefix + "relay.verify.alone")
        .description("PUT bodies verified one by one in the cool-down after a failed batch")
        .register(registry);
    verifySkipped = Counter.builder(prefix + "relay.verify.skipped")
        .description("PUT bodies that were the stored packet's exact bytes, not verified again")
        .register(registry);
  }

  @Override
  public void published(Publish outcome) {
    publishes.get(outcome).increment();
  }

  @Override
  public void got(Get outcome) {
    gets.get(outcome).increment();
  }

  @Override
  public void rateLimited() {
    rateLimited.increment();
  }

  @Override
  public void verifiedBatch(int bodies) {
    verifyBatches.record(bodies);
  }

  @Override
  public void batchFailed() {
    failedBatches.increment();
  }

  @Override
  public void verifiedAlone(int bodies) {
    verifiedAlone.increment(bodies);
  }

  @Override
  public void verifySkipped() {
    verifySkipped.increment();
  }

  @Override
  public void bodiesReceiving(IntSupplier count) {
    Gauge.builder(prefix + "relay.put.bodies.receiving", count::getAsInt)
        .description("PUT requests whose body is being received (slow or stalled uploads show here)")
        .register(registry);
  }
}
