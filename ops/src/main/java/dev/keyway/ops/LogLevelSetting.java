package dev.keyway.ops;

import java.util.Locale;
import java.util.Set;

/**
 * Checks {@code KEYWAY_LOG_LEVEL} (keyway's logs) and {@code KEYWAY_EVENTS_LEVEL} (the structured
 * {@code events.*} loggers: every query, publish, join and expiry at DEBUG) before logging
 * starts. Logback turns a level it does not know ({@code warning}, a typo, an empty value left by
 * a systemd drop-in) into DEBUG without a word, so an operator asking for fewer logs got more;
 * such a value is replaced by INFO, with a warning.
 */
final class LogLevelSetting {
  static final String VARIABLE = "KEYWAY_LOG_LEVEL";
  static final String EVENTS_VARIABLE = "KEYWAY_EVENTS_LEVEL";
  private static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

  private LogLevelSetting() {}

  /** The warning for {@code value} of {@link #VARIABLE}, or null if it is unset or a level logback knows. */
  static String problem(String value) {
    return problem(VARIABLE, value);
  }

  /** The warning for {@code value} of {@code variable}, or null if it is fine. */
  static String problem(String variable, String value) {
    if (value == null || LEVELS.contains(value.trim().toUpperCase(Locale.ROOT))) {
      return null;
    }
    return "keyway: " + variable + "=\"" + value + "\" is not a log level (TRACE, DEBUG, INFO,"
        + " WARN, ERROR or OFF); using INFO";
  }

  /** Applies the check to the environment; call before the first logger is created. */
  static void apply() {
    for (String variable : new String[] {VARIABLE, EVENTS_VARIABLE}) {
      String problem = problem(variable, System.getenv(variable));
      if (problem != null) {
        System.err.println(dev.keyway.ops.log.JournalStream.errorPrefix() + problem);
        System.setProperty(variable, "INFO"); // logback reads system properties before the environment
      }
    }
  }
}
