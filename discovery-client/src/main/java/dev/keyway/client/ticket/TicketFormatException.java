package dev.keyway.client.ticket;

import dev.keyway.client.InvalidInputException;

/**
 * A ticket string or its bytes did not decode: wrong prefix, bad base32, malformed or truncated
 * postcard data, an unknown variant, trailing bytes, an invalid endpoint id or relay URL. The
 * message names the problem and, for byte-level problems, the byte offset in the decoded data.
 */
public final class TicketFormatException extends InvalidInputException {
  private static final long serialVersionUID = 1L;

  public TicketFormatException(String message) {
    super(message);
  }

  public TicketFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
