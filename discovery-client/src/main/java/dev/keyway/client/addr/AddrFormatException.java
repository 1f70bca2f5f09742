package dev.keyway.client.addr;

import dev.keyway.client.InvalidInputException;

/** An address in text form (relay URL, socket address, custom address) is malformed. */
public final class AddrFormatException extends InvalidInputException {
  private static final long serialVersionUID = 1L;

  public AddrFormatException(String message) {
    super(message);
  }

  public AddrFormatException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The input as it may appear in an error message: at most 80 characters, controls escaped. */
  static String quote(String input) {
    String s = input.length() <= 80 ? input : input.substring(0, 77) + "...";
    StringBuilder out = new StringBuilder(s.length() + 2).append('\'');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('\'').toString();
  }
}
