package dev.keyway.relay.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One token bucket per key (a client IP, usually): {@link #tryAcquire} takes a token from the
 * key's bucket and says whether the request may proceed and, if not, when to retry.
 *
 * <p>Buckets live in a bounded Caffeine map and are dropped once idle for longer than it takes
 * them to refill (plus a minute), which loses nothing: a full bucket is what a new key gets. When
 * more than {@code maxKeys} keys are active, the least recently used buckets are dropped early;
 * that can only let a request through, never refuse one wrongly.
 *
 * <p>Time comes from an injected nanosecond source ({@link #KeyedRateLimiter(Quota, int,
 * LongSupplier)}), so tests drive it by hand. Thread-safe and lock-free per bucket.
 */
public final class KeyedRateLimiter {
  /** 100 000 active clients, about 20 MB of buckets (guess). */
  public static final int DEFAULT_MAX_KEYS = 100_000;

  private final Quota quota;
  private final Bandwidth bandwidth;
  private final TimeMeter time;
  private final Cache<String, Bucket> buckets;

  /** What {@link #tryAcquire} decided. */
  public record Decision(boolean allowed, long remaining, long retryAfterNanos) {
    /** Whole seconds to wait before retrying, at least 1 when refused (for Retry-After). */
    public long retryAfterSeconds() {
      return allowed ? 0 : Math.max(1, (retryAfterNanos + 999_999_999L) / 1_000_000_000L);
    }
  }

  /** A limiter on the system's monotonic clock. */
  public KeyedRateLimiter(Quota quota) {
    this(quota, DEFAULT_MAX_KEYS, System::nanoTime);
  }

  /**
   * @param nanos a monotonic nanosecond clock (tests pass a manual one)
   */
  public KeyedRateLimiter(Quota quota, int maxKeys, LongSupplier nanos) {
    this.quota = Objects.requireNonNull(quota, "quota");
    Objects.requireNonNull(nanos, "nanos");
    if (maxKeys < 1) {
      throw new IllegalArgumentException("maxKeys must be at least 1");
    }
    this.bandwidth = Bandwidth.builder()
        .capacity(quota.burst())
        .refillGreedy(quota.permits(), quota.period())
        .build();
    this.time = new TimeMeter() {
      @Override
      public long currentTimeNanos() {
        return nanos.getAsLong();
      }

      @Override
      public boolean isWallClockBased() {
        return false;
      }
    };
    Duration idle = quota.refillTime().plusMinutes(1);
    this.buckets = Caffeine.newBuilder()
        .maximumSize(maxKeys)
        .expireAfterAccess(idle.toNanos(), TimeUnit.NANOSECONDS)
        .ticker(nanos::getAsLong)
        .executor(Runnable::run)
        .build();
  }

  /** Takes one token from {@code key}'s bucket. */
  public Decision tryAcquire(String key) {
    Bucket bucket = buckets.get(key, k -> Bucket.builder()
        .addLimit(bandwidth)
        .withCustomTimePrecision(time)
        .build());
    ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
    return new Decision(probe.isConsumed(), probe.getRemainingTokens(), probe.getNanosToWaitForRefill());
  }

  /** The quota every key gets. */
  public Quota quota() {
    return quota;
  }

  /** Keys with a bucket right now (approximate). */
  public long activeKeys() {
    return buckets.estimatedSize();
  }
}
