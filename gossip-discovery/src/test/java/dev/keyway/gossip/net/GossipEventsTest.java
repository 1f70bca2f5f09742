package dev.keyway.gossip.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.keys.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A subscription that falls behind loses events and is told how many (never unbounded memory). */
class GossipEventsTest {
  static GossipEvent up(int i) {
    return new GossipEvent.NeighborUp(NetTestSupport.key().publicKey());
  }

  @Test
  void aFullBufferDropsAndReportsLagged() throws Exception {
    AtomicBoolean closed = new AtomicBoolean();
    GossipEvents events = new GossipEvents(3, () -> closed.set(true));
    List<GossipEvent> offered = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      GossipEvent e = up(i);
      offered.add(e);
      events.offer(e);
    }
    assertThat(events.size()).isEqualTo(3);
    assertThat(events.poll(Duration.ofSeconds(1))).isEqualTo(offered.get(0));
    assertThat(events.tryPoll()).isEqualTo(offered.get(1));
    assertThat(events.tryPoll()).isEqualTo(offered.get(2));
    assertThat(events.tryPoll()).isEqualTo(new GossipEvent.Lagged(7));
    assertThat(events.tryPoll()).isNull();
    // After lagging, the subscriber sees Lagged before the next event.
    for (int i = 0; i < 5; i++) {
      events.offer(up(i));
    }
    GossipEvent last = up(99);
    events.tryPoll();
    events.tryPoll();
    events.tryPoll();
    events.offer(last);
    assertThat(events.tryPoll()).isEqualTo(new GossipEvent.Lagged(2));
    assertThat(events.tryPoll()).isEqualTo(last);
    events.close();
    assertThat(closed).isTrue();
    assertThat(events.poll(Duration.ofMillis(10))).isNull();
  }

  @Test
  void aHandlerReceivesEveryEventInOrder() {
    GossipEvents events = new GossipEvents(100, () -> {});
    List<PublicKey> got = new ArrayList<>();
    List<PublicKey> sent = new ArrayList<>();
    events.offer(new GossipEvent.NeighborDown(NetTestSupport.key().publicKey()));
    events.handler(Runnable::run, e -> got.add(e instanceof GossipEvent.NeighborDown d ? d.peer() : ((GossipEvent.NeighborUp) e).peer()));
    for (int i = 0; i < 200; i++) {
      PublicKey k = NetTestSupport.key().publicKey();
      sent.add(k);
      events.offer(new GossipEvent.NeighborUp(k));
    }
    assertThat(got).hasSize(201);
    assertThat(got.subList(1, 201)).isEqualTo(sent);
  }
}
