package dev.keyway.dns.http;

import dev.keyway.relay.ratelimit.ClientIp;
import dev.keyway.relay.ratelimit.KeyedRateLimiter;
import dev.keyway.relay.ratelimit.Quota;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * iroh-dns-server's {@code pkarr_put_rate_limit} for {@code PUT /pkarr/{key}}: per client IP,
 * a burst of 2 and one more request every 4 seconds; over it, 429 with {@code retry-after}.
 *
 * <ul>
 *   <li>{@link Mode#DISABLED}: no limit.
 *   <li>{@link Mode#SIMPLE}: the client is the TCP peer address.
 *   <li>{@link Mode#SMART}: the client is read from proxy headers ({@code X-Forwarded-For}, then
 *       {@code X-Real-IP}, then {@code Forwarded}, then the peer: the relay's {@link ClientIp}).
 *       iroh selects this mode but, by a bug, keeps keying on the peer; here it works. Use it
 *       only behind a reverse proxy that sets these headers, or clients choose their own key.
 * </ul>
 * Buckets and client-IP extraction are the pkarr relay's ({@link KeyedRateLimiter},
 * {@link ClientIp}).
 */
public final class PutRateLimit {
  /** iroh's quota: one request every 4 seconds with a burst of 2 (tower-governor settings). */
  public static final Quota IROH_QUOTA = new Quota(1, Duration.ofSeconds(4), 2);

  /** Where the client key comes from. */
  public enum Mode {
    DISABLED,
    SIMPLE,
    SMART;

    /** Parses {@code disabled|simple|smart} (iroh's spelling; also {@code false|true}). */
    public static Mode parse(String text) {
      return switch (text.trim().toLowerCase(Locale.ROOT)) {
        case "disabled", "false" -> DISABLED;
        case "simple", "true" -> SIMPLE;
        case "smart" -> SMART;
        default -> throw new IllegalArgumentException(
            "pkarr_put_rate_limit must be disabled, simple or smart, got '" + text + "'");
      };
    }
  }

  /** No limit. */
  public static final PutRateLimit DISABLED = new PutRateLimit(Mode.DISABLED, null);

  private final Mode mode;
  private final KeyedRateLimiter limiter;

  private PutRateLimit(Mode mode, KeyedRateLimiter limiter) {
    this.mode = mode;
    this.limiter = limiter;
  }

  /** A limit in {@code mode} with {@code quota}, on the given monotonic clock. */
  public static PutRateLimit of(Mode mode, Quota quota, LongSupplier nanoTime) {
    Objects.requireNonNull(mode, "mode");
    if (mode == Mode.DISABLED) {
      return DISABLED;
    }
    return new PutRateLimit(mode,
        new KeyedRateLimiter(quota, KeyedRateLimiter.DEFAULT_MAX_KEYS, nanoTime));
  }

  /** The mode. */
  public Mode mode() {
    return mode;
  }

  /** 0 if the request may proceed, else whole seconds until it may be retried. */
  public long check(HttpServerRequest request) {
    if (limiter == null) {
      return 0;
    }
    SocketAddress peer = request.remoteAddress();
    String client = ClientIp.resolve(peer == null ? null : peer.hostAddress(),
        ClientIp.joined(request.headers()::getAll),
        mode == Mode.SMART);
    KeyedRateLimiter.Decision d = limiter.tryAcquire(ClientIp.bucketOf(client));
    return d.allowed() ? 0 : d.retryAfterSeconds();
  }
}
