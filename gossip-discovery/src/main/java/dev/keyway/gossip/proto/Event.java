package dev.keyway.gossip.proto;

import java.util.Arrays;
import java.util.Objects;

/**
 * An event for the application, emitted as {@link OutEvent.EmitEvent}.
 *
 * @param <P> the peer identity type
 */
public sealed interface Event<P> {

  /** {@code peer} entered this node's active view: it is now a direct neighbour. */
  record NeighborUp<P>(P peer) implements Event<P> {}

  /** {@code peer} left this node's active view. */
  record NeighborDown<P>(P peer) implements Event<P> {}

  /**
   * A broadcast arrived. Emitted at most once per message id for {@link Scope#SWARM} within the
   * id retention window; the origin of a broadcast does not receive its own message.
   *
   * @param id the message id (BLAKE3 of the content)
   * @param content the payload; do not modify
   * @param deliveredFrom the previous hop, not the author
   * @param scope the scope the message was sent with
   * @param round hops from the origin minus one (0 = straight from the origin), as on the wire
   */
  record Received<P>(MessageId id, byte[] content, P deliveredFrom, Scope scope, int round)
      implements Event<P> {
    public Received {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(content, "content");
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Received<?> r
          && id.equals(r.id)
          && Objects.equals(deliveredFrom, r.deliveredFrom)
          && scope == r.scope
          && round == r.round
          && Arrays.equals(content, r.content);
    }

    @Override
    public int hashCode() {
      return id.hashCode();
    }

    @Override
    public String toString() {
      return "Received[" + id.fmtShort() + ", " + content.length + "b, from=" + deliveredFrom
          + ", " + scope + ", round=" + round + "]";
    }
  }
}
