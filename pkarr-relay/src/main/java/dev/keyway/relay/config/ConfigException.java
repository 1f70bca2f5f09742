package dev.keyway.relay.config;

import dev.keyway.client.InvalidInputException;

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
}
