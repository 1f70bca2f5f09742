package dev.keyway.gossip.net;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.gossip.proto.MessageId;
import dev.keyway.gossip.proto.Scope;
import java.util.Objects;

/** What a topic subscriber sees. */
public sealed interface GossipEvent {

  /** {@code peer} became a direct neighbour on the topic. */
  record NeighborUp(PublicKey peer) implements GossipEvent {
    public NeighborUp {
      Objects.requireNonNull(peer, "peer");
    }
  }

  /** {@code peer} is no longer a direct neighbour on the topic. */
  record NeighborDown(PublicKey peer) implements GossipEvent {
    public NeighborDown {
      Objects.requireNonNull(peer, "peer");
    }
  }

  /**
   * A broadcast arrived.
   *
   * @param content the payload (do not modify)
   * @param deliveredFrom the previous hop, not the author: sign payloads that need an author
   * @param scope how it was sent
   * @param id its message id (BLAKE3 of the content)
   */
  record Received(byte[] content, PublicKey deliveredFrom, Scope scope, MessageId id) implements GossipEvent {
    public Received {
      Objects.requireNonNull(content, "content");
      Objects.requireNonNull(scope, "scope");
    }

    @Override
    public String toString() {
      return "Received[" + content.length + "b from " + (deliveredFrom == null ? "?" : deliveredFrom.fmtShort())
          + ", " + scope + "]";
    }
  }

  /** The subscriber fell behind: {@code missed} events were dropped before this one. */
  record Lagged(long missed) implements GossipEvent {}
}
