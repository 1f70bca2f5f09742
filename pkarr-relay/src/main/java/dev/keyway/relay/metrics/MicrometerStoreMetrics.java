package dev.keyway.relay.metrics;

import dev.keyway.client.store.PacketStore;
import dev.keyway.client.store.UpsertOutcome;
import dev.keyway.relay.store.JdbcPacketStore;
import dev.keyway.relay.store.StoreBackups;
import dev.keyway.relay.store.StoreMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@link StoreMetrics} as Micrometer meters, plus {@link #bindGauges} for the gauges that read a
 * store's state (names in the package documentation).
 */
public final class MicrometerStoreMetrics implements StoreMetrics {
  private final MeterRegistry registry;
  private final String prefix;
  private final Map<UpsertOutcome, Counter> outcomes = new EnumMap<>(UpsertOutcome.class);
  private final Map<Eviction, Counter> evictions = new EnumMap<>(Eviction.class);
  private final DistributionSummary batchSize;
  private final Timer commit;
  private final Counter failures;

  /** Registers the meters; {@code prefix} (may be empty) goes before each name. */
  public MicrometerStoreMetrics(MeterRegistry registry, String prefix) {
    this.registry = registry;
    this.prefix = prefix;
    for (UpsertOutcome o : UpsertOutcome.values()) {
      outcomes.put(o, Counter.builder(prefix + "store.packets." + o.name().toLowerCase(Locale.ROOT))
          .description("upserts decided " + o.name())
          .register(registry));
    }
    evictions.put(Eviction.AGE, Counter.builder(prefix + "store.packets.expired")
        .description("packets removed because they were neither signed nor PUT within the eviction age")
        .register(registry));
    evictions.put(Eviction.CAPACITY, Counter.builder(prefix + "store.packets.evicted")
        .description("least recently used packets removed to stay within capacity")
        .register(registry));
    batchSize = DistributionSummary.builder(prefix + "store.commit.batch.size")
        .description("upserts applied in one transaction")
        .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
        .register(registry);
    commit = Timer.builder(prefix + "store.commit")
        .description("time to decide, write, commit (and fsync) one batch")
        .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
            Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofSeconds(1))
        .register(registry);
    failures = Counter.builder(prefix + "store.commit.failures")
        .description("transactions that failed; their callers got an error")
        .register(registry);
  }

  /** Gauges reading {@code store}: size, and for a JDBC store its disk use, queue and cache. */
  public void bindGauges(PacketStore store) {
    Gauge.builder(prefix + "store.packets", store, PacketStore::count)
        .description("packets stored")
        .register(registry);
    if (store instanceof JdbcPacketStore jdbc) {
      Gauge.builder(prefix + "store.bytes", jdbc, s -> Math.max(0, s.storageBytes()))
          .description("database size on disk")
          .baseUnit("bytes")
          .register(registry);
      Gauge.builder(prefix + "store.pending.upserts", jdbc, JdbcPacketStore::pendingUpserts)
          .description("upserts waiting for the writer")
          .register(registry);
      Gauge.builder(prefix + "store.cache.size", jdbc, JdbcPacketStore::cacheSize)
          .description("parsed packets in the read cache")
          .register(registry);
      FunctionCounter.builder(prefix + "store.cache.hits", jdbc, s -> s.cacheStats().hitCount())
          .description("reads answered by the read cache")
          .register(registry);
      FunctionCounter.builder(prefix + "store.cache.misses", jdbc, s -> s.cacheStats().missCount())
          .description("reads that missed the read cache")
          .register(registry);
      jdbc.backups().ifPresent(this::bindBackupGauges);
    }
  }

  private void bindBackupGauges(StoreBackups b) {
    Gauge.builder(prefix + "store.backup.last.success", b,
            s -> s.lastSuccess() == null ? 0 : s.lastSuccess().toEpochMilli() / 1e3)
        .description("when the newest database copy began, seconds since the epoch (0: none yet)")
        .baseUnit("seconds")
        .register(registry);
    Gauge.builder(prefix + "store.backup.size", b, s -> Math.max(0, s.lastBytes()))
        .description("size of the newest database copy")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder(prefix + "store.backup.duration", b, s -> Math.max(0, s.lastSeconds()))
        .description("how long the last database copy of this process took")
        .baseUnit("seconds")
        .register(registry);
    Gauge.builder(prefix + "store.backup.interval", b, s -> s.interval().toSeconds())
        .description("time between two database copies (backup_interval)")
        .baseUnit("seconds")
        .register(registry);
    FunctionCounter.builder(prefix + "store.backup.failures", b, StoreBackups::failures)
        .description("database copies that failed (each is logged with its reason)")
        .register(registry);
  }

  @Override
  public void upserted(UpsertOutcome outcome) {
    outcomes.get(outcome).increment();
  }

  @Override
  public void committed(int size, long nanos) {
    batchSize.record(size);
    commit.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void commitFailed(int size) {
    failures.increment();
  }

  @Override
  public void evicted(Eviction reason, int count) {
    evictions.get(reason).increment(count);
  }
}
