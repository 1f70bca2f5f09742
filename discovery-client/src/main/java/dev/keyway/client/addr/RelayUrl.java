package dev.keyway.client.addr;

/**
 * The URL of a relay server, normalised exactly as iroh's {@code RelayUrl} (a Rust {@code url::Url})
 * prints it, so that equal URLs compare equal and tickets and TXT records are byte-identical to
 * iroh's.
 *
 * <p>Normalisation (WHATWG URL standard, as the Rust {@code url} crate implements it): scheme and
 * host lowercased, default port dropped, an empty path becomes {@code /}, dot segments removed,
 * unsafe characters percent-encoded. {@code https://example.com} becomes
 * {@code https://example.com/}; a trailing dot in the host is kept ({@code https://example.com.}
 * becomes {@code https://example.com./}, a different URL). iroh 1.0 does not add or remove that
 * dot; n0's own relays are published with it.
 *
 * <h2>What is accepted</h2>
 * Only {@code http}, {@code https}, {@code ws} and {@code wss} URLs with a host. iroh would accept
 * any URL the {@code url} crate parses ({@code mailto:x}, {@code foo://bar}) as a relay URL, but no
 * relay can be reached at such a URL; keyway rejects them with an {@link AddrFormatException}
 * naming the scheme. Consequences: a ticket containing such a relay URL fails to decode (with a
 * {@code TicketFormatException}); a {@code relay=} TXT value with one is skipped, as iroh skips
 * relay values it cannot parse. Host names must be ASCII (internationalised names in their
 * {@code xn--} form); a URL that iroh serialised always is.
 *
 * <p>{@link #equals}, {@link #hashCode} and {@link #compareTo} use the normalised string; as it is
 * ASCII, Java's string order equals Rust's byte order.
 */
public final class RelayUrl implements Comparable<RelayUrl> {
  private final String url;
  private final String scheme;
  private final String host;
  private final int port;

  private RelayUrl(UrlNormalizer.Parsed parsed) {
    this.url = parsed.serialization();
    this.scheme = parsed.scheme();
    this.host = parsed.host();
    this.port = parsed.port() >= 0 ? parsed.port() : (scheme.equals("http") || scheme.equals("ws") ? 80 : 443);
  }

  /**
   * Parses and normalises a relay URL.
   *
   * @throws AddrFormatException if it is not an http, https, ws or wss URL with a valid host
   */
  public static RelayUrl parse(String text) {
    return new RelayUrl(UrlNormalizer.parse(text));
  }

  /** The lowercase scheme: {@code http}, {@code https}, {@code ws} or {@code wss}. */
  public String scheme() {
    return scheme;
  }

  /**
   * The host as it appears in the URL: a lowercase domain name (possibly with a trailing dot), a
   * dotted IPv4 address, or a bracketed IPv6 address.
   */
  public String host() {
    return host;
  }

  /** The port to connect to: the explicit one, or the scheme's default (80 or 443). */
  public int port() {
    return port;
  }

  @Override
  public int compareTo(RelayUrl other) {
    return url.compareTo(other.url);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RelayUrl other && url.equals(other.url);
  }

  @Override
  public int hashCode() {
    return url.hashCode();
  }

  /** The normalised URL, e.g. {@code https://use1-1.relay.n0.iroh.link./}. */
  @Override
  public String toString() {
    return url;
  }
}
