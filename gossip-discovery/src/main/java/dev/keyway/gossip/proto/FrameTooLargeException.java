package dev.keyway.gossip.proto;

/**
 * A message does not fit in one frame. Thrown to the caller instead of dropping the message
 * silently (the behaviour users of iroh-gossip complained about: iroh-gossip#99, #131).
 */
public final class FrameTooLargeException extends IllegalArgumentException {
  private final int size;
  private final int limit;

  public FrameTooLargeException(String what, int size, int limit) {
    super(what + " needs " + size + " bytes, over the frame limit of " + limit);
    this.size = size;
    this.limit = limit;
  }

  /** The size the frame would have, in bytes. */
  public int size() {
    return size;
  }

  /** The configured frame limit, in bytes. */
  public int limit() {
    return limit;
  }
}
