package dev.keyway.gossip.proto;

/**
 * A swarm broadcast has the same content, hence the same {@link MessageId}, as a message this
 * node sent or received within the id retention window. It would be suppressed everywhere as a
 * duplicate, so it is refused; add a nonce or counter to the payload.
 */
public final class DuplicateMessageException extends IllegalStateException {
  private final transient MessageId id;

  public DuplicateMessageException(MessageId id) {
    super("message " + id.fmtShort() + " was already seen on this topic; add a nonce to repeat a payload");
    this.id = id;
  }

  /** The id of the refused message. */
  public MessageId id() {
    return id;
  }
}
