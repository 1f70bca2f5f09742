package dev.keyway.dns.http;

import dev.keyway.client.keys.KeyFormatException;
import dev.keyway.client.packet.InvalidPacketException;
import dev.keyway.relay.store.PacketStoreException;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * An HTTP failure of the iroh API, and the one place where failures become HTTP statuses and
 * bodies. Every error response has iroh-dns-server's JSON body,
 * {@code {"status":"<code>","detail":<string or null>}}, except the rate limiter's 429, which
 * has iroh's (tower-governor's) text body.
 *
 * @param status HTTP status
 * @param detail human-readable reason, or null
 * @param headers extra response headers
 */
public record ApiError(int status, String detail, Map<String, String> headers) {

  /** 400 with a detail. */
  public static ApiError badRequest(String detail) {
    return new ApiError(400, detail, Map.of());
  }

  /** 404, no detail (iroh: unknown key). */
  public static ApiError notFound() {
    return new ApiError(404, null, Map.of());
  }

  /** 405 with the allowed methods. */
  public static ApiError methodNotAllowed(String allow) {
    return new ApiError(405, null, Map.of("allow", allow));
  }

  /** 406: the Accept header names no type this endpoint produces. */
  public static ApiError notAcceptable() {
    return new ApiError(406, null, Map.of());
  }

  /** 413: the body is larger than we read. */
  public static ApiError tooLarge(long limit) {
    return new ApiError(413, "request body larger than " + limit + " bytes", Map.of());
  }

  /** 415: the body is under a content coding this server does not decode. */
  public static ApiError unsupportedContentCoding(String coding) {
    return new ApiError(415, "Content-Encoding " + coding + " is not supported; send the body uncoded",
        Map.of("accept-encoding", dev.keyway.relay.http.BodyCodings.ACCEPTED_CONTENT_CODING));
  }

  /** 501: the body is under a transfer coding this server does not decode (RFC 9112 §6.1). */
  public static ApiError unsupportedTransferCoding(String coding) {
    return new ApiError(501, "Transfer-Encoding " + coding
        + " is not supported; send the body with Content-Length or as chunked alone", Map.of());
  }

  /** 429 with iroh's headers. */
  public static ApiError rateLimited(long retryAfterSeconds) {
    String s = Long.toString(retryAfterSeconds);
    return new ApiError(429, "Too Many Requests! Wait for " + s + "s",
        Map.of("x-ratelimit-after", s, "retry-after", s));
  }

  /**
   * Maps any failure to a response. Bad input is a 4xx naming what was wrong; an overloaded
   * store is 503 with Retry-After; anything else is a 500 whose detail reveals nothing.
   */
  public static ApiError of(Throwable failure) {
    Throwable e = failure instanceof java.util.concurrent.CompletionException c && c.getCause() != null
        ? c.getCause() : failure;
    if (e instanceof ApiError.Failure f) {
      return f.error;
    }
    if (e instanceof KeyFormatException k) {
      return badRequest("invalid key: " + k.getMessage());
    }
    if (e instanceof InvalidPacketException p) {
      return badRequest("invalid body payload: " + p.getMessage());
    }
    if (e instanceof PacketStoreException.Overloaded) {
      return new ApiError(503, "store overloaded, retry shortly", Map.of("retry-after", "1"));
    }
    return new ApiError(500, null, Map.of());
  }

  /** Writes this error as the response. */
  public void send(HttpServerResponse response) {
    if (response.ended() || response.headWritten()) {
      return;
    }
    response.setStatusCode(status);
    headers.forEach(response::putHeader);
    if (status == 429) {
      response.putHeader("content-type", "text/plain; charset=utf-8").end(detail);
      return;
    }
    JsonObject body = new JsonObject().put("status", Integer.toString(status)).put("detail", detail);
    response.putHeader("content-type", "application/json").end(body.encode());
  }

  /** Carries an {@link ApiError} through a future or a throw. */
  public static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient ApiError error;

    public Failure(ApiError error) {
      super(error.status + (error.detail == null ? "" : " " + error.detail), null, false, false);
      this.error = error;
    }

    public ApiError error() {
      return error;
    }
  }

  /** This error as a throwable. */
  public Failure asFailure() {
    return new Failure(this);
  }
}
