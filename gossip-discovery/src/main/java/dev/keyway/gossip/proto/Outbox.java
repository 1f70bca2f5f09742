package dev.keyway.gossip.proto;

import java.util.ArrayList;
import java.util.List;

/**
 * The output of one {@link GossipState#handle} call, shared by the layers of every topic it
 * touches. It also carries the call's {@code now}.
 */
final class Outbox<P> {
  final long now;
  final ArrayList<OutEvent<P>> events = new ArrayList<>();

  Outbox(long now) {
    this.now = now;
  }

  void send(P to, TopicId topic, Message<P> message) {
    events.add(new OutEvent.SendMessage<>(to, topic, message));
  }

  void emit(TopicId topic, Event<P> event) {
    events.add(new OutEvent.EmitEvent<>(topic, event));
  }

  void schedule(long delayNanos, Timer<P> timer) {
    events.add(new OutEvent.ScheduleTimer<>(delayNanos, timer));
  }

  void disconnect(P peer) {
    events.add(new OutEvent.DisconnectPeer<>(peer));
  }

  void peerData(P peer, byte[] data) {
    events.add(new OutEvent.PeerData<>(peer, data));
  }

  /** Whether a DisconnectPeer for {@code peer} is already in this call's output. */
  boolean disconnects(P peer) {
    for (OutEvent<P> e : events) {
      if (e instanceof OutEvent.DisconnectPeer<P> d && d.peer().equals(peer)) {
        return true;
      }
    }
    return false;
  }

  List<OutEvent<P>> events() {
    return events;
  }
}
