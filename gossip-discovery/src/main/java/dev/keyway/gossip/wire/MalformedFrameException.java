package dev.keyway.gossip.wire;

/** Bytes from a peer are not a valid gossip frame. */
public final class MalformedFrameException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public MalformedFrameException(String message) {
    super(message);
  }

  public MalformedFrameException(String message, Throwable cause) {
    super(message, cause);
  }
}
