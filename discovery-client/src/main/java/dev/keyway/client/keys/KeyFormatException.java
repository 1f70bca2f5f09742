package dev.keyway.client.keys;

import dev.keyway.client.InvalidInputException;

/** A key in text or bytes is malformed, or its bytes are not an acceptable Ed25519 point. */
public final class KeyFormatException extends InvalidInputException {
  private static final long serialVersionUID = 1L;

  public KeyFormatException(String message) {
    super(message);
  }

  public KeyFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
