package dev.keyway.ops.cli;

import dev.keyway.client.InvalidInputException;
import dev.keyway.client.resolve.PkarrHttp;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;

/** Parsing shared by {@code keyway resolve} and {@code keyway publish}; bad text is exit 2. */
final class ClientOptions {
  /** The local {@code keyway up}: DNS. */
  static final String LOCAL_DNS = "127.0.0.1:5300";
  /** The local {@code keyway up}: origin. */
  static final String LOCAL_ORIGIN = "keyway.localhost.";
  /** The local {@code keyway up}: the iroh-dns-server style relay API. */
  static final String LOCAL_RELAY = "http://127.0.0.1:8080/pkarr";

  private ClientOptions() {}

  /** {@code HOST:PORT}, {@code [V6]:PORT}, or a bare host (port 53). */
  static InetSocketAddress hostPort(String text) {
    String t = text.strip();
    String host;
    int port = 53;
    if (t.startsWith("[")) {
      int end = t.indexOf(']');
      if (end < 0) {
        throw new InvalidInputException("invalid DNS server '" + text + "': missing ']'");
      }
      host = t.substring(1, end);
      String rest = t.substring(end + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          throw new InvalidInputException("invalid DNS server '" + text + "': expected [IPv6]:PORT");
        }
        port = port(text, rest.substring(1));
      }
    } else {
      int colon = t.lastIndexOf(':');
      if (colon >= 0 && t.indexOf(':') == colon) {
        host = t.substring(0, colon);
        port = port(text, t.substring(colon + 1));
      } else {
        host = t; // a bare name, IPv4, or an unbracketed IPv6 literal
      }
    }
    if (host.isEmpty()) {
      throw new InvalidInputException("invalid DNS server '" + text + "': no host");
    }
    return new InetSocketAddress(host, port);
  }

  private static int port(String text, String p) {
    try {
      int port = Integer.parseInt(p);
      if (port < 1 || port > 65535) {
        throw new NumberFormatException();
      }
      return port;
    } catch (NumberFormatException e) {
      throw new InvalidInputException("invalid port in '" + text + "': expected 1..65535");
    }
  }

  /** An http(s) relay base URL. */
  static URI relay(String text) {
    String t = text.strip();
    if (!t.contains("://")) {
      throw new InvalidInputException("relay URL '" + text + "' has no scheme: expected e.g. "
          + "http://" + t + " (a pkarr relay) or http://" + t + "/pkarr (an iroh-dns-server)");
    }
    try {
      return PkarrHttp.relayBase(t);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(e.getMessage());
    }
  }

  /** An http(s) URL, e.g. a DoH endpoint. */
  static URI httpUrl(String text) {
    URI u;
    try {
      u = new URI(text.strip());
    } catch (java.net.URISyntaxException e) {
      throw new InvalidInputException("invalid URL '" + text + "': " + e.getMessage());
    }
    String s = u.getScheme() == null ? "" : u.getScheme().toLowerCase(java.util.Locale.ROOT);
    if (!(s.equals("http") || s.equals("https")) || u.getHost() == null) {
      throw new InvalidInputException("expected an http(s) URL with a host, got '" + text + "'");
    }
    return u;
  }

  /** Seconds, possibly fractional, greater than zero. */
  static Duration seconds(String option, double s) {
    if (!(s > 0) || s > 86_400) {
      throw new InvalidInputException(option + " must be more than 0 and at most 86400 seconds, got " + s);
    }
    return Duration.ofNanos(Math.round(s * 1e9));
  }
}
