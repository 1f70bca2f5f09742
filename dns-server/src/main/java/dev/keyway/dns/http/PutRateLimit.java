package dev.keyway.dns.http;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.util.Locale;
import java.util.Objects;
import java.util.function.ToLongFunction;

/**
 * iroh-dns-server's {@code pkarr_put_rate_limit} for {@code PUT /pkarr/{key}}: per client IP,
 * a burst of 2 and one more request every 4 seconds; over it, 429 with {@code retry-after}.
 *
 * <ul>
 *   <li>{@link Mode#DISABLED}: no limit.
 *   <li>{@link Mode#SIMPLE}: the client is the TCP peer address.
 *   <li>{@link Mode#SMART}: the client is read from proxy headers, in tower-governor's
 *       {@code SmartIpKeyExtractor} order: the first address of {@code X-Forwarded-For}, then
 *       {@code X-Real-IP}, then the {@code for=} of {@code Forwarded}, then the peer. iroh selects
 *       this mode but, by a bug, keeps keying on the peer; here it works. Use it only behind a
 *       reverse proxy that sets these headers, or clients choose their own key.
 * </ul>
 */
public final class PutRateLimit {
  /** iroh's quota: burst 2 ... */
  public static final int IROH_BURST = 2;
  /** ... and one token every 4 seconds. */
  public static final int IROH_REFILL_SECONDS = 4;

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
  public static final PutRateLimit DISABLED = new PutRateLimit(Mode.DISABLED, key -> 0);

  private final Mode mode;
  private final ToLongFunction<String> limiter;

  /**
   * @param limiter takes one token for a client key and returns 0 if allowed, else the whole
   *     seconds to wait
   */
  public PutRateLimit(Mode mode, ToLongFunction<String> limiter) {
    this.mode = Objects.requireNonNull(mode, "mode");
    this.limiter = Objects.requireNonNull(limiter, "limiter");
  }

  /** The mode. */
  public Mode mode() {
    return mode;
  }

  /** 0 if the request may proceed, else seconds until it may be retried. */
  public long check(HttpServerRequest request) {
    if (mode == Mode.DISABLED) {
      return 0;
    }
    return limiter.applyAsLong(clientKey(mode, request));
  }

  static String clientKey(Mode mode, HttpServerRequest request) {
    if (mode == Mode.SMART) {
      String xff = request.getHeader("x-forwarded-for");
      if (xff != null) {
        String first = xff.split(",", 2)[0].trim();
        if (!first.isEmpty()) {
          return first;
        }
      }
      String real = request.getHeader("x-real-ip");
      if (real != null && !real.isBlank()) {
        return real.trim();
      }
      String forwarded = request.getHeader("forwarded");
      if (forwarded != null) {
        for (String part : forwarded.split("[;,]")) {
          String p = part.trim();
          if (p.regionMatches(true, 0, "for=", 0, 4)) {
            String v = p.substring(4).replace("\"", "");
            if (v.startsWith("[")) {
              int end = v.indexOf(']');
              v = end > 0 ? v.substring(1, end) : v;
            } else if (v.indexOf(':') == v.lastIndexOf(':') && v.indexOf(':') > 0) {
              v = v.substring(0, v.indexOf(':')); // ipv4:port
            }
            if (!v.isEmpty()) {
              return v;
            }
          }
        }
      }
    }
    SocketAddress peer = request.remoteAddress();
    return peer == null ? "unknown" : peer.hostAddress();
  }
}
