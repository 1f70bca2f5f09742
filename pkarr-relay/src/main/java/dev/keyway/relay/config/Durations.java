package dev.keyway.relay.config;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Locale;

/**
 * Durations in config files: a number with a unit, {@code ms}, {@code s}, {@code m}, {@code h} or
 * {@code d} ({@code "250ms"}, {@code "10s"}, {@code "7d"}), several of them added up
 * ({@code "1h30m"}), or a bare {@code 0}. Integers given where a duration is expected are
 * seconds (pkarr-relay writes TTLs that way); fractions are not ({@code 0.5} is an error, not 0 or
 * 500 ms: write {@code "500ms"}).
 */
public final class Durations {
  /** What every duration error says is expected. */
  static final String EXPECTED = "expected a whole number of seconds or a duration string like"
      + " \"10s\", \"7d\" or \"1h30m\" (units ms, s, m, h, d)";

  private Durations() {}

  /**
   * A duration key's value as read from TOML into an {@link Object} component: a string is
   * {@linkplain #parse parsed}, an integer is seconds; anything else (a float such as {@code 0.5},
   * a boolean, an array, a table) and a negative number are errors.
   *
   * @param key the config key as written in the file ({@code store.eviction}), for the message
   * @throws ConfigException naming the key, the value and what is expected
   */
  public static Duration fromValue(String key, Object value) {
    if (value instanceof String text) {
      return parse(key, text);
    }
    if (!TomlFiles.isInteger(value)) {
      String hint = "";
      if (value instanceof Number n && !(value instanceof Double d && (d.isNaN() || d.isInfinite()))) {
        BigDecimal ms = new BigDecimal(n.toString()).movePointRight(3);
        if (ms.signum() > 0 && ms.stripTrailingZeros().scale() <= 0
            && ms.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) <= 0) {
          hint = " (write \"" + format(Duration.ofMillis(ms.longValueExact())) + "\")";
        }
      }
      throw new ConfigException(key + ": " + EXPECTED + ", got " + TomlFiles.describe(value) + hint);
    }
    BigInteger seconds = new BigInteger(value.toString());
    if (seconds.signum() < 0) {
      throw new ConfigException(key + ": expected a duration of 0 or more, got " + seconds);
    }
    if (seconds.bitLength() > 62) {
      throw new ConfigException(key + ": " + EXPECTED + ", got " + seconds + " (too large)");
    }
    return Duration.ofSeconds(seconds.longValue());
  }

  /** The error for a value that is not a duration: {@code key: expected ..., got value}. */
  public static ConfigException invalid(String key, Object value) {
    String hint = value instanceof String s && !s.isBlank() && s.trim().chars().allMatch(Character::isDigit)
        ? " (a number of seconds is written without quotes: " + s.trim() + ", or \"" + s.trim() + "s\")"
        : "";
    return new ConfigException(key + ": " + EXPECTED + ", got " + TomlFiles.describe(value) + hint);
  }

  /** A number followed by a capital M: months in iroh's (humantime's) syntax. */
  private static final java.util.regex.Pattern MONTHS = java.util.regex.Pattern.compile("\\d\\s*M(?![A-Za-z])");

  /**
   * Refuses a capital {@code M} unit. Units are read case-blind here, but in iroh's duration
   * syntax (humantime) {@code M} is a month and {@code m} a minute: a config written for iroh
   * that says {@code "1M"} must not evict every packet after a minute.
   *
   * @throws ConfigException if {@code text} has such a unit
   */
  public static void refuseMonths(String key, String text) {
    if (MONTHS.matcher(text).find()) {
      throw new ConfigException(key + ": \"M\" is a month in iroh's duration syntax, which keyway does not"
          + " take: write it in days (\"30d\"), or minutes as \"m\"; got " + TomlFiles.describe(text));
    }
  }

  /**
   * Parses {@code text}.
   *
   * @param key the config key, for the error message
   * @throws ConfigException if the text is not a duration
   */
  public static Duration parse(String key, String text) {
    refuseMonths(key, text);
    String s = text.trim().toLowerCase(Locale.ROOT);
    if (s.isEmpty()) {
      throw invalid(key, text);
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
        throw invalid(key, text);
      }
      long n;
      try {
        n = Long.parseLong(s.substring(start, i).replace("_", ""));
      } catch (NumberFormatException e) {
        throw invalid(key, text);
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
          default -> throw invalid(key, text);
        });
      } catch (ArithmeticException e) {
        throw invalid(key, text);
      }
    }
    return total;
  }

  /**
   * The shortest text that {@link #parse} reads back as {@code d} (for logs, docs and messages),
   * {@code "0s"} for zero. A duration with a fraction of a millisecond (which no config file can
   * hold, but code can) is shown as ISO-8601 ({@code PT0.0005S}) rather than rounded.
   */
  public static String format(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    if (d.getNano() % 1_000_000 != 0) {
      return d.toString();
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
}
