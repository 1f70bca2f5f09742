package dev.keyway.relay.ratelimit;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Which address a request counts against.
 *
 * <p>Directly exposed ({@code behindProxy = false}) it is always the TCP peer: headers are
 * ignored, since any client can write them. Behind a reverse proxy ({@code behindProxy = true})
 * it is the address the proxy saw: the <em>last</em> entry of {@code X-Forwarded-For} that is an
 * IP address (proxies append the peer they saw to whatever the client sent; every header line
 * counts, in order, as HAProxy adds a line of its own), else {@code X-Real-IP}, else the last
 * {@code for=} of {@code Forwarded} (RFC 7239), else the peer. Entries that are not IP addresses
 * ("unknown", obfuscated RFC 7239 nodes) are skipped.
 *
 * <p>tower-governor's {@code SmartIpKeyExtractor}, which pkarr-relay uses, takes the
 * <em>first</em> entry instead: a client that sends its own {@code X-Forwarded-For} then picks
 * its bucket, so a rate limit behind nginx's {@code $proxy_add_x_forwarded_for}, AWS ALB or
 * Cloudflare limits nobody. The last entry is the one a client cannot write. With more than one
 * proxy in front (a CDN, then nginx), make the inner proxy rewrite the address (nginx
 * {@code real_ip_header}/{@code set_real_ip_from}), or every client behind one CDN edge shares
 * a bucket. Unlike iroh-dns-server's "smart" mode, which by reading its source keys on the peer
 * anyway, the proxy mode here really uses the forwarded address (tested). Turn it on only when
 * the server is reachable through the proxy alone.
 */
public final class ClientIp {
  private ClientIp() {}

  /**
   * The client address.
   *
   * @param peer the TCP peer's address as text (an IP literal)
   * @param header request header lookup by name (case-insensitive): every line of that header
   *     joined with commas, in order; null when absent
   */
  public static String resolve(String peer, Function<String, String> header, boolean behindProxy) {
    if (behindProxy) {
      String ip = lastListed(header.apply("X-Forwarded-For"));
      if (ip == null) {
        ip = ipOrNull(header.apply("X-Real-IP"));
      }
      if (ip == null) {
        ip = forwardedFor(header.apply("Forwarded"));
      }
      if (ip != null) {
        return ip;
      }
    }
    return peer == null ? "unknown" : peer;
  }

  /**
   * The rate-limit bucket of a client address from {@link #resolve}: an IPv4 address itself; an
   * IPv6 address its /64, in canonical form (a host picks any of the 2^64 addresses of its
   * network at will, so a bucket per address limits nobody; {@code 2001:db8::1} and
   * {@code 2001:0db8:0::1} are one client); an IPv4-mapped IPv6 address its IPv4 address.
   */
  public static String bucketOf(String ip) {
    if (ip == null || ip.indexOf(':') < 0) {
      return ip;
    }
    int zone = ip.indexOf('%');
    String literal = zone >= 0 ? ip.substring(0, zone) : ip;
    if (!isIpv6(literal)) {
      return ip;
    }
    // Netty's parser never asks a resolver (InetAddress.getByName would, for ".:1").
    byte[] b = io.netty.util.NetUtil.createByteArrayFromIpAddressString(literal);
    if (b == null) {
      return ip;
    }
    if (b.length == 16 && isV4Mapped(b)) {
      b = java.util.Arrays.copyOfRange(b, 12, 16);
    }
    if (b.length == 4) {
      return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + "." + (b[3] & 0xff);
    }
    StringBuilder out = new StringBuilder(24);
    for (int i = 0; i < 8; i += 2) {
      out.append(Integer.toHexString((b[i] & 0xff) << 8 | (b[i + 1] & 0xff))).append(':');
    }
    return out.append(":/64").toString();
  }

  /** {@code ::ffff:a.b.c.d}. */
  private static boolean isV4Mapped(byte[] b) {
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
  }

  /** The last entry of a comma-separated list that is an IP address. */
  private static String lastListed(String value) {
    if (value == null) {
      return null;
    }
    String[] entries = value.split(",");
    for (int i = entries.length - 1; i >= 0; i--) {
      String ip = ipOrNull(entries[i]);
      if (ip != null) {
        return ip;
      }
    }
    return null;
  }

  /** The last {@code for=} node of a {@code Forwarded} header that is an IP address. */
  private static String forwardedFor(String value) {
    if (value == null) {
      return null;
    }
    String last = null;
    for (String element : value.split(",")) {
      for (String pair : element.split(";")) {
        int eq = pair.indexOf('=');
        if (eq > 0 && pair.substring(0, eq).trim().toLowerCase(Locale.ROOT).equals("for")) {
          String ip = ipOrNull(pair.substring(eq + 1));
          if (ip != null) {
            last = ip;
          }
        }
      }
    }
    return last;
  }

  /**
   * A header lookup for {@link #resolve} over a request's headers: all lines of the header
   * joined with commas (RFC 9110 §5.3), null when absent.
   *
   * @param all every value of a header by name, in order (empty when absent)
   */
  public static Function<String, String> joined(Function<String, List<String>> all) {
    return name -> {
      List<String> values = all.apply(name);
      return values == null || values.isEmpty() ? null : String.join(",", values);
    };
  }

  /**
   * The IP literal in {@code text} (trimmed; quotes, {@code [v6]} brackets and a {@code :port}
   * removed), or null if it is not one. Normalises case so one client maps to one bucket.
   */
  static String ipOrNull(String text) {
    if (text == null) {
      return null;
    }
    String s = text.trim();
    if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
      s = s.substring(1, s.length() - 1).trim();
    }
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0) {
        return null;
      }
      s = s.substring(1, close);
      return isIpv6(s) ? s.toLowerCase(Locale.ROOT) : null;
    }
    int colon = s.indexOf(':');
    if (colon >= 0 && s.indexOf(':', colon + 1) < 0) {
      s = s.substring(0, colon); // IPv4 with a port
    }
    if (isIpv4(s)) {
      return s;
    }
    return isIpv6(s) ? s.toLowerCase(Locale.ROOT) : null;
  }

  private static boolean isIpv4(String s) {
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)
          || Integer.parseInt(p) > 255) {
        return false;
      }
    }
    return true;
  }

  private static boolean isIpv6(String s) {
    if (s.length() < 2 || s.length() > 45 || s.indexOf(':') < 0) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = Character.digit(c, 16) >= 0 || c == ':' || c == '.';
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
