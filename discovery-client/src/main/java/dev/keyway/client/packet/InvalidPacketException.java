package dev.keyway.client.packet;

import dev.keyway.client.InvalidInputException;
import java.util.Objects;

/**
 * Bytes did not form a valid signed packet, or a packet could not be built.
 *
 * <p>{@link #reason()} says which check failed, so a front-end can choose a status without
 * parsing the message; the message names the check and the offending size or value.
 */
public final class InvalidPacketException extends InvalidInputException {
  private static final long serialVersionUID = 1L;

  /**
   * Which check failed, in the order {@link SignedPacket} applies them.
   *
   * <p>A pkarr relay answers every reason with 400 Bad Request; an HTTP front-end answers 413
   * itself for bodies over 1104 bytes before they reach the parser, so {@link #TOO_LARGE} from
   * a relay payload (1073..1104 bytes) is a 400, as in pkarr-relay.
   */
  public enum Reason {
    /** Fewer bytes than key, signature and timestamp need (104, or 72 for a relay payload). */
    TOO_SHORT,
    /** More than 1104 bytes (1072 for a relay payload), or a DNS message over 1000 bytes. */
    TOO_LARGE,
    /** The 32 key bytes are not an acceptable Ed25519 point. */
    INVALID_KEY,
    /** The signature does not verify over the BEP44 signable. */
    BAD_SIGNATURE,
    /** The signed timestamp is 2^63 or more, which the DHT cannot store as a BEP44 seq. */
    BAD_TIMESTAMP,
    /** The DNS message does not parse, or a record cannot be encoded. */
    BAD_DNS
  }

  private final Reason reason;

  public InvalidPacketException(Reason reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason);
  }

  public InvalidPacketException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason);
  }

  /** Which check failed. */
  public Reason reason() {
    return reason;
  }
}
