package dev.keyway.client.addr;

/**
 * IP address literals with the grammar and display rules of Rust's {@code std::net}, which is what
 * iroh uses for {@code addr=} TXT values and ticket IPs. Pure string work: nothing here resolves
 * names, so no DNS lookup can ever be triggered.
 *
 * <p>Parsing rules (Rust {@code core::net::parser}): IPv4 is exactly four decimal octets of one to
 * three digits without leading zeros; IPv6 groups are one to four hex digits of either case, one
 * {@code ::} standing for at least one zero group, an optional embedded IPv4 tail; ports and scope
 * ids are decimal, leading zeros allowed, without overflow.
 */
final class IpLiterals {
  private IpLiterals() {}

  /** Parses Rust's {@code SocketAddr} text form, or returns null if it is not one. */
  static SocketAddr parseSocketAddr(String text) {
    Cursor c = new Cursor(text);
    byte[] v4 = c.ipv4();
    if (v4 != null) {
      int port = c.port();
      return port >= 0 && c.atEnd() ? new SocketAddr(v4, port, 0) : null;
    }
    if (!c.eat('[')) {
      return null;
    }
    byte[] v6 = c.ipv6();
    if (v6 == null) {
      return null;
    }
    long scope = 0;
    int beforeScope = c.pos;
    if (c.eat('%')) {
      scope = c.number(10, 0, 0xFFFF_FFFFL, true);
      if (scope < 0) {
        c.pos = beforeScope;
        scope = 0;
      }
    }
    if (!c.eat(']')) {
      return null;
    }
    int port = c.port();
    return port >= 0 && c.atEnd() ? new SocketAddr(v6, port, (int) scope) : null;
  }

  /** Parses a bare IPv6 literal (no brackets, no scope), or returns null. */
  static byte[] parseIpv6(String text) {
    Cursor c = new Cursor(text);
    byte[] v6 = c.ipv6();
    return v6 != null && c.atEnd() ? v6 : null;
  }

  /** Dotted decimal, as Rust and the URL standard print IPv4. */
  static String formatIpv4(byte[] ip, int off) {
    return (ip[off] & 0xff) + "." + (ip[off + 1] & 0xff) + "." + (ip[off + 2] & 0xff) + "." + (ip[off + 3] & 0xff);
  }

  /**
   * RFC 5952 style: lowercase hex, the first longest run of two or more zero groups as {@code ::}.
   * With {@code dottedMapped}, an IPv4-mapped address prints as {@code ::ffff:a.b.c.d} (Rust's
   * {@code Ipv6Addr} display); the URL standard does not do that.
   */
  static String formatIpv6(byte[] ip, boolean dottedMapped) {
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((ip[2 * i] & 0xff) << 8) | (ip[2 * i + 1] & 0xff);
    }
    if (dottedMapped && isIpv4Mapped(groups)) {
      return "::ffff:" + formatIpv4(ip, 12);
    }
    int bestStart = -1;
    int bestLen = 1; // runs of one zero group are never compressed
    for (int i = 0; i < 8; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int start = i;
      while (i < 8 && groups[i] == 0) {
        i++;
      }
      if (i - start > bestLen) {
        bestStart = start;
        bestLen = i - start;
      }
    }
    StringBuilder out = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        out.append("::");
        i += bestLen - 1;
        continue;
      }
      if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
        out.append(':');
      }
      out.append(Integer.toHexString(groups[i]));
    }
    return out.toString();
  }

  private static boolean isIpv4Mapped(int[] groups) {
    for (int i = 0; i < 5; i++) {
      if (groups[i] != 0) {
        return false;
      }
    }
    return groups[5] == 0xffff;
  }

  /** A backtracking reader over ASCII text; every read either succeeds or leaves {@code pos} as it was. */
  private static final class Cursor {
    private final String s;
    private int pos;

    Cursor(String s) {
      this.s = s;
    }

    boolean atEnd() {
      return pos == s.length();
    }

    boolean eat(char expected) {
      if (pos < s.length() && s.charAt(pos) == expected) {
        pos++;
        return true;
      }
      return false;
    }

    /**
     * Reads a number in {@code radix}; fails (returns -1) on no digits, more than
     * {@code maxDigits} digits (0 = unbounded), a value above {@code max}, or a leading zero when
     * {@code zeroPrefixOk} is false.
     */
    long number(int radix, int maxDigits, long max, boolean zeroPrefixOk) {
      int start = pos;
      long value = 0;
      int digits = 0;
      while (pos < s.length()) {
        int d = digit(s.charAt(pos), radix);
        if (d < 0) {
          break;
        }
        value = value * radix + d;
        digits++;
        pos++;
        if ((maxDigits > 0 && digits > maxDigits) || value > max) {
          pos = start;
          return -1;
        }
      }
      if (digits == 0 || (!zeroPrefixOk && digits > 1 && s.charAt(start) == '0')) {
        pos = start;
        return -1;
      }
      return value;
    }

    int port() {
      int start = pos;
      if (!eat(':')) {
        return -1;
      }
      long port = number(10, 0, 0xFFFF, true);
      if (port < 0) {
        pos = start;
      }
      return (int) port;
    }

    byte[] ipv4() {
      int start = pos;
      byte[] out = new byte[4];
      for (int i = 0; i < 4; i++) {
        long octet = (i == 0 || eat('.')) ? number(10, 3, 255, false) : -1;
        if (octet < 0) {
          pos = start;
          return null;
        }
        out[i] = (byte) octet;
      }
      return out;
    }

    byte[] ipv6() {
      int start = pos;
      int[] head = new int[8];
      int headRead = groups(head, 8);
      int headSize = Math.abs(headRead);
      if (headSize == 8) {
        return toBytes(head);
      }
      // An IPv4 tail may only end the address, never precede '::'.
      if (headRead < 0 || !eat(':') || !eat(':')) {
        pos = start;
        return null;
      }
      int[] tail = new int[7];
      int tailSize = Math.abs(groups(tail, 8 - (headSize + 1)));
      System.arraycopy(tail, 0, head, 8 - tailSize, tailSize);
      return toBytes(head);
    }

    /**
     * Reads up to {@code limit} colon-separated groups, an IPv4 tail counting as two. Returns the
     * number of groups read, negated when the run ended with an IPv4 tail.
     */
    private int groups(int[] out, int limit) {
      for (int i = 0; i < limit; i++) {
        if (i < limit - 1) {
          int before = pos;
          byte[] v4 = (i == 0 || eat(':')) ? ipv4() : null;
          if (v4 != null) {
            out[i] = ((v4[0] & 0xff) << 8) | (v4[1] & 0xff);
            out[i + 1] = ((v4[2] & 0xff) << 8) | (v4[3] & 0xff);
            return -(i + 2);
          }
          pos = before;
        }
        int before = pos;
        long group = (i == 0 || eat(':')) ? number(16, 4, 0xFFFF, true) : -1;
        if (group < 0) {
          pos = before;
          return i;
        }
        out[i] = (int) group;
      }
      return limit;
    }

    private static byte[] toBytes(int[] groups) {
      byte[] out = new byte[16];
      for (int i = 0; i < 8; i++) {
        out[2 * i] = (byte) (groups[i] >>> 8);
        out[2 * i + 1] = (byte) groups[i];
      }
      return out;
    }

    private static int digit(char c, int radix) {
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
      } else {
        return -1;
      }
      return d < radix ? d : -1;
    }
  }
}
