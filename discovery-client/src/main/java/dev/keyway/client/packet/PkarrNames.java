package dev.keyway.client.packet;

import java.util.Locale;

/** Owner-name rules of pkarr packets, where the signer's z-base-32 key is the TLD. */
final class PkarrNames {
  private PkarrNames() {}

  /**
   * Makes {@code name} absolute under {@code origin} (without a trailing dot) exactly as pkarr's
   * {@code normalize_name}: one trailing dot is stripped; a name whose last label is the origin
   * is kept; a name whose last label is {@code @} or empty ({@code ""}, {@code "."}, {@code "@"})
   * is the origin itself; anything else gets {@code .origin} appended.
   */
  static String normalize(String origin, String name) {
    String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    String last = n.substring(n.lastIndexOf('.') + 1);
    if (last.equals(origin)) {
      return n;
    }
    if (last.equals("@") || last.isEmpty()) {
      return origin;
    }
    return n + "." + origin;
  }

  /**
   * The lookup key of a name relative to {@code origin}: normalised as above, the origin
   * removed, lowercased ASCII (DNS names compare case-insensitively). The apex is {@code ""}.
   */
  static String relativeKey(String origin, String name) {
    // Fast path for the DNS server's usual input: already relative, no dot at the end.
    if (!name.isEmpty() && !name.endsWith(".") && !name.endsWith("@") && !name.endsWith(origin)) {
      return lower(name);
    }
    String full = normalize(origin, name);
    if (full.length() == origin.length()) {
      return "";
    }
    return lower(full.substring(0, full.length() - origin.length() - 1));
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
