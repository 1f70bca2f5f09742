package dev.keyway.client.record;

import dev.keyway.client.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Application data published next to an endpoint's addresses (iroh's {@code UserData}): any
 * UTF-8 text of at most {@value #MAX_LENGTH} bytes, so that {@code user-data=<text>} fits one
 * 255-byte TXT character-string. keyway and iroh never interpret it.
 *
 * <p>Avoid {@code =} in the text: iroh reads a TXT value only up to a second {@code =}, so
 * {@code user-data=a=b} comes back as {@code a}. It is accepted here as iroh accepts it.
 */
public final class UserData {
  /** Longest value in UTF-8 bytes: 255 minus {@code "user-data="}. */
  public static final int MAX_LENGTH = 245;

  private final String value;

  private UserData(String value) {
    this.value = value;
  }

  /**
   * Wraps {@code value}.
   *
   * @throws InvalidInputException if it is longer than 245 bytes in UTF-8
   */
  public static UserData of(String value) {
    Objects.requireNonNull(value, "value");
    int length = value.getBytes(StandardCharsets.UTF_8).length;
    if (length > MAX_LENGTH) {
      throw new InvalidInputException(
          "user data is " + length + " bytes in UTF-8; at most " + MAX_LENGTH + " allowed");
    }
    return new UserData(value);
  }

  /** The text. */
  public String value() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof UserData other && value.equals(other.value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  /** The text itself, as iroh displays it. */
  @Override
  public String toString() {
    return value;
  }
}
