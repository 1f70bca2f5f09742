package dev.keyway.dns.http;

import dev.keyway.dns.DnsMetrics;
import dev.keyway.relay.http.ThrottledLog;
import dev.keyway.relay.store.PacketStoreException;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * iroh-dns-server's HTTP API as a Vert.x {@link Router} (the same routes serve HTTP and HTTPS):
 *
 * <table>
 *   <caption>Routes</caption>
 *   <tr><td>PUT /pkarr/{z32}</td><td>publish ({@link PkarrHandler}); the only rate-limited route</td></tr>
 *   <tr><td>GET /pkarr/{z32}</td><td>the stored packet</td></tr>
 *   <tr><td>GET, POST /dns-query</td><td>DoH and the JSON API ({@link DohHandler})</td></tr>
 *   <tr><td>GET /healthz</td><td>{@code {"status":"ok","version":…,"git_hash":"unknown"}}</td></tr>
 *   <tr><td>GET /healthcheck</td><td>{@code OK} (deprecated in iroh)</td></tr>
 *   <tr><td>GET /</td><td>{@code Hi!}</td></tr>
 * </table>
 * Other paths are 404, a known path with another method 405, both with iroh's JSON error body.
 * Request bodies are raw bytes whatever their {@code Content-Type}, as in iroh ({@code RawBody});
 * one larger than the route reads is a 413.
 * CORS: any origin, methods GET, POST, PUT. Every request is counted
 * ({@code dns_server_http_requests_*}), every refused PUT by why
 * ({@code dns_server_pkarr_publish_refused_total}). A 5xx is logged as a WARN at most once a
 * minute per kind ({@link ThrottledLog}): a failed or overloaded store refuses every PUT, and
 * the store logs its own failure once; only an unexpected failure comes with a stack trace.
 */
public final class IrohHttpApi {
  private static final Logger LOG = LoggerFactory.getLogger(IrohHttpApi.class);
  /** Largest PUT body read; a relay payload is at most 1072 bytes, anything bigger is a 400. */
  static final long MAX_PUT_BODY = 16 * 1024;

  private final PkarrHandler pkarr;
  private final DohHandler doh;
  private final DnsMetrics metrics;
  private final String version;
  private final LongSupplier nanoClock;
  private final java.util.function.BooleanSupplier healthy;
  private final java.time.Duration bodyTimeout;
  /** 5xx answers, logged at most once a minute per kind (a failed store fails every PUT). */
  private final ThrottledLog failures;

  /**
   * @param healthy whether the store can take writes; {@code /healthz} answers 503 when not
   * @param bodyTimeout how long a request body may take to arrive in full before 408
   */
  public IrohHttpApi(PkarrHandler pkarr, DohHandler doh, DnsMetrics metrics, String version,
      LongSupplier nanoClock, java.util.function.BooleanSupplier healthy,
      java.time.Duration bodyTimeout) {
    this.bodyTimeout = java.util.Objects.requireNonNull(bodyTimeout, "bodyTimeout");
    this.pkarr = pkarr;
    this.doh = doh;
    this.metrics = metrics;
    this.version = version;
    this.nanoClock = nanoClock;
    this.healthy = healthy;
    this.failures = new ThrottledLog(LOG, () -> nanoClock.getAsLong() / 1_000_000L,
        ThrottledLog.DEFAULT_INTERVAL);
  }

  /**
   * iroh's health answer; 503 with {@code "status":"unavailable"} when the store has failed
   * (iroh's is static), so a load balancer or supervisor can act on it.
   */
  private void healthz(io.vertx.ext.web.RoutingContext ctx) {
    boolean up = healthy.getAsBoolean();
    JsonObject body = new JsonObject().put("status", up ? "ok" : "unavailable")
        .put("version", version).put("git_hash", "unknown");
    if (!up) {
      body.put("reason", "the packet store failed and refuses writes until a restart");
    }
    ctx.response().setStatusCode(up ? 200 : 503)
        .putHeader("content-type", "application/json")
        .end(body.encode());
  }

  /** A router with every route; one per event loop, or one shared, both work. */
  public Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    router.route().handler(this::count);
    router.route().handler(RawBody::closeIfContinueWithheld);
    router.route().handler(IrohHttpApi::checkQuery);
    router.route().handler(CorsHandler.create()
        .addOrigin("*")
        .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT)));
    router.put("/pkarr/:key")
        .handler(RawBody.limit(MAX_PUT_BODY, bodyTimeout))
        .handler(pkarr::put);
    // HEAD wherever GET is, as axum's get() routes in iroh (monitors probe /healthz with HEAD);
    // Vert.x sends the headers of the GET answer without its body.
    router.get("/pkarr/:key").handler(pkarr::get);
    router.head("/pkarr/:key").handler(pkarr::get);
    router.get("/dns-query").handler(doh::get);
    router.head("/dns-query").handler(doh::get);
    router.post("/dns-query")
        .handler(RawBody.limit(DohHandler.MAX_BODY, bodyTimeout))
        .handler(doh::post);
    router.get("/healthz").handler(this::healthz);
    router.head("/healthz").handler(this::healthz);
    router.get("/healthcheck").handler(ctx -> text(ctx, "OK"));
    router.head("/healthcheck").handler(ctx -> text(ctx, "OK"));
    router.get("/").handler(ctx -> text(ctx, "Hi!"));
    router.head("/").handler(ctx -> text(ctx, "Hi!"));
    router.route().failureHandler(this::failure);
    router.errorHandler(404, ctx -> ApiError.notFound().send(ctx.response()));
    router.errorHandler(405, ctx -> ApiError.methodNotAllowed(allowed(ctx)).send(ctx.response()));
    router.errorHandler(413, ctx -> ApiError.tooLarge(bodyLimit(ctx)).send(ctx.response()));
    router.errorHandler(500, this::failure);
    return router;
  }

  private static String allowed(RoutingContext ctx) {
    String path = routedPath(ctx);
    if (path.startsWith("/pkarr/")) {
      return "GET, HEAD, PUT";
    }
    if (path.equals("/dns-query")) {
      return "GET, HEAD, POST";
    }
    return "GET, HEAD";
  }

  private static long bodyLimit(RoutingContext ctx) {
    return routedPath(ctx).startsWith("/pkarr/") ? MAX_PUT_BODY : DohHandler.MAX_BODY;
  }

  /** The path the router matched: normalised ("/./pkarr/k" and "//pkarr/k" are "/pkarr/k"). */
  private static String routedPath(RoutingContext ctx) {
    String normalized = ctx.normalizedPath();
    String path = normalized != null ? normalized : ctx.request().path();
    return path != null ? path : "";
  }

  private static void text(RoutingContext ctx, String body) {
    ctx.response().putHeader("content-type", "text/plain; charset=utf-8").end(body);
  }

  private void count(RoutingContext ctx) {
    long start = nanoClock.getAsLong();
    // A request whose client left before the answer was written counts as an error, not as the
    // status the response object still holds (200 unless set).
    ctx.addEndHandler(v -> metrics.http(v.succeeded() ? ctx.response().getStatusCode() : 0,
        nanoClock.getAsLong() - start));
    ctx.next();
  }

  /** Whether a '%' in {@code path} is not followed by two hex digits. */
  static boolean hasBrokenEscape(String path) {
    if (path == null) {
      return false;
    }
    for (int i = path.indexOf('%'); i >= 0; i = path.indexOf('%', i + 1)) {
      if (i + 2 >= path.length() || Character.digit(path.charAt(i + 1), 16) < 0
          || Character.digit(path.charAt(i + 2), 16) < 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * Broken percent-encoding in the query string ({@code ?name=%ZZ}) or the path ({@code /%ZZ})
   * is a 400 here, before any route decodes them: Netty's decoder throws, which was a 500 in the
   * DoH JSON API, and Vert.x Web's path matching throws, which was a bare 400 with an ERROR and a
   * stack trace in the log for every such request.
   */
  private static void checkQuery(RoutingContext ctx) {
    if (hasBrokenEscape(ctx.request().path())) {
      ctx.fail(ApiError.badRequest("malformed percent-encoding in the path").asFailure());
      return;
    }
    if (ctx.request().query() != null) {
      try {
        ctx.request().params();
      } catch (IllegalArgumentException e) {
        ctx.fail(ApiError.badRequest("malformed query string: " + e.getMessage()).asFailure());
        return;
      }
    }
    ctx.next();
  }

  private void failure(RoutingContext ctx) {
    Throwable f = ctx.failure();
    ApiError error;
    if (f == null) {
      int code = ctx.statusCode();
      error = code == 413 ? ApiError.tooLarge(bodyLimit(ctx))
          : new ApiError(code > 0 ? code : 500, null, java.util.Map.of());
    } else {
      error = ApiError.of(f);
    }
    // Every spelling of the route counts, as the router matched it.
    boolean publish = ctx.request().method() == HttpMethod.PUT && routedPath(ctx).startsWith("/pkarr/");
    if (publish) {
      metrics.publishRefused(error.status());
    }
    if (error.status() >= 500 && error.status() != 501) {
      logServerError(ctx, f, error, publish);
    }
    error.send(ctx.response());
  }

  /**
   * One line per kind per minute, with a stack trace only for what is not a known condition of
   * the store (its failure, a full write queue, its close at shutdown).
   */
  private void logServerError(RoutingContext ctx, Throwable f, ApiError error, boolean publish) {
    String what = publish ? "PUT /pkarr" : "request";
    String where = ctx.request().method() + " " + ctx.request().path() + ": ";
    Throwable cause = f instanceof java.util.concurrent.CompletionException c && c.getCause() != null
        ? c.getCause() : f;
    if (cause == null) {
      failures.warn(what + " answered " + error.status(), where + "status " + ctx.statusCode(), null);
    } else if (cause instanceof ApiError.Failure) {
      failures.warn(what + " answered " + error.status(), where + cause.getMessage(), null);
    } else if (cause instanceof PacketStoreException.Overloaded) {
      failures.warn(what + " refused with 503: the store's write queue is full",
          where + cause.getMessage(), null);
    } else if (cause instanceof PacketStoreException) {
      // A failed write is logged by the store itself (once, with its cause); a failed read is
      // not, so it keeps its stack trace here.
      failures.warn(what + " refused with " + error.status() + ": the store failed",
          where + cause.getMessage(), publish ? null : cause);
    } else if (cause instanceof IllegalStateException
        && String.valueOf(cause.getMessage()).contains("store is closed")) {
      failures.warn(what + " refused with " + error.status() + ": the store is closed",
          where + cause.getMessage(), null);
    } else {
      failures.warn(what + " failed with " + error.status() + ": unexpected error",
          where + cause, cause);
    }
  }
}
