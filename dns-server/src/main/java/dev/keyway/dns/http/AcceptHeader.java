package dev.keyway.dns.http;

import java.util.Locale;

/**
 * Content negotiation on an {@code Accept} header (RFC 9110 §12.5.1): the quality a media type
 * gets from the most specific range that matches it ({@code type/subtype}, then {@code type/*},
 * then {@code *}{@code /*}), case-insensitively. Malformed ranges and quality values are skipped.
 */
final class AcceptHeader {
  private AcceptHeader() {}

  /** The quality (0..1) of {@code mediaType} (lowercase {@code type/subtype}); 0 when not acceptable. */
  static double quality(String header, String mediaType) {
    String type = mediaType.substring(0, mediaType.indexOf('/'));
    int bestSpecificity = -1;
    double best = 0;
    for (String range : header.split(",")) {
      String[] parts = range.split(";");
      String name = parts[0].trim().toLowerCase(Locale.ROOT);
      int specificity = name.equals(mediaType) ? 2
          : name.equals(type + "/*") ? 1
          : name.equals("*/*") ? 0 : -1;
      if (specificity <= bestSpecificity) {
        continue;
      }
      double q = 1;
      boolean valid = true;
      for (int i = 1; i < parts.length; i++) {
        String param = parts[i].trim();
        if (param.regionMatches(true, 0, "q=", 0, 2)) {
          try {
            q = Double.parseDouble(param.substring(2).trim());
          } catch (NumberFormatException e) {
            valid = false;
          }
        }
      }
      if (valid && q >= 0 && q <= 1) {
        bestSpecificity = specificity;
        best = q;
      }
    }
    return best;
  }
}
