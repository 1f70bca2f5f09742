package dev.keyway.client.addr;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses and serialises http, https, ws and wss URLs the way the Rust {@code url} crate (WHATWG URL
 * standard) does, so that a {@link RelayUrl} prints exactly as iroh's does.
 *
 * <p>Implemented for these "special" schemes: trimming of leading/trailing C0 controls and spaces
 * and removal of tabs and newlines; scheme lowercasing; {@code \} as {@code /}; any number of
 * slashes after the scheme; credentials; host lowercasing and percent-decoding; IPv4 hosts in all
 * WHATWG forms ({@code 0x7f.1} is {@code 127.0.0.1}); bracketed IPv6 hosts, compressed; default
 * port dropped; dot segments removed; percent-encoding of path, query and fragment with the
 * standard's sets. Output is always ASCII.
 *
 * <p>Deliberately not implemented (rejected with a clear error): other schemes, and hosts that
 * are not ASCII after percent-decoding (IDNA mapping; write such names as {@code xn--} A-labels,
 * which are taken as they are, lowercased, without punycode validation).
 */
final class UrlNormalizer {
  static final List<String> SCHEMES = List.of("http", "https", "ws", "wss");

  /** A parsed URL: host as serialised (domain, dotted IPv4 or bracketed IPv6); port -1 = default. */
  record Parsed(String scheme, String host, int port, String serialization) {}

  private static final int PATH = 1;
  private static final int QUERY = 2;
  private static final int FRAGMENT = 3;
  private static final int USERINFO = 4;

  private final String original;

  private UrlNormalizer(String original) {
    this.original = original;
  }

  static Parsed parse(String input) {
    return new UrlNormalizer(input).run();
  }

  private Parsed run() {
    String s = clean(original);
    int colon = schemeEnd(s);
    String scheme = s.substring(0, colon).toLowerCase(Locale.ROOT);
    if (!SCHEMES.contains(scheme)) {
      throw fail("unsupported scheme '" + scheme + "' (relay URLs use http, https, ws or wss)");
    }
    int pos = colon + 1;
    while (pos < s.length() && isSlash(s.charAt(pos))) {
      pos++; // special URLs ignore any number of slashes before the authority
    }
    int authorityEnd = pos;
    while (authorityEnd < s.length() && !isSlash(s.charAt(authorityEnd))
        && s.charAt(authorityEnd) != '?' && s.charAt(authorityEnd) != '#') {
      authorityEnd++;
    }
    String authority = s.substring(pos, authorityEnd);
    int at = authority.lastIndexOf('@');
    String userinfo = at < 0 ? "" : userinfo(authority.substring(0, at));
    String hostPort = authority.substring(at + 1);

    int hostEnd = hostEnd(hostPort);
    String host = host(hostPort.substring(0, hostEnd));
    int port = hostEnd < hostPort.length() ? port(hostPort.substring(hostEnd + 1), scheme) : -1;

    StringBuilder out = new StringBuilder(s.length() + 8);
    out.append(scheme).append("://").append(userinfo).append(host);
    if (port >= 0) {
      out.append(':').append(port);
    }
    int rest = path(s, authorityEnd, out);
    if (rest < s.length() && s.charAt(rest) == '?') {
      int hash = s.indexOf('#', rest);
      int queryEnd = hash < 0 ? s.length() : hash;
      out.append('?');
      encode(s.substring(rest + 1, queryEnd), QUERY, out);
      rest = queryEnd;
    }
    if (rest < s.length()) { // '#'
      out.append('#');
      encode(s.substring(rest + 1), FRAGMENT, out);
    }
    return new Parsed(scheme, host, port, out.toString());
  }

  private String clean(String input) {
    int start = 0;
    int end = input.length();
    while (start < end && input.charAt(start) <= ' ') {
      start++;
    }
    while (end > start && input.charAt(end - 1) <= ' ') {
      end--;
    }
    StringBuilder out = new StringBuilder(end - start);
    for (int i = start; i < end; i++) {
      char c = input.charAt(i);
      if (c == '\t' || c == '\n' || c == '\r') {
        continue;
      }
      if (Character.isSurrogate(c)) {
        boolean paired = Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(input.charAt(i + 1));
        if (!paired) {
          throw fail("unpaired UTF-16 surrogate at index " + i);
        }
        out.append(c).append(input.charAt(++i));
        continue;
      }
      out.append(c);
    }
    return out.toString();
  }

  private int schemeEnd(String s) {
    if (s.isEmpty() || !isAsciiAlpha(s.charAt(0))) {
      throw fail("missing scheme (expected e.g. https://relay.example.com/)");
    }
    int i = 1;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == ':') {
        return i;
      }
      if (!(isAsciiAlpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) {
        break;
      }
      i++;
    }
    throw fail("missing scheme (expected e.g. https://relay.example.com/)");
  }

  /** Credentials: user up to the first ':', password after it; empty parts are left out. */
  private static String userinfo(String raw) {
    int colon = raw.indexOf(':');
    String user = colon < 0 ? raw : raw.substring(0, colon);
    String password = colon < 0 ? "" : raw.substring(colon + 1);
    if (user.isEmpty() && password.isEmpty()) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    encode(user, USERINFO, out);
    if (!password.isEmpty()) {
      out.append(':');
      encode(password, USERINFO, out);
    }
    return out.append('@').toString();
  }

  private static int hostEnd(String hostPort) {
    boolean inBrackets = false;
    for (int i = 0; i < hostPort.length(); i++) {
      char c = hostPort.charAt(i);
      if (c == '[') {
        inBrackets = true;
      } else if (c == ']') {
        inBrackets = false;
      } else if (c == ':' && !inBrackets) {
        return i;
      }
    }
    return hostPort.length();
  }

  private String host(String raw) {
    if (raw.isEmpty()) {
      throw fail("empty host");
    }
    if (raw.startsWith("[")) {
      byte[] v6 = raw.endsWith("]") ? IpLiterals.parseIpv6(raw.substring(1, raw.length() - 1)) : null;
      if (v6 == null) {
        throw fail("invalid IPv6 address in host");
      }
      return "[" + IpLiterals.formatIpv6(v6, false) + "]";
    }
    byte[] decoded = percentDecode(raw);
    StringBuilder domain = new StringBuilder(decoded.length);
    for (byte b : decoded) {
      int c = b & 0xff;
      if (c >= 0x80) {
        throw fail("non-ASCII host name; write it in its punycode (xn--) form");
      }
      if (c < 0x20 || c == 0x7f || " #%/:<>?@[\\]^|".indexOf(c) >= 0) {
        throw fail("invalid character " + describe(c) + " in host");
      }
      domain.append(Character.toLowerCase((char) c));
    }
    String name = domain.toString();
    if (!Ipv4Host.endsInANumber(name)) {
      return name;
    }
    long v4 = Ipv4Host.parse(name);
    if (v4 < 0) {
      throw fail("invalid IPv4 address in host");
    }
    return (v4 >>> 24) + "." + ((v4 >>> 16) & 0xff) + "." + ((v4 >>> 8) & 0xff) + "." + (v4 & 0xff);
  }

  private int port(String raw, String scheme) {
    int port = 0;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c < '0' || c > '9') {
        throw fail("invalid port number");
      }
      port = port * 10 + (c - '0');
      if (port > 0xFFFF) {
        throw fail("port number above 65535");
      }
    }
    if (raw.isEmpty() || port == defaultPort(scheme)) {
      return -1;
    }
    return port;
  }

  private static int defaultPort(String scheme) {
    return scheme.equals("http") || scheme.equals("ws") ? 80 : 443;
  }

  /** Appends the normalised path (always starting with '/') and returns where it ended. */
  private static int path(String s, int start, StringBuilder out) {
    int i = start;
    if (i < s.length() && isSlash(s.charAt(i))) {
      i++;
    }
    List<String> segments = new ArrayList<>();
    StringBuilder segment = new StringBuilder();
    while (true) {
      char c = i < s.length() ? s.charAt(i) : '\0';
      boolean end = i >= s.length() || c == '?' || c == '#';
      if (end || isSlash(c)) {
        String buf = segment.toString();
        if (isDoubleDot(buf)) {
          if (!segments.isEmpty()) {
            segments.remove(segments.size() - 1);
          }
          if (end) {
            segments.add("");
          }
        } else if (isSingleDot(buf)) {
          if (end) {
            segments.add("");
          }
        } else {
          segments.add(buf);
        }
        segment.setLength(0);
        if (end) {
          break;
        }
        i++;
        continue;
      }
      int cp = s.codePointAt(i);
      encode(new String(Character.toChars(cp)), PATH, segment);
      i += Character.charCount(cp);
    }
    for (String seg : segments) {
      out.append('/').append(seg);
    }
    return i;
  }

  private static boolean isSingleDot(String seg) {
    return seg.equals(".") || seg.equalsIgnoreCase("%2e");
  }

  private static boolean isDoubleDot(String seg) {
    String lower = seg.toLowerCase(Locale.ROOT);
    return lower.equals("..") || lower.equals(".%2e") || lower.equals("%2e.") || lower.equals("%2e%2e");
  }

  /** Percent-encodes {@code text} (as UTF-8) with one of the WHATWG encode sets; '%' stays as is. */
  private static void encode(String text, int set, StringBuilder out) {
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (mustEncode(c, set)) {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >>> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      } else {
        out.append((char) c);
      }
    }
  }

  private static boolean mustEncode(int c, int set) {
    if (c < 0x20 || c >= 0x7f) {
      return true; // C0 control percent-encode set, plus every non-ASCII byte
    }
    switch (set) {
      case FRAGMENT:
        return " \"<>`".indexOf(c) >= 0;
      case QUERY: // the special-query set (http, https, ws, wss)
        return " \"#<>'".indexOf(c) >= 0;
      case PATH:
        return " \"#<>?`{}".indexOf(c) >= 0;
      default: // USERINFO
        return " \"#<>?`{}/:;=@[\\]^|".indexOf(c) >= 0;
    }
  }

  private static byte[] percentDecode(String text) {
    byte[] in = text.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
    for (int i = 0; i < in.length; i++) {
      if (in[i] == '%' && i + 2 < in.length && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
        out.write(hex(in[i + 1]) * 16 + hex(in[i + 2]));
        i += 2;
      } else {
        out.write(in[i]);
      }
    }
    return out.toByteArray();
  }

  private static int hex(byte b) {
    int c = b & 0xff;
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
      return (c | 0x20) - 'a' + 10;
    }
    return -1;
  }

  private static boolean isSlash(char c) {
    return c == '/' || c == '\\';
  }

  private static boolean isAsciiAlpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private static String describe(int c) {
    return c >= 0x21 && c < 0x7f ? "'" + (char) c + "'" : String.format("U+%04X", c);
  }

  private AddrFormatException fail(String reason) {
    return new AddrFormatException("invalid relay URL " + AddrFormatException.quote(original) + ": " + reason);
  }

  /** The WHATWG IPv4 host parser: 1 to 4 parts, each decimal, 0x-hex or 0-octal. */
  static final class Ipv4Host {
    private static final long INVALID = -2;
    private static final long OVERFLOW = -1;

    private Ipv4Host() {}

    /** True if the last label (ignoring one trailing dot) is a number; such hosts must be IPv4. */
    static boolean endsInANumber(String host) {
      List<String> parts = parts(host);
      if (parts.isEmpty()) {
        return false;
      }
      String last = parts.get(parts.size() - 1);
      return !last.isEmpty() && (last.chars().allMatch(ch -> ch >= '0' && ch <= '9') || number(last) != INVALID);
    }

    /** The address as an unsigned 32-bit value, or -1 if the host is not a valid IPv4 address. */
    static long parse(String host) {
      List<String> parts = parts(host);
      if (parts.isEmpty() || parts.size() > 4) {
        return -1;
      }
      long[] numbers = new long[parts.size()];
      for (int i = 0; i < numbers.length; i++) {
        numbers[i] = number(parts.get(i));
        if (numbers[i] < 0) {
          return -1;
        }
      }
      int n = numbers.length;
      long value = numbers[n - 1];
      if (value >= (1L << (8 * (5 - n)))) {
        return -1;
      }
      for (int i = 0; i < n - 1; i++) {
        if (numbers[i] > 255) {
          return -1;
        }
        value += numbers[i] << (8 * (3 - i));
      }
      return value;
    }

    /** Splits on '.', dropping one empty last part ("a.b." is "a", "b"); "" and "." give none. */
    private static List<String> parts(String host) {
      List<String> parts = new ArrayList<>(List.of(host.split("\\.", -1)));
      if (parts.size() > 1 && parts.get(parts.size() - 1).isEmpty()) {
        parts.remove(parts.size() - 1);
      }
      if (parts.size() == 1 && parts.get(0).isEmpty()) {
        parts.clear();
      }
      return parts;
    }

    private static long number(String part) {
      if (part.isEmpty()) {
        return INVALID;
      }
      int radix = 10;
      String digits = part;
      if (part.startsWith("0x") || part.startsWith("0X")) {
        radix = 16;
        digits = part.substring(2);
      } else if (part.length() >= 2 && part.charAt(0) == '0') {
        radix = 8;
        digits = part.substring(1);
      }
      long value = 0;
      for (int i = 0; i < digits.length(); i++) {
        char c = digits.charAt(i);
        int d = c < 0x80 ? Character.digit(c, radix) : -1;
        if (d < 0) {
          return INVALID;
        }
        value = Math.min(value * radix + d, 1L << 40); // saturate: anything this big is invalid
      }
      return value > 0xFFFF_FFFFL ? OVERFLOW : value;
    }
  }
}
