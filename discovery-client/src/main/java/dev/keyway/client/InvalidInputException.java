package dev.keyway.client;

/**
 * Bytes or text from outside did not parse or verify.
 *
 * <p>Every parser in keyway throws a subclass of this (unchecked) exception with a message that
 * names what is wrong, so a front-end can map all of them once: HTTP 400 with the message as the
 * reason, DNS FORMERR, CLI exit code 2. It never carries secret material.
 */
public class InvalidInputException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidInputException(String message) {
    super(message);
  }

  public InvalidInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
