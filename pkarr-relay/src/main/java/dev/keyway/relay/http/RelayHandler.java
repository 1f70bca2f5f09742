package dev.keyway.relay.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.keyway.client.InvalidInputException;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.packet.InvalidPacketException;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.client.store.InMemoryPacketStore;
import dev.keyway.client.store.PacketStore;
import dev.keyway.client.store.StoredPacket;
import dev.keyway.client.store.UpsertOutcome;
import dev.keyway.relay.metrics.RelayMetrics;
import dev.keyway.relay.ratelimit.ClientIp;
import dev.keyway.relay.ratelimit.KeyedRateLimiter;
import dev.keyway.relay.store.JdbcPacketStore;
import dev.keyway.relay.store.PacketStoreException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pkarr v7 relay API on a Vert.x {@link HttpServerRequest} handler (a plain handler rather
 * than a vertx-web Router: the key routes are the hot path and need no routing table).
 *
 * <h2>Routes (under the configured base path)</h2>
 * <ul>
 *   <li>{@code PUT /{key}}: body = relay payload. 204 when stored (inserted, updated or the same
 *       bytes again); 400 bad key / payload / signature / DNS / timestamp too far ahead / signed
 *       longer ago than the store keeps packets (it would be evicted at once); 413 body
 *       over 1104 bytes (refused from {@code Content-Length} before reading, or as soon as a
 *       chunked body passes the limit); 415 a body under a {@code Content-Encoding}, 501 one
 *       under a transfer coding besides chunked ({@link BodyCodings}); 409 a more recent
 *       packet is stored; {@code If-Match} is ignored (pkarr v7). No {@code Pkarr-Dht-Stored-Nodes}: there is no DHT.
 *   <li>{@code GET} / {@code HEAD /{key}}: 200 with the payload, {@code Content-Type:
 *       application/pkarr.org/relays#payload}, {@code Cache-Control: public, max-age=<ttl clamped
 *       to [min, max]>}, {@code Last-Modified} (signed timestamp, whole seconds; never after
 *       {@code Date}) and {@code Memento-Datetime} (last seen); 304 when {@code If-Modified-Since}
 *       is not before the signed timestamp at full precision ({@code ts <= IMS * 10^6}), or for
 *       {@code If-None-Match: *} (any other {@code If-None-Match} turns If-Modified-Since off);
 *       404 with an empty body and {@code Cache-Control: no-cache}; {@code
 *       ?policy=CacheOnly|CacheFirst|NetworkOnly} accepted (all read the store), anything else
 *       400.
 *   <li>{@code OPTIONS} anything: CORS preflight ({@link Cors}); {@code GET /}: the status page;
 *       {@code GET /healthz}: JSON health (never rate limited).
 * </ul>
 * The key is one path segment, percent-decoded, in any form {@link PublicKey#parsePkarr} reads
 * (bare z-base-32, {@code pk:<z32>}). Every request but {@code /healthz} first passes the
 * per-client rate limit (429), as in pkarr-relay. Failures map to statuses in {@link RelayError}
 * only.
 *
 * <p>Signatures are verified on the event loop that received the PUT (tens of microseconds): with
 * one event loop per core that already spreads them over every core, and a hop to a worker pool
 * would only add a thread switch. Cache hits are answered on the event loop; cache misses read
 * the store on a worker. One instance may serve every event loop.
 */
public final class RelayHandler implements Handler<HttpServerRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(RelayHandler.class);
  private static final Logger REJECT_EVENTS = LoggerFactory.getLogger("events.keyway.relay.http.rejected");
  private static final Logger PUBLISH_EVENTS = LoggerFactory.getLogger("events.keyway.relay.http.published");

  /** Largest body accepted: a full canonical packet, as pkarr-relay's {@code DefaultBodyLimit}. */
  public static final int MAX_BODY_BYTES = SignedPacket.MAX_BYTES;
  /** The payload media type of pkarr relays. */
  public static final String PAYLOAD_TYPE = "application/pkarr.org/relays#payload";
  static final String ALLOW_KEY = "GET, HEAD, PUT, OPTIONS";
  /** The methods of {@code /} and {@code /healthz}. */
  static final String ALLOW_READ_ONLY = "GET, HEAD, OPTIONS";
  static final String TEXT = "text/plain; charset=utf-8";
  private static final CharSequence CONTENT_TYPE = HttpHeaders.createOptimized("Content-Type");
  private static final CharSequence CONTENT_LENGTH = HttpHeaders.createOptimized("Content-Length");
  private static final CharSequence CACHE_CONTROL = HttpHeaders.createOptimized("Cache-Control");
  private static final CharSequence LAST_MODIFIED = HttpHeaders.createOptimized("Last-Modified");
  private static final CharSequence MEMENTO_DATETIME = HttpHeaders.createOptimized("Memento-Datetime");
  private static final CharSequence IF_MODIFIED_SINCE = HttpHeaders.createOptimized("If-Modified-Since");
  private static final CharSequence IF_NONE_MATCH = HttpHeaders.createOptimized("If-None-Match");
  private static final CharSequence NO_CACHE = HttpHeaders.createOptimized("no-cache");
  private static final CharSequence PAYLOAD_TYPE_VALUE = HttpHeaders.createOptimized(PAYLOAD_TYPE);
  /**
   * Packets signed within this many seconds before now have their Last-Modified checked against
   * the Date sent, which was set when the request arrived: a GET answered from the store on a
   * worker may be answered seconds after its Date. Older packets skip parsing Date.
   */
  private static final long DATE_PARSE_WINDOW_SECONDS = 60;
  /** How long a connection whose body is being refused may keep sending before it is closed. */
  static final long LINGER_MILLIS = 2_000;

  /**
   * What the handler needs to know.
   *
   * @param basePath route prefix, {@code "/"} or like {@code "/pkarr"} (no trailing slash)
   * @param minimumTtl lower clamp of max-age, seconds
   * @param maximumTtl upper clamp of max-age, seconds
   * @param maxFutureSkew largest accepted lead of a signed timestamp over the clock; zero: no check
   * @param behindProxy whether the rate limit keys on proxy headers ({@link ClientIp})
   * @param bodyTimeout how long a PUT's body may take to arrive in full. A payload is at most 1104
   *     bytes, so 30 s is generous for any real link; a client trickling bytes (which keeps the
   *     idle timeout from firing) gets 408 and its connection closed instead of holding it.
   */
  public record Settings(String basePath, long minimumTtl, long maximumTtl, Duration maxFutureSkew,
      boolean behindProxy, Duration bodyTimeout) {
    public Settings {
      Objects.requireNonNull(basePath, "basePath");
      Objects.requireNonNull(maxFutureSkew, "maxFutureSkew");
      if (bodyTimeout.isNegative() || bodyTimeout.isZero()) {
        throw new IllegalArgumentException("bodyTimeout must be positive, got " + bodyTimeout);
      }
      if (minimumTtl > maximumTtl) {
        throw new IllegalArgumentException("minimumTtl > maximumTtl");
      }
    }
  }

  private final Vertx vertx;
  private final Settings settings;
  private final PacketStore store;
  private final JdbcPacketStore jdbc;
  private final boolean nonBlockingGet;
  private final KeyedRateLimiter limiter;
  private final Clock clock;
  private final RelayMetrics metrics;
  private final StatusPage status;
  private final RequestRates rates;
  private final String prefix;
  private final long skewMicros;
  private final KeyCache keys = new KeyCache(65_536);
  /** PUT bodies being received, on any event loop. */
  private final AtomicInteger bodiesReceiving = new AtomicInteger();
  private final PutVerifier verifier;
  private final Cache<PublicKey, Rendered> rendered =
      Caffeine.newBuilder().maximumSize(65_536).executor(Runnable::run).build();
  /** Failures that last (a failed or overloaded store) as one line per kind per minute. */
  private final ThrottledLog failures;

  /**
   * @param limiter the per-client limiter, or null for none
   * @param clock "now" for the future-skew check
   */
  public RelayHandler(Vertx vertx, Settings settings, PacketStore store, KeyedRateLimiter limiter,
      Clock clock, RelayMetrics metrics, StatusPage status, RequestRates rates) {
    this(vertx, settings, store, store instanceof JdbcPacketStore j ? j : null, limiter, clock,
        metrics, status, rates);
  }

  /**
   * @param jdbc the JDBC store behind {@code store} when {@code store} wraps one (its read cache
   *     answers GETs on the event loop; writes still go through {@code store}), or null
   * @param limiter the per-client limiter, or null for none
   * @param clock "now" for the future-skew check
   */
  public RelayHandler(Vertx vertx, Settings settings, PacketStore store, JdbcPacketStore jdbc,
      KeyedRateLimiter limiter, Clock clock, RelayMetrics metrics, StatusPage status,
      RequestRates rates) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.store = Objects.requireNonNull(store, "store");
    this.jdbc = jdbc;
    this.nonBlockingGet = store instanceof InMemoryPacketStore;
    this.limiter = limiter;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.failures = new ThrottledLog(LOG, clock::millis, ThrottledLog.DEFAULT_INTERVAL);
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    metrics.bodiesReceiving(bodiesReceiving::get);
    this.status = Objects.requireNonNull(status, "status");
    this.rates = Objects.requireNonNull(rates, "rates");
    this.prefix = settings.basePath().equals("/") ? "" : settings.basePath();
    this.skewMicros = settings.maxFutureSkew().toNanos() / 1_000;
    // The batch's coefficients must be unpredictable to whoever signed the packets.
    this.verifier = new PutVerifier(new SecureRandom(), PutVerifier.DEFAULT_MAX_BATCH, metrics);
  }

  // ---------------------------------------------------------------------------------------------
  // Routing
  // ---------------------------------------------------------------------------------------------

  @Override
  public void handle(HttpServerRequest req) {
    try {
      route(req);
    } catch (RuntimeException e) {
      failures.error("relay handler failed unexpectedly", req.method() + " " + req.path(), e);
      if (!req.response().ended()) {
        fail(req, RelayError.internal(), "internal");
      }
    }
  }

  private void route(HttpServerRequest req) {
    String path = req.path();
    if (!path.startsWith(prefix)) {
      fail(req, RelayError.noRoute(), "no route");
      return;
    }
    String rest = path.substring(prefix.length());
    HttpMethod method = req.method();
    boolean healthz = rest.equals("/healthz");
    if (healthz && method != HttpMethod.OPTIONS) {
      healthz(req);
      return;
    }
    if (limiter != null && !admit(req)) {
      return;
    }
    boolean root = rest.isEmpty() || rest.equals("/");
    if (method == HttpMethod.OPTIONS) {
      options(req, root || healthz ? ALLOW_READ_ONLY : ALLOW_KEY);
      return;
    }
    if (root) {
      if (method == HttpMethod.GET || method == HttpMethod.HEAD) {
        statusPage(req);
      } else {
        fail(req, RelayError.methodNotAllowed(ALLOW_READ_ONLY), "method");
      }
      return;
    }
    if (rest.charAt(0) != '/' || rest.indexOf('/', 1) >= 0) {
      fail(req, RelayError.noRoute(), "no route");
      return;
    }
    boolean get = method == HttpMethod.GET || method == HttpMethod.HEAD;
    boolean put = method == HttpMethod.PUT;
    if (!get && !put) {
      fail(req, RelayError.methodNotAllowed(ALLOW_KEY), "method");
      return;
    }
    PublicKey key;
    try {
      key = keys.parse(decodeSegment(rest.substring(1)));
    } catch (InvalidInputException e) {
      if (put) {
        metrics.published(RelayMetrics.Publish.INVALID);
      } else {
        metrics.got(RelayMetrics.Get.INVALID);
      }
      fail(req, RelayError.badRequest(e.getMessage()), "bad key");
      return;
    }
    if (get) {
      get(req, key);
    } else {
      put(req, key);
    }
  }

  private boolean admit(HttpServerRequest req) {
    SocketAddress peer = req.remoteAddress();
    String ip = ClientIp.resolve(peer == null ? null : peer.hostAddress(),
        ClientIp.joined(req.headers()::getAll),
        settings.behindProxy());
    KeyedRateLimiter.Decision d = limiter.tryAcquire(ClientIp.bucketOf(ip));
    if (d.allowed()) {
      return true;
    }
    metrics.rateLimited();
    if (req.method() == HttpMethod.PUT) {
      metrics.published(RelayMetrics.Publish.RATE_LIMITED);
    } else if (req.method() == HttpMethod.GET || req.method() == HttpMethod.HEAD) {
      metrics.got(RelayMetrics.Get.RATE_LIMITED);
    }
    fail(req, RelayError.rateLimited(d.retryAfterSeconds()), "rate limited " + ip);
    return false;
  }

  private static String decodeSegment(String segment) {
    if (segment.indexOf('%') < 0) {
      return segment;
    }
    try {
      return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("invalid percent-encoding in key '" + segment + "'");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // GET / HEAD /{key}
  // ---------------------------------------------------------------------------------------------

  private void get(HttpServerRequest req, PublicKey key) {
    rates.get();
    String query = req.query();
    if (query != null) {
      List<String> policies;
      try {
        policies = req.params().getAll("policy");
      } catch (IllegalArgumentException e) {
        // Netty's decoder refuses broken percent-encoding ("?policy=%ZZ").
        metrics.got(RelayMetrics.Get.INVALID);
        fail(req, RelayError.badRequest("malformed query string: " + e.getMessage()), "bad query");
        return;
      }
      if (policies.size() > 1) {
        metrics.got(RelayMetrics.Get.INVALID);
        fail(req, RelayError.badRequest("duplicate field 'policy'"), "bad policy");
        return;
      }
      String policy = policies.isEmpty() ? null : policies.get(0);
      if (policy != null && !policy.equals("CacheFirst") && !policy.equals("CacheOnly")
          && !policy.equals("NetworkOnly")) {
        metrics.got(RelayMetrics.Get.INVALID);
        fail(req, RelayError.badRequest("invalid policy '" + policy
            + "': expected CacheOnly, CacheFirst or NetworkOnly"), "bad policy");
        return;
      }
    }
    if (jdbc != null) {
      StoredPacket cached;
      try {
        cached = jdbc.getIfCached(key);
      } catch (RuntimeException e) {
        getFailed(req, e);
        return;
      }
      if (cached != null) {
        answer(req, key, cached);
        return;
      }
    } else if (nonBlockingGet) {
      answer(req, key, store.get(key).orElse(null));
      return;
    }
    // A cache miss may read the database: off the event loop.
    vertx.executeBlocking(() -> (jdbc != null ? jdbc.getAfterMiss(key) : store.get(key)).orElse(null),
            false)
        .onComplete(ar -> {
          if (ar.succeeded()) {
            answer(req, key, ar.result());
          } else {
            getFailed(req, ar.cause());
          }
        });
  }

  private void getFailed(HttpServerRequest req, Throwable e) {
    RelayError err = RelayError.of(e);
    if (err.isServerError()) {
      Throwable cause = e instanceof java.util.concurrent.CompletionException c
          && c.getCause() != null ? c.getCause() : e;
      boolean known = cause instanceof PacketStoreException || err.status() == 503;
      // With its stack trace either way: the store does not log a failed read itself.
      failures.warn("GET failed with " + err.status() + (known ? ": the store could not be read"
          : ": unexpected error"), req.path() + ": " + cause, cause);
    }
    metrics.got(RelayMetrics.Get.ERROR);
    fail(req, err, "get failed");
  }

  /**
   * A packet's GET answer, rendered once per stored state: payload buffer (shared by every
   * response, Vert.x never releases it) and header values.
   */
  private record Rendered(StoredPacket source, Buffer body, CharSequence contentLength,
      CharSequence cacheControl, CharSequence lastModified, CharSequence memento,
      long timestampMicros) {}

  private Rendered render(PublicKey key, StoredPacket stored) {
    Rendered r = rendered.getIfPresent(key);
    if (r != null && r.source() == stored) {
      return r;
    }
    SignedPacket packet = stored.packet();
    byte[] payload = packet.toRelayPayload();
    r = new Rendered(stored,
        Buffer.buffer(payload),
        HttpHeaders.createOptimized(Integer.toString(payload.length)),
        HttpHeaders.createOptimized("public, max-age="
            + packet.ttl(settings.minimumTtl(), settings.maximumTtl())),
        HttpHeaders.createOptimized(HttpDates.formatMicros(packet.timestampMicros())),
        HttpHeaders.createOptimized(HttpDates.formatMicros(stored.lastSeenMicros())),
        packet.timestampMicros());
    rendered.put(key, r);
    return r;
  }

  private void answer(HttpServerRequest req, PublicKey key, StoredPacket stored) {
    if (stored == null) {
      metrics.got(RelayMetrics.Get.NOT_FOUND);
      HttpServerResponse res = req.response().setStatusCode(404);
      // A 404 is cacheable by default (RFC 9111 §4.2.2): a CDN could keep answering it after
      // the key is published.
      res.headers().set(CACHE_CONTROL, NO_CACHE);
      Cors.apply(req, res.headers());
      res.end();
      return;
    }
    Rendered r = render(key, stored);
    HttpServerResponse res = req.response();
    MultiMap h = res.headers();
    h.set(CONTENT_TYPE, PAYLOAD_TYPE_VALUE);
    h.set(CACHE_CONTROL, r.cacheControl());
    h.set(LAST_MODIFIED, lastModified(r, h));
    h.set(MEMENTO_DATETIME, r.memento());
    Cors.apply(req, h);
    if (notModified(req, r)) {
      metrics.got(RelayMetrics.Get.NOT_MODIFIED);
      res.setStatusCode(304).end();
      return;
    }
    metrics.got(RelayMetrics.Get.FOUND);
    if (req.method() == HttpMethod.HEAD) {
      h.set(CONTENT_LENGTH, r.contentLength());
      res.end();
    } else {
      res.end(r.body());
    }
  }

  /**
   * Whether a conditional GET/HEAD gets 304 (RFC 9110 §13.2.2). The relay sends no ETag, so an
   * {@code If-None-Match} matches only as {@code *} (the packet exists), and its presence
   * means {@code If-Modified-Since} is ignored (§13.1.3). If-Modified-Since is pkarr-relay's
   * rule: the signed timestamp, at full precision, not after the date.
   */
  private static boolean notModified(HttpServerRequest req, Rendered r) {
    String inm = req.getHeader(IF_NONE_MATCH);
    if (inm != null) {
      return inm.trim().equals("*");
    }
    Long ims = HttpDates.parse(req.getHeader(IF_MODIFIED_SINCE));
    return ims != null && ims <= Long.MAX_VALUE / 1_000_000L
        && r.timestampMicros() <= ims * 1_000_000L;
  }

  // ---------------------------------------------------------------------------------------------
  // PUT /{key}
  // ---------------------------------------------------------------------------------------------

  private void put(HttpServerRequest req, PublicKey key) {
    rates.put();
    long declared = contentLength(req);
    if (declared == -2) {
      metrics.published(RelayMetrics.Publish.INVALID);
      fail(req, RelayError.badRequest("invalid Content-Length"), "bad content-length");
      return;
    }
    if (declared > MAX_BODY_BYTES) {
      metrics.published(RelayMetrics.Publish.TOO_LARGE);
      fail(req, RelayError.tooLarge(MAX_BODY_BYTES), "too large (declared " + declared + ")");
      return;
    }
    String coding = BodyCodings.unsupportedTransferCoding(req);
    if (coding != null) {
      metrics.published(RelayMetrics.Publish.INVALID);
      fail(req, RelayError.unsupportedTransferCoding(coding), "transfer coding " + coding);
      return;
    }
    coding = BodyCodings.unsupportedContentCoding(req);
    if (coding != null) {
      metrics.published(RelayMetrics.Publish.INVALID);
      fail(req, RelayError.unsupportedContentCoding(coding), "content coding " + coding);
      return;
    }
    // Never a 1xx to an HTTP/1.0 client, which must not be sent one (RFC 9110 §15.2).
    if (req.version() != HttpVersion.HTTP_1_0
        && "100-continue".equalsIgnoreCase(req.getHeader("Expect"))) {
      req.response().writeContinue();
    }
    Buffer body = Buffer.buffer(declared > 0 ? (int) declared : 256);
    // The timer holds the request, its connection and the body: it is cancelled on every way
    // out (end, 413, a client gone mid-body), or aborted PUTs would pile up for the whole body
    // timeout (about 10 KB each; enough of them exhaust the heap).
    BodyWatch watch = new BodyWatch();
    watch.timer = vertx.setTimer(settings.bodyTimeout().toMillis(), t -> {
      if (!watch.finish() || req.isEnded() || req.response().closed()) {
        return; // answered, or the client is gone
      }
      metrics.published(RelayMetrics.Publish.TIMEOUT);
      fail(req, RelayError.bodyTimeout(settings.bodyTimeout()), "body not received in time ("
          + body.length() + " bytes)");
    });
    req.handler(chunk -> {
      if (watch.done) {
        return;
      }
      if (body.length() + chunk.length() > MAX_BODY_BYTES) {
        watch.finish();
        metrics.published(RelayMetrics.Publish.TOO_LARGE);
        fail(req, RelayError.tooLarge(MAX_BODY_BYTES), "too large (streamed)");
        return;
      }
      body.appendBuffer(chunk);
    });
    req.exceptionHandler(e -> {
      watch.finish();
      LOG.debug("PUT {} body failed: {}", req.path(), e.toString());
    });
    req.endHandler(v -> {
      if (watch.finish()) {
        publish(req, key, body.getBytes());
      }
    });
  }

  /**
   * Never a Last-Modified after Date (RFC 9110 §8.8.2.1): a packet signed ahead of the Date sent
   * (set when the request arrived, so possibly a second before this clock's now) is "modified"
   * at that Date until the clock passes it.
   */
  private CharSequence lastModified(Rendered r, MultiMap h) {
    long signedSecond = Math.floorDiv(r.timestampMicros(), 1_000_000L);
    if (signedSecond < Math.floorDiv(clock.millis(), 1_000L) - DATE_PARSE_WINDOW_SECONDS) {
      return r.lastModified(); // the common case, without parsing Date
    }
    Long dateSecond = HttpDates.parse(h.get(DateHeader.NAME));
    long limit = dateSecond != null ? dateSecond : Math.floorDiv(clock.millis(), 1_000L);
    return signedSecond > limit ? HttpDates.format(limit) : r.lastModified();
  }

  private void publish(HttpServerRequest req, PublicKey key, byte[] payload) {
    try {
      verifier.submit(vertx.getOrCreateContext(), key, payload, storedIfKnown(key),
          (packet, error) -> {
            if (error instanceof InvalidPacketException e) {
              invalid(req, e);
            } else if (error != null) {
              metrics.published(RelayMetrics.Publish.ERROR);
              failures.warn("PUT failed with 500: unexpected error while verifying",
                  error.toString(), error);
              fail(req, RelayError.internal(), "internal");
            } else {
              publishVerified(req, key, packet);
            }
          });
    } catch (InvalidPacketException e) {
      invalid(req, e);
    }
  }

  /** The stored packet of {@code key} if it can be had without blocking, else null. */
  private SignedPacket storedIfKnown(PublicKey key) {
    StoredPacket stored = jdbc != null ? jdbc.peekCached(key)
        : nonBlockingGet ? store.get(key).orElse(null) : null;
    return stored == null ? null : stored.packet();
  }

  private void invalid(HttpServerRequest req, InvalidPacketException e) {
    metrics.published(RelayMetrics.Publish.INVALID);
    fail(req, RelayError.badRequest(e.getMessage()), "invalid packet: " + e.reason());
  }

  private void publishVerified(HttpServerRequest req, PublicKey key, SignedPacket packet) {
    long now = Math.multiplyExact(clock.millis(), 1_000L);
    if (skewMicros > 0) {
      long ahead = packet.timestampMicros() - now;
      if (ahead > skewMicros) {
        metrics.published(RelayMetrics.Publish.INVALID);
        fail(req, RelayError.badRequest(tooFarAhead(packet.timestampMicros(), ahead, skewMicros)),
            "future timestamp");
        return;
      }
    }
    Context context = vertx.getOrCreateContext();
    store.upsert(packet).whenComplete((outcome, failure) -> context.runOnContext(v -> {
      if (failure != null) {
        RelayError err = RelayError.of(failure);
        metrics.published(err.status() == 503 ? RelayMetrics.Publish.OVERLOADED : RelayMetrics.Publish.ERROR);
        logStoreFailure(failure, err);
        fail(req, err, "store failed");
        return;
      }
      if (outcome == UpsertOutcome.STALE) {
        metrics.published(RelayMetrics.Publish.STALE);
        fail(req, RelayError.notMostRecent(), "not most recent");
        return;
      }
      metrics.published(switch (outcome) {
        case INSERTED -> RelayMetrics.Publish.INSERTED;
        case UPDATED -> RelayMetrics.Publish.UPDATED;
        default -> RelayMetrics.Publish.UNCHANGED;
      });
      if (PUBLISH_EVENTS.isDebugEnabled()) {
        PUBLISH_EVENTS.atDebug()
            .addKeyValue("key", key.fmtShort())
            .addKeyValue("outcome", outcome)
            .addKeyValue("ts", packet.timestampMicros())
            .addKeyValue("bytes", packet.length())
            .addKeyValue("client", ClientAddresses.format(req.remoteAddress()))
            .log();
      }
      HttpServerResponse res = req.response().setStatusCode(204);
      Cors.apply(req, res.headers());
      res.end();
    }));
  }

  /**
   * Logs a PUT the store refused, at most once a minute per kind: the store logs its own failure
   * once, as an ERROR, and {@code relay_publishes_total} counts every refusal, so a known
   * condition (full queue, failed or closed store) gets no stack trace; anything else does.
   */
  private void logStoreFailure(Throwable failure, RelayError err) {
    Throwable cause = failure;
    while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof PacketStoreException.Overloaded) {
      failures.warn("PUT refused with 503: the store's write queue is full", cause.getMessage(), null);
    } else if (cause instanceof PacketStoreException) {
      failures.warn("PUT refused with 500: the store failed", cause.getMessage(), null);
    } else if (err.status() == 503) {
      failures.warn("PUT refused with 503: the store is closed", cause.getMessage(), null);
    } else {
      failures.warn("PUT failed with " + err.status() + ": unexpected store error", cause.toString(),
          cause);
    }
  }

  /** Why a packet signed more than the allowed skew ahead of this server's clock is refused. */
  public static String tooFarAhead(long timestampMicros, long aheadMicros, long skewMicros) {
    return "timestamp " + timestampMicros + " is " + ceilSeconds(aheadMicros) + " s ahead of this"
        + " server's clock; at most " + skewMicros / 1_000_000 + " s is accepted (a packet from the"
        + " future would outrank every later update)";
  }

  /** Whole seconds of a positive microsecond span, rounded up (10.2 s ahead is not "10 s"). */
  private static long ceilSeconds(long micros) {
    return micros / 1_000_000 + (micros % 1_000_000 == 0 ? 0 : 1);
  }

  /** The declared body length, -1 when absent, -2 when malformed. */
  private static long contentLength(HttpServerRequest req) {
    String cl = req.getHeader("Content-Length");
    if (cl == null) {
      return -1;
    }
    try {
      long n = Long.parseLong(cl.trim());
      return n < 0 ? -2 : n;
    } catch (NumberFormatException e) {
      return -2;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Other routes
  // ---------------------------------------------------------------------------------------------

  /** {@code OPTIONS}: a CORS preflight, or the methods of the path ({@code allow}). */
  private void options(HttpServerRequest req, String allow) {
    HttpServerResponse res = req.response();
    if (Cors.isPreflight(req)) {
      Cors.preflight(req, res.headers());
      res.setStatusCode(200).end();
    } else {
      res.putHeader("Allow", allow);
      Cors.apply(req, res.headers());
      res.setStatusCode(204).end();
    }
  }

  private void statusPage(HttpServerRequest req) {
    String html = status.html(req.authority() == null ? null : req.authority().toString());
    HttpServerResponse res = req.response()
        .putHeader("Content-Type", "text/html; charset=utf-8")
        .putHeader("Cache-Control", "no-cache");
    Cors.apply(req, res.headers());
    res.end(html);
  }

  private void healthz(HttpServerRequest req) {
    if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
      fail(req, RelayError.methodNotAllowed(ALLOW_READ_ONLY), "method");
      return;
    }
    boolean up;
    try {
      store.count();
      up = jdbc == null || jdbc.isHealthy();
    } catch (RuntimeException e) {
      up = false;
    }
    HttpServerResponse res = req.response()
        .setStatusCode(up ? 200 : 503)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-cache");
    Cors.apply(req, res.headers());
    res.end(status.health(up).encode());
  }

  // ---------------------------------------------------------------------------------------------
  // Answers
  // ---------------------------------------------------------------------------------------------

  /**
   * Sends {@code err}. A request whose body is still arriving has it discarded; when that body
   * is larger than a packet or of unknown length, or its client waits for a 100 Continue before
   * sending it, it is not read to the end: over HTTP/1.x the connection is closed after the
   * answer (once the client stops sending, or after a short linger); over HTTP/2, where the
   * connection carries other streams and {@code Connection} is a forbidden header, only the
   * stream is reset with NO_ERROR after the complete answer, which RFC 9113 §8.1 defines as
   * "stop sending the request body".
   */
  private void fail(HttpServerRequest req, RelayError err, String reason) {
    HttpServerResponse res = req.response();
    if (res.ended()) {
      return;
    }
    boolean close = false;
    if (!req.isEnded()) {
      req.handler(b -> { });
      long declared = contentLength(req);
      // A body of unknown length: chunked, or an HTTP/2 stream still open. Without either
      // header an HTTP/1.1 body is empty (RFC 9112 §6.3), so the connection stays usable.
      boolean unknownLength = declared == -1 && req.method() == HttpMethod.PUT
          && (req.version() == HttpVersion.HTTP_2 || req.getHeader("Transfer-Encoding") != null);
      // A client that asked to be told to send its body may never send it now (RFC 9110
      // §10.1.1), and its next request would be read as that body: close, as hyper does.
      boolean bodyWithheld = declared > 0 && req.version() != HttpVersion.HTTP_2
          && "100-continue".equalsIgnoreCase(req.getHeader("Expect"));
      close = unknownLength || declared > MAX_BODY_BYTES || declared == -2 || err.status() == 408
          || bodyWithheld;
    }
    res.setStatusCode(err.status());
    MultiMap h = res.headers();
    for (Map.Entry<String, String> e : err.headers().entrySet()) {
      h.set(e.getKey(), e.getValue());
    }
    Cors.apply(req, h);
    boolean http2 = req.version() == HttpVersion.HTTP_2;
    if (close && !http2) {
      h.set("Connection", "close");
    }
    logRejected(req, err, reason);
    Future<Void> sent;
    if (err.message().isEmpty()) {
      sent = res.end();
    } else {
      h.set("Content-Type", TEXT);
      sent = res.end(err.message());
    }
    if (close) {
      if (http2) {
        // Only once the answer is written: a reset before that discards it.
        sent.onComplete(done -> res.reset(0));
      } else {
        lingerThenClose(req);
      }
    }
  }

  private void lingerThenClose(HttpServerRequest req) {
    var connection = req.connection();
    if (connection == null) {
      return;
    }
    long timer = vertx.setTimer(LINGER_MILLIS, t -> connection.close());
    req.endHandler(v -> {
      vertx.cancelTimer(timer);
      connection.close();
    });
  }

  /** One PUT body being received: its timeout timer and its place in {@link #bodiesReceiving}. */
  private final class BodyWatch {
    long timer;
    boolean done;

    BodyWatch() {
      bodiesReceiving.incrementAndGet();
    }

    /** Ends the watch; true the first time only (the request's handlers all run on its loop). */
    boolean finish() {
      if (done) {
        return false;
      }
      done = true;
      vertx.cancelTimer(timer);
      bodiesReceiving.decrementAndGet();
      return true;
    }
  }

  private void logRejected(HttpServerRequest req, RelayError err, String reason) {
    if (REJECT_EVENTS.isDebugEnabled()) {
      REJECT_EVENTS.atDebug()
          .addKeyValue("method", req.method().name())
          .addKeyValue("path", req.path())
          .addKeyValue("status", err.status())
          .addKeyValue("reason", reason)
          .addKeyValue("client", ClientAddresses.format(req.remoteAddress()))
          .log();
    }
  }
}
