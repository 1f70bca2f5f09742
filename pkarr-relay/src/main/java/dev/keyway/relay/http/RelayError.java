package dev.keyway.relay.http;

import dev.keyway.client.InvalidInputException;
import dev.keyway.client.packet.InvalidPacketException;
import dev.keyway.relay.store.PacketStoreException;
import java.util.Map;
import java.util.concurrent.CompletionException;

/**
 * The one place where failures become HTTP statuses (iroh-dns-server's {@code AppError}). Every
 * non-2xx answer of the relay is one of these, with a short plain-text body a person can read;
 * no stack trace ever reaches a client.
 *
 * <table>
 * <caption>mapping</caption>
 * <tr><td>bad key, bad payload, bad signature, bad DNS, bad policy, timestamp too far ahead</td>
 *     <td>400, the parser's message</td></tr>
 * <tr><td>body over 1104 bytes</td><td>413</td></tr>
 * <tr><td>body under a content coding ({@code Content-Encoding: gzip})</td><td>415 with
 *     {@code Accept-Encoding: identity}</td></tr>
 * <tr><td>body under a transfer coding other than chunked ({@code gzip, chunked})</td><td>501,
 *     connection closed</td></tr>
 * <tr><td>body not complete within {@code request_body_timeout}</td><td>408, connection
 *     closed</td></tr>
 * <tr><td>a more recent packet is stored</td><td>409</td></tr>
 * <tr><td>rate limited</td><td>429 with Retry-After</td></tr>
 * <tr><td>store queue full, store closed (shutting down)</td><td>503 with Retry-After</td></tr>
 * <tr><td>anything else (database failure, bug)</td><td>500, details only in the log</td></tr>
 * </table>
 *
 * @param status the HTTP status
 * @param message the body; empty for 404
 * @param headers extra response headers
 */
public record RelayError(int status, String message, Map<String, String> headers) {

  /** A 400 with {@code message}. */
  public static RelayError badRequest(String message) {
    return new RelayError(400, message, Map.of());
  }

  /** The 404 of an unknown key: empty body, as pkarr-relay. */
  public static RelayError notFound() {
    return new RelayError(404, "", Map.of());
  }

  /** A 404 for a path that is not a route. */
  public static RelayError noRoute() {
    return new RelayError(404, "Not Found", Map.of());
  }

  /** 405 with the methods the route allows. */
  public static RelayError methodNotAllowed(String allow) {
    return new RelayError(405, "Method Not Allowed", Map.of("Allow", allow));
  }

  /** 409: the store holds a more recent packet for the key. */
  public static RelayError notMostRecent() {
    return new RelayError(409, "Conflict: a more recent packet is already stored for this key", Map.of());
  }

  /** 413: the body is over {@code limit} bytes. */
  public static RelayError tooLarge(long limit) {
    return new RelayError(413, "Payload Too Large: a relay payload is at most " + limit + " bytes", Map.of());
  }

  /** 415: the body is under a content coding this relay does not decode. */
  public static RelayError unsupportedContentCoding(String coding) {
    return new RelayError(415, "Unsupported Media Type: Content-Encoding " + coding
        + " is not supported; send the body uncoded",
        Map.of("Accept-Encoding", BodyCodings.ACCEPTED_CONTENT_CODING));
  }

  /** 501: the body is under a transfer coding this relay does not decode (RFC 9112 §6.1). */
  public static RelayError unsupportedTransferCoding(String coding) {
    return new RelayError(501, "Not Implemented: Transfer-Encoding " + coding
        + " is not supported; send the body with Content-Length or as chunked alone", Map.of());
  }

  /** 408: the request body did not arrive within {@code limit}; the connection is closed. */
  public static RelayError bodyTimeout(java.time.Duration limit) {
    return new RelayError(408, "Request Timeout: the body did not arrive within "
        + dev.keyway.relay.config.Durations.format(limit), Map.of());
  }

  /** 429 with pkarr-relay's (tower-governor's) body and headers. */
  public static RelayError rateLimited(long retryAfterSeconds) {
    String s = Long.toString(retryAfterSeconds);
    return new RelayError(429, "Too Many Requests! Wait for " + s + "s",
        Map.of("Retry-After", s, "x-ratelimit-after", s));
  }

  /** 503: try again shortly. */
  public static RelayError unavailable(String message) {
    return new RelayError(503, message, Map.of("Retry-After", "1"));
  }

  /** 500 with a generic body; the cause goes to the log only. */
  public static RelayError internal() {
    return new RelayError(500, "Internal Server Error", Map.of());
  }

  /** The status and body for a failure thrown while handling a request. */
  public static RelayError of(Throwable failure) {
    Throwable t = failure;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof InvalidPacketException e) {
      return badRequest(e.getMessage());
    }
    if (t instanceof InvalidInputException e) {
      return badRequest(e.getMessage());
    }
    if (t instanceof PacketStoreException.Overloaded) {
      return unavailable("Service Unavailable: the store is busy, retry shortly");
    }
    if (t instanceof IllegalStateException e && String.valueOf(e.getMessage()).contains("closed")) {
      return unavailable("Service Unavailable: the relay is shutting down");
    }
    return internal();
  }

  /**
   * Whether this is the server's fault (logged as a warning, not as a rejected input). A 501
   * is the client's choice of a coding this server does not implement, not a fault.
   */
  public boolean isServerError() {
    return status >= 500 && status != 501;
  }
}
