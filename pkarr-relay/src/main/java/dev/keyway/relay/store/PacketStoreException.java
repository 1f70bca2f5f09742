package dev.keyway.relay.store;

/**
 * The store could not do what was asked for reasons that are not the caller's input: the
 * database failed, or the store is overloaded. An HTTP front-end answers 5xx (503 for {@link
 * Overloaded}), never 4xx.
 */
public class PacketStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PacketStoreException(String message) {
    super(message);
  }

  public PacketStoreException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The writer's queue is full: too many upserts are waiting for a commit. Retry later. */
  public static final class Overloaded extends PacketStoreException {
    private static final long serialVersionUID = 1L;

    public Overloaded(String message) {
      super(message);
    }
  }
}
