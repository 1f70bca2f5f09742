package dev.keyway.gossip.proto;

import java.util.Arrays;
import java.util.Objects;

/**
 * An input to {@link GossipState#handle}: everything that can happen to a node.
 *
 * @param <P> the peer identity type
 */
public sealed interface InEvent<P> {

  /** A message from {@code from} arrived on {@code topic}. Messages for unknown topics are ignored. */
  record RecvMessage<P>(P from, TopicId topic, Message<P> message) implements InEvent<P> {
    public RecvMessage {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(topic, "topic");
      Objects.requireNonNull(message, "message");
    }
  }

  /** A command from the local application. */
  record Command<P>(TopicId topic, TopicCommand<P> command) implements InEvent<P> {
    public Command {
      Objects.requireNonNull(topic, "topic");
      Objects.requireNonNull(command, "command");
    }
  }

  /** A timer from {@link OutEvent.ScheduleTimer} is due. */
  record TimerExpired<P>(Timer<P> timer) implements InEvent<P> {
    public TimerExpired {
      Objects.requireNonNull(timer, "timer");
    }
  }

  /**
   * The transport lost the connection to {@code peer}, or failed to open it. Applies to every
   * topic.
   */
  record PeerDisconnected<P>(P peer) implements InEvent<P> {
    public PeerDisconnected {
      Objects.requireNonNull(peer, "peer");
    }
  }

  /** This node's own peer data (its addresses) changed; it is re-announced to the neighbours. */
  record UpdatePeerData<P>(byte[] data) implements InEvent<P> {
    public UpdatePeerData {
      Objects.requireNonNull(data, "data");
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof UpdatePeerData<?> u && Arrays.equals(data, u.data);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(data);
    }

    @Override
    public String toString() {
      return "UpdatePeerData[" + data.length + "b]";
    }
  }
}
