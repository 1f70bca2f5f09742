package dev.keyway.client.record;

import dev.keyway.client.InvalidInputException;

/**
 * {@code _iroh} TXT data that iroh would refuse as a whole: a string without {@code =}, an
 * unknown attribute key, or a query name that is not {@code _iroh.<z32-key>...}.
 */
public final class InvalidTxtException extends InvalidInputException {
  private static final long serialVersionUID = 1L;

  public InvalidTxtException(String message) {
    super(message);
  }

  public InvalidTxtException(String message, Throwable cause) {
    super(message, cause);
  }
}
