package dev.keyway.gossip.proto;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A command from the local application for one topic, passed in as {@link InEvent.Command}.
 *
 * @param <P> the peer identity type
 */
public sealed interface TopicCommand<P> {

  /**
   * Joins the topic (creating its state) and sends a HyParView Join to each bootstrap peer. An
   * empty list is allowed: the topic then waits for others to join it. Joining an already joined
   * topic sends Joins to the given peers again.
   */
  record Join<P>(List<P> bootstrap) implements TopicCommand<P> {
    public Join {
      bootstrap = List.copyOf(bootstrap);
    }
  }

  /**
   * Broadcasts {@code content}. Fails with {@link FrameTooLargeException} when the payload does
   * not fit in one frame, and with {@link DuplicateMessageException} when a {@link Scope#SWARM}
   * payload with the same content was already sent or received within the id retention window;
   * a failed command changes no state and sends nothing.
   */
  record Broadcast<P>(byte[] content, Scope scope) implements TopicCommand<P> {
    public Broadcast {
      Objects.requireNonNull(content, "content");
      Objects.requireNonNull(scope, "scope");
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Broadcast<?> b && scope == b.scope && Arrays.equals(content, b.content);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(content) * 31 + scope.hashCode();
    }

    @Override
    public String toString() {
      return "Broadcast[" + content.length + "b, " + scope + "]";
    }
  }

  /** Leaves the topic: tells every neighbour (Disconnect, not alive) and drops the topic state. */
  record Quit<P>() implements TopicCommand<P> {}
}
