package dev.keyway.relay.http;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.List;
import java.util.Locale;

/**
 * The codings a request body may arrive in. A relay payload or a DNS message is read as the raw
 * bytes sent, so a body under any other coding would be stored or parsed as if it were those
 * bytes: a client that compressed its PUT got a 400 about a bad signature, or, with a payload
 * that happened to verify under a {@code x-custom, chunked} label, a 204 for bytes it said were
 * coded. These checks let the handlers say what is wrong instead.
 *
 * <ul>
 *   <li>Transfer codings (HTTP/1.1): only {@code chunked}. Netty already refuses a
 *       {@code Transfer-Encoding} whose last coding is not {@code chunked} (400, as RFC 9112
 *       §6.3 requires); anything before it, e.g. {@code gzip, chunked}, is a coding this server
 *       does not implement, which RFC 9112 §6.1 answers with 501.
 *   <li>Content codings: only {@code identity}. RFC 9110 §15.5.16 answers other ones with 415
 *       and an {@code Accept-Encoding} naming what would be accepted.
 * </ul>
 * pkarr-relay and iroh-dns-server (hyper) ignore both headers and read the bytes as sent; no
 * pkarr or iroh client sends either.
 */
public final class BodyCodings {
  /** The {@code Accept-Encoding} of a 415 for a content coding: no coding at all. */
  public static final String ACCEPTED_CONTENT_CODING = "identity";

  private BodyCodings() {}

  /**
   * The first transfer coding of {@code req} other than {@code chunked}, or null if there is
   * none. HTTP/2 has no transfer codings (RFC 9113 §8.2.2: such a request is malformed, and
   * Netty refuses it before it reaches a handler).
   */
  public static String unsupportedTransferCoding(HttpServerRequest req) {
    if (req.version() == HttpVersion.HTTP_2) {
      return null;
    }
    return firstOtherThan(req.headers().getAll("Transfer-Encoding"), "chunked");
  }

  /** The first content coding of {@code req} other than {@code identity}, or null if none. */
  public static String unsupportedContentCoding(HttpServerRequest req) {
    return firstOtherThan(req.headers().getAll("Content-Encoding"), "identity");
  }

  /** Codings are case-insensitive tokens in comma-separated lists, each with optional parameters. */
  static String firstOtherThan(List<String> headerValues, String allowed) {
    for (String value : headerValues) {
      for (String item : value.split(",", -1)) {
        int semicolon = item.indexOf(';');
        String coding = (semicolon < 0 ? item : item.substring(0, semicolon)).trim();
        if (!coding.isEmpty() && !coding.toLowerCase(Locale.ROOT).equals(allowed)) {
          return coding;
        }
      }
    }
    return null;
  }
}
