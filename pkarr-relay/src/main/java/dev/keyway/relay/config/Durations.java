package dev.keyway.relay.config;

import java.time.Duration;
import java.util.Locale;

/**
 * Durations in config files: a number with a unit, {@code ms}, {@code s}, {@code m}, {@code h} or
 * {@code d} ({@code "250ms"}, {@code "10s"}, {@code "7d"}), several of them added up
 * ({@code "1h30m"}), or a bare {@code 0}. Integers given where a duration is expected are
 * seconds (pkarr-relay writes TTLs that way).
 */
public final class Durations {
  private Durations() {}

  /**
   * Parses {@code text}.
   *
   * @param key the config key, for the error message
   * @throws ConfigException if the text is not a duration
   */
  public static Duration parse(String key, String text) {
    String s = text.trim().toLowerCase(Locale.ROOT);
    if (s.isEmpty()) {
      throw new ConfigException(key + ": empty duration; write e.g. \"10s\", \"5m\", \"7d\"");
    }
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    Duration total = Duration.ZERO;
    int i = 0;
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '_')) {
        i++;
      }
      if (start == i) {
        throw bad(key, text);
      }
      long n;
      try {
        n = Long.parseLong(s.substring(start, i).replace("_", ""));
      } catch (NumberFormatException e) {
        throw bad(key, text);
      }
      int unitStart = i;
      while (i < s.length() && Character.isLetter(s.charAt(i))) {
        i++;
      }
      String unit = s.substring(unitStart, i);
      try {
        total = total.plus(switch (unit) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          case "d" -> Duration.ofDays(n);
          default -> throw bad(key, text);
        });
      } catch (ArithmeticException e) {
        throw bad(key, text);
      }
    }
    return total;
  }

  /** The shortest text that {@link #parse} reads back as {@code d} (for logs and docs). */
  public static String format(Duration d) {
    if (d.isZero()) {
      return "0";
    }
    long ms = d.toMillis();
    if (ms % 86_400_000 == 0) {
      return ms / 86_400_000 + "d";
    }
    if (ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1_000 == 0) {
      return ms / 1_000 + "s";
    }
    return ms + "ms";
  }

  private static ConfigException bad(String key, String text) {
    return new ConfigException(key + ": '" + text
        + "' is not a duration; write a number and a unit (ms, s, m, h, d), e.g. \"10s\" or \"7d\"");
  }
}
