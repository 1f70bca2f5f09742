package dev.keyway.relay.ratelimit;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A rate and a burst: {@code permits} per {@code period}, refilled evenly (a generic cell rate,
 * like tower-governor behind pkarr-relay), with at most {@code burst} available at once.
 *
 * @param permits how many requests per period
 * @param period the period
 * @param burst the bucket size: requests allowed back to back after a quiet spell
 */
public record Quota(long permits, Duration period, long burst) {
  private static final Pattern SYNTAX = Pattern.compile("\\s*(\\d+)\\s*r\\s*/\\s*([smhd])\\s*");

  public Quota {
    if (permits < 1) {
      throw new IllegalArgumentException("quota must allow at least 1 request per period");
    }
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("quota period must be positive");
    }
    if (burst < 1) {
      throw new IllegalArgumentException("burst must be at least 1, got " + burst);
    }
  }

  /**
   * Parses pkarr-relay's quota syntax {@code <N>r/<s|m|h|d>} ({@code "2r/s"}, {@code "100r/m"});
   * the burst defaults to N as in pkarr-relay, and 0 is rejected.
   *
   * @throws IllegalArgumentException with a message that shows the syntax
   */
  public static Quota parse(String quota, Long burst) {
    Matcher m = SYNTAX.matcher(quota.toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("quota '" + quota
          + "' is not <N>r/<unit> with unit s, m, h or d, e.g. \"2r/s\"");
    }
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("quota '" + quota + "' is too large", e);
    }
    if (n == 0) {
      throw new IllegalArgumentException("quota '" + quota + "' allows nothing; use at least 1r");
    }
    Duration period = switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(1);
      case "m" -> Duration.ofMinutes(1);
      case "h" -> Duration.ofHours(1);
      default -> Duration.ofDays(1);
    };
    long b = burst == null ? n : burst;
    if (b < 1) {
      throw new IllegalArgumentException("burst must be at least 1, got " + b);
    }
    return new Quota(n, period, b);
  }

  /** Time for an empty bucket to fill up again. */
  public Duration refillTime() {
    return period.multipliedBy(burst).dividedBy(permits);
  }

  /** {@code "2r/s burst 10"}. */
  @Override
  public String toString() {
    String unit = period.equals(Duration.ofSeconds(1)) ? "s"
        : period.equals(Duration.ofMinutes(1)) ? "m"
        : period.equals(Duration.ofHours(1)) ? "h"
        : period.equals(Duration.ofDays(1)) ? "d" : period.toString();
    return permits + "r/" + unit + " burst " + burst;
  }
}
