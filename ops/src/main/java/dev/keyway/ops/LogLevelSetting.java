package dev.keyway.ops;

import java.util.Locale;
import java.util.Set;

/**
 * Checks {@code KEYWAY_LOG_LEVEL} before logging starts. Logback turns a level it does not know
 * ({@code warning}, a typo, an empty value left by a systemd drop-in) into DEBUG without a word,
 * so an operator asking for fewer logs got more; such a value is replaced by INFO, with a warning.
 */
final class LogLevelSetting {
  static final String VARIABLE = "KEYWAY_LOG_LEVEL";
  private static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

  private LogLevelSetting() {}

  /** The warning for {@code value}, or null if it is unset or a level logback knows. */
  static String problem(String value) {
    if (value == null || LEVELS.contains(value.trim().toUpperCase(Locale.ROOT))) {
      return null;
    }
    return "keyway: " + VARIABLE + "=\"" + value + "\" is not a log level (TRACE, DEBUG, INFO,"
        + " WARN, ERROR or OFF); using INFO";
  }

  /** Applies the check to the environment; call before the first logger is created. */
  static void apply() {
    String problem = problem(System.getenv(VARIABLE));
    if (problem != null) {
      System.err.println(problem);
      System.setProperty(VARIABLE, "INFO"); // logback reads system properties before the environment
    }
  }
}
