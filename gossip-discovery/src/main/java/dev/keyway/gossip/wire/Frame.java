package dev.keyway.gossip.wire;

import dev.keyway.gossip.proto.Message;
import dev.keyway.gossip.proto.TopicId;
import java.util.Objects;

/**
 * A decoded frame: a message on a topic.
 *
 * @param <P> the peer identity type
 */
public record Frame<P>(TopicId topic, Message<P> message) {
  public Frame {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(message, "message");
  }
}
