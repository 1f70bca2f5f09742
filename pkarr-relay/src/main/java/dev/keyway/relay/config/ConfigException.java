package dev.keyway.relay.config;

import dev.keyway.client.InvalidInputException;
import java.util.Comparator;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A config file or value is wrong. The message names the file, the key and what is expected, so
 * the CLI can print it as is (exit code 2).
 */
public final class ConfigException extends InvalidInputException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * A config error from the {@link IllegalArgumentException} of a value class that is also built
   * from code, whose message names its options by their code names ({@code "queueCapacity must be
   * at least maxBatchSize (1024), got 0"}): each of those names, as a whole word, is replaced by
   * the config key it was read from ({@code store.queue_capacity}), so the user sees the names in
   * their file while API callers keep the names of the builder they called.
   *
   * @param keys code name to config key
   */
  public static ConfigException renaming(IllegalArgumentException e, Map<String, String> keys) {
    String message = String.valueOf(e.getMessage());
    if (!keys.isEmpty()) {
      Pattern names = Pattern.compile(keys.keySet().stream()
          .sorted(Comparator.comparingInt(String::length).reversed()).map(Pattern::quote)
          .collect(Collectors.joining("|", "\\b(", ")\\b")));
      // Only outside quotes: a quoted value is the user's text ('origin..example'), never a key.
      StringBuilder out = new StringBuilder();
      Matcher quoted = QUOTED.matcher(message);
      int from = 0;
      while (quoted.find()) {
        out.append(rename(names, keys, message.substring(from, quoted.start()))).append(quoted.group());
        from = quoted.end();
      }
      message = out.append(rename(names, keys, message.substring(from))).toString();
    }
    return new ConfigException(message, e);
  }

  /** A single- or double-quoted value in a message. */
  private static final Pattern QUOTED = Pattern.compile("'[^']*'|\"(?:[^\"\\\\]|\\\\.)*\"");

  private static String rename(Pattern names, Map<String, String> keys, String text) {
    return names.matcher(text).replaceAll(m -> Matcher.quoteReplacement(keys.get(m.group(1))));
  }
}
