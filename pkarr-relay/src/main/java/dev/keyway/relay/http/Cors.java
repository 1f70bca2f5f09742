package dev.keyway.relay.http;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

/**
 * CORS as pkarr-relay (tower-http's {@code CorsLayer::very_permissive()} plus an expose list):
 * the request's {@code Origin} is mirrored with credentials allowed, preflights mirror the
 * requested method and headers, and {@code Pkarr-Invalid-Signed-Packet-Seq},
 * {@code Pkarr-Dht-Stored-Nodes} and (a keyway addition, so browsers can read it)
 * {@code Memento-Datetime} are exposed. Requests without {@code Origin} get no CORS headers,
 * but every response carries tower-http's {@code Vary}: the answer depends on those request
 * headers, and a shared cache must not hand a browser the variant made without them.
 * Unlike pkarr-relay, 429 answers carry CORS headers too, so a browser client can tell it was
 * rate limited (pkarr#277).
 */
public final class Cors {
  /** Response headers a browser may read beyond the safelisted ones. */
  public static final String EXPOSED =
      "Pkarr-Invalid-Signed-Packet-Seq, Pkarr-Dht-Stored-Nodes, Memento-Datetime, Retry-After";
  static final String VARY = "origin, access-control-request-method, access-control-request-headers";
  // Pre-encoded like the relay's other header names: Vary goes on every answer.
  private static final CharSequence VARY_NAME = HttpHeaders.createOptimized("Vary");
  private static final CharSequence VARY_VALUE = HttpHeaders.createOptimized(VARY);

  private Cors() {}

  /** Adds the CORS headers of a normal (non-preflight) response. */
  public static void apply(HttpServerRequest req, MultiMap out) {
    out.set(VARY_NAME, VARY_VALUE);
    String origin = req.getHeader("Origin");
    if (origin == null) {
      return;
    }
    out.set("Access-Control-Allow-Origin", origin);
    out.set("Access-Control-Allow-Credentials", "true");
    out.set("Access-Control-Expose-Headers", EXPOSED);
  }

  /** Whether {@code req} is a CORS preflight. */
  public static boolean isPreflight(HttpServerRequest req) {
    return req.getHeader("Origin") != null && req.getHeader("Access-Control-Request-Method") != null;
  }

  /** Adds the headers of a preflight answer (status 200, no body). */
  public static void preflight(HttpServerRequest req, MultiMap out) {
    out.set("Access-Control-Allow-Origin", req.getHeader("Origin"));
    out.set("Access-Control-Allow-Credentials", "true");
    out.set("Access-Control-Allow-Methods", req.getHeader("Access-Control-Request-Method"));
    String headers = req.getHeader("Access-Control-Request-Headers");
    if (headers != null) {
      out.set("Access-Control-Allow-Headers", headers);
    }
    out.set(VARY_NAME, VARY_VALUE);
  }
}
