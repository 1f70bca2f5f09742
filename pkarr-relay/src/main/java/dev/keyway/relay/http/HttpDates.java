package dev.keyway.relay.http;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.util.Locale;

/**
 * HTTP dates (RFC 9110 §5.6.7): formatting as IMF-fixdate ({@code Wed, 11 Oct 2023 09:33:47
 * GMT}, always two-digit days, unlike {@code DateTimeFormatter.RFC_1123_DATE_TIME}) and parsing
 * all three forms a recipient must accept (IMF-fixdate, RFC 850, asctime).
 */
public final class HttpDates {
  private static final String[] DAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  private static final String[] MONTHS =
      {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // The weekday is skipped before parsing: it is redundant, and a wrong one is no reason to
  // ignore a date.
  private static final DateTimeFormatter IMF =
      DateTimeFormatter.ofPattern("d MMM uuuu HH:mm:ss 'GMT'", Locale.US)
          .withResolverStyle(ResolverStyle.STRICT);
  /** RFC 850 with two-digit years read as 1970..2069 (a fixed window, no clock needed). */
  private static final DateTimeFormatter RFC850 = new DateTimeFormatterBuilder()
      .appendPattern("d-MMM-")
      .appendValueReduced(ChronoField.YEAR, 2, 2, 1970)
      .appendPattern(" HH:mm:ss 'GMT'")
      .toFormatter(Locale.US)
      .withResolverStyle(ResolverStyle.STRICT);
  private static final DateTimeFormatter ASCTIME =
      DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss uuuu", Locale.US)
          .withResolverStyle(ResolverStyle.STRICT);

  private HttpDates() {}

  /** 9999-12-31T23:59:59Z: the last second an IMF-fixdate (four-digit year) can name. */
  static final long LAST_SECOND = 253_402_300_799L;

  /**
   * IMF-fixdate of whole seconds since the epoch (UTC). Seconds past year 9999 (a packet may be
   * signed that far ahead when the future-skew check is off) give the last date of year 9999.
   */
  public static String format(long epochSeconds) {
    epochSeconds = Math.min(epochSeconds, LAST_SECOND);
    long days = Math.floorDiv(epochSeconds, 86_400);
    int secs = (int) Math.floorMod(epochSeconds, 86_400);
    LocalDate date = LocalDate.ofEpochDay(days);
    StringBuilder b = new StringBuilder(29);
    b.append(DAYS[date.getDayOfWeek().getValue() - 1]).append(", ");
    two(b, date.getDayOfMonth()).append(' ');
    b.append(MONTHS[date.getMonthValue() - 1]).append(' ');
    int year = date.getYear();
    if (year < 1000) {
      b.append(year < 10 ? "000" : year < 100 ? "00" : "0");
    }
    b.append(year).append(' ');
    two(b, secs / 3600).append(':');
    two(b, secs / 60 % 60).append(':');
    two(b, secs % 60).append(" GMT");
    return b.toString();
  }

  /** IMF-fixdate of a microsecond timestamp, truncated to whole seconds. */
  public static String formatMicros(long epochMicros) {
    return format(Math.floorDiv(epochMicros, 1_000_000L));
  }

  /**
   * Seconds since the epoch of an HTTP date in any of the three forms, or null if {@code text} is
   * not one, or names no real time (30 Feb, 24:00:00): callers then ignore the header, as RFC
   * 9110 says for If-Modified-Since.
   */
  public static Long parse(String text) {
    if (text == null) {
      return null;
    }
    String s = text.trim();
    int comma = s.indexOf(',');
    DateTimeFormatter[] forms;
    if (comma > 0) {
      s = s.substring(comma + 1).trim();
      forms = new DateTimeFormatter[] {IMF, RFC850};
    } else {
      int space = s.indexOf(' ');
      if (space < 0) {
        return null;
      }
      s = s.substring(space + 1);
      forms = new DateTimeFormatter[] {ASCTIME};
    }
    for (DateTimeFormatter f : forms) {
      try {
        return LocalDateTime.parse(s, f).toEpochSecond(ZoneOffset.UTC);
      } catch (DateTimeParseException e) {
        // try the next form
      }
    }
    return null;
  }

  private static StringBuilder two(StringBuilder b, int v) {
    if (v < 10) {
      b.append('0');
    }
    return b.append(v);
  }
}
