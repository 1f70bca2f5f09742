package dev.keyway.gossip.proto;

import java.util.Arrays;
import java.util.Objects;

/**
 * An output of {@link GossipState#handle}: an action for the runtime.
 *
 * @param <P> the peer identity type
 */
public sealed interface OutEvent<P> {

  /** Send {@code message} on {@code topic} to {@code to}, opening a connection if needed. */
  record SendMessage<P>(P to, TopicId topic, Message<P> message) implements OutEvent<P> {
    public SendMessage {
      Objects.requireNonNull(to, "to");
      Objects.requireNonNull(topic, "topic");
      Objects.requireNonNull(message, "message");
    }
  }

  /** Deliver {@code event} to the application's subscribers of {@code topic}. */
  record EmitEvent<P>(TopicId topic, Event<P> event) implements OutEvent<P> {
    public EmitEvent {
      Objects.requireNonNull(topic, "topic");
      Objects.requireNonNull(event, "event");
    }
  }

  /**
   * Feed {@code timer} back as {@link InEvent.TimerExpired} once {@code delayNanos} have passed
   * (relative to the {@code now} of the call that returned this event).
   */
  record ScheduleTimer<P>(long delayNanos, Timer<P> timer) implements OutEvent<P> {
    public ScheduleTimer {
      if (delayNanos < 0) {
        throw new IllegalArgumentException("negative delay " + delayNanos);
      }
      Objects.requireNonNull(timer, "timer");
    }
  }

  /**
   * No topic needs the connection to {@code peer} any more: close it after the messages already
   * queued for it are sent.
   */
  record DisconnectPeer<P>(P peer) implements OutEvent<P> {
    public DisconnectPeer {
      Objects.requireNonNull(peer, "peer");
    }
  }

  /** New or changed peer data (addresses) learnt for {@code peer}; feed it to the address book. */
  record PeerData<P>(P peer, byte[] data) implements OutEvent<P> {
    public PeerData {
      Objects.requireNonNull(peer, "peer");
      Objects.requireNonNull(data, "data");
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof PeerData<?> d && peer.equals(d.peer) && Arrays.equals(data, d.data);
    }

    @Override
    public int hashCode() {
      return peer.hashCode() * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
      return "PeerData[" + peer + ", " + data.length + "b]";
    }
  }
}
