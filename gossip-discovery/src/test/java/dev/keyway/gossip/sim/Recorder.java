package dev.keyway.gossip.sim;

import dev.keyway.gossip.proto.Event;
import dev.keyway.gossip.proto.Message;
import java.util.ArrayList;
import java.util.List;

/** Records what happens in a {@link SimNetwork}, per node, for exact-sequence tests. */
final class Recorder implements SimNetwork.Observer {
  final List<List<String>> events = new ArrayList<>();
  final List<String> sends = new ArrayList<>();
  int payloads;

  Recorder(int n) {
    for (int i = 0; i < n; i++) {
      events.add(new ArrayList<>());
    }
  }

  @Override
  public void onReceived(int node, Event.Received<Integer> event, long now) {}

  @Override
  public void onPayload(int node, Message.Gossip<Integer> gossip) {
    payloads++;
  }

  @Override
  public void onEvent(int node, Event<Integer> event, long now) {
    String e;
    if (event instanceof Event.NeighborUp<Integer> up) {
      e = "up " + up.peer();
    } else if (event instanceof Event.NeighborDown<Integer> down) {
      e = "down " + down.peer();
    } else {
      Event.Received<Integer> r = (Event.Received<Integer>) event;
      e = "recv " + new String(r.content(), java.nio.charset.StandardCharsets.UTF_8) + " from " + r.deliveredFrom()
          + " round " + r.round();
    }
    events.get(node).add(e);
  }

  @Override
  public void onSend(int from, int to, Message<Integer> message, long now) {
    sends.add(String.format("%4d %d->%d %s", now / 1_000_000, from, to, message.getClass().getSimpleName()));
  }

  List<String> of(int node) {
    return events.get(node);
  }
}
