package dev.keyway.gossip.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.gossip.proto.GossipConfig;
import dev.keyway.gossip.proto.HyParViewConfig;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Exact event sequences for tiny topologies (like iroh-gossip's smoke tests). Every link has the
 * same 10 ms latency, so the order of events follows from the protocol alone; the expectations
 * were derived by hand from the handlers, step by step in the comments.
 */
class SmokeTopologiesTest {
  static final long MS = 1_000_000L;

  static SimNetwork net(int n, GossipConfig config) {
    return new SimNetwork(n, 42, config, 10, 10, 0, 1000);
  }

  static byte[] text(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void threeNodesFormATriangleAndTheFirstBroadcastPrunesTheRedundantLink() {
    SimNetwork net = net(3, GossipConfig.defaults());
    Recorder rec = new Recorder(3);
    net.setObserver(rec);
    // t=0: 0 starts the topic; 1 and 2 join through 0.
    net.join(0);
    net.join(1, 0);
    net.join(2, 0);
    // t=10: 0 takes 1 (Neighbor back), then 2 (Neighbor back, ForwardJoin(2) to 1).
    // t=20: 1 takes 0; 1 has one neighbour, so the walk ends there: 1 asks 2 (HIGH). 2 takes 0.
    // t=30: 2 takes 1 and replies. t=40: 1 takes 2 on the reply.
    net.runFor(1000 * MS);
    assertThat(rec.of(0)).containsExactly("up 1", "up 2");
    assertThat(rec.of(1)).containsExactly("up 0", "up 2");
    assertThat(rec.of(2)).containsExactly("up 0", "up 1");

    // m1 from 0: 1 and 2 get it from 0 and push it to each other; both copies are duplicates,
    // so both prune (1 owns the 1-2 link and confirms). 4 payloads for 2 deliveries: RMR 1.
    net.broadcast(0, text("m1"));
    net.runFor(1000 * MS);
    assertThat(rec.payloads).isEqualTo(4);
    assertThat(rec.of(1)).endsWith("recv m1 from 0 round 0");
    assertThat(rec.of(2)).endsWith("recv m1 from 0 round 0");
    assertThat(net.node(0).eagerPeers(SimNetwork.TOPIC)).containsExactly(1, 2);
    assertThat(net.node(1).eagerPeers(SimNetwork.TOPIC)).containsExactly(0);
    assertThat(net.node(1).lazyPeers(SimNetwork.TOPIC)).containsExactly(2);
    assertThat(net.node(2).eagerPeers(SimNetwork.TOPIC)).containsExactly(0);
    assertThat(net.node(2).lazyPeers(SimNetwork.TOPIC)).containsExactly(1);

    // m2 from 1 follows the tree 1 -> 0 -> 2 (2 also hears of it through 1's IHave, which the
    // payload beats): 2 payloads for 2 deliveries, RMR 0; 2 is two hops away (round 1).
    net.broadcast(1, text("m2"));
    net.runFor(1000 * MS);
    assertThat(rec.payloads).isEqualTo(6);
    assertThat(rec.of(0)).containsExactly("up 1", "up 2", "recv m2 from 1 round 0");
    assertThat(rec.of(1)).containsExactly("up 0", "up 2", "recv m1 from 0 round 0");
    assertThat(rec.of(2)).containsExactly("up 0", "up 1", "recv m1 from 0 round 0", "recv m2 from 0 round 1");
  }

  @Test
  void aFullContactEvictsARandomNeighbourWhichRejoinsThroughTheWalk() {
    GossipConfig small = GossipConfig.defaults().withHyParView(HyParViewConfig.defaults().withViewCapacities(2, 4));
    SimNetwork net = net(4, small);
    Recorder rec = new Recorder(4);
    net.setObserver(rec);
    net.join(0);
    net.runFor(100 * MS);
    net.join(1, 0); // t=110 0 takes 1, t=120 1 takes 0
    net.runFor(100 * MS);
    net.join(2, 0); // t=210 0 takes 2, walk to 1; t=220 1 (one neighbour) asks 2; t=230/240 2-1
    net.runFor(100 * MS);
    assertThat(rec.of(0)).containsExactly("up 1", "up 2");
    assertThat(rec.of(1)).containsExactly("up 0", "up 2");
    assertThat(rec.of(2)).containsExactly("up 0", "up 1");
    // t=310: 0 is full and takes 3 anyway (a Join is HIGH): it evicts v, a random one of 1 and
    // 2, with a ShuffleReply and Disconnect(alive); the walk for 3 goes to the other one, w.
    // t=320: v drops 0 (its passive view has nobody else to ask); w forwards the walk to v.
    // t=330: v has one neighbour, so the walk ends: v asks 3, which takes it at t=340.
    net.join(3, 0);
    net.runFor(1000 * MS);
    String down = rec.of(0).get(2);
    assertThat(down).matches("down [12]");
    int v = Integer.parseInt(down.substring(5));
    int w = 3 - v;
    assertThat(rec.of(0)).containsExactly("up 1", "up 2", "down " + v, "up 3");
    assertThat(rec.of(v)).containsExactly("up 0", "up " + w, "down 0", "up 3");
    assertThat(rec.of(w)).containsExactly("up 0", "up " + v);
    assertThat(rec.of(3)).containsExactly("up 0", "up " + v);
    assertThat(net.node(0).activeView(SimNetwork.TOPIC)).containsExactlyInAnyOrder(w, 3);
    assertThat(net.node(v).activeView(SimNetwork.TOPIC)).containsExactlyInAnyOrder(w, 3);
    assertThat(net.node(v).passiveView(SimNetwork.TOPIC)).containsExactly(0);
  }

  @Test
  void aCrashedTreeNodeIsRoutedAroundByGraftAndTheNetworkHeals() {
    // A ring-like overlay: capacity 2, nodes join one after the other through the previous one.
    GossipConfig small = GossipConfig.defaults().withHyParView(HyParViewConfig.defaults().withViewCapacities(2, 4));
    int n = 6;
    SimNetwork net = net(n, small);
    Recorder rec = new Recorder(n);
    net.setObserver(rec);
    net.join(0);
    for (int i = 1; i < n; i++) {
      net.runFor(100 * MS);
      net.join(i, i - 1);
    }
    net.runFor(2000 * MS);
    net.broadcast(0, text("before"));
    net.runFor(2000 * MS);
    for (int i = 1; i < n; i++) {
      assertThat(rec.of(i)).filteredOn(e -> e.startsWith("recv")).hasSize(1);
    }
    // Crash a node that 0's message went through (the one with the most eager links besides 0).
    int victim = 1;
    for (int i = 1; i < n; i++) {
      if (net.node(i).eagerPeers(SimNetwork.TOPIC).size() > net.node(victim).eagerPeers(SimNetwork.TOPIC).size()) {
        victim = i;
      }
    }
    net.crash(new int[] {victim});
    net.broadcast(0, text("after"));
    net.runFor(5000 * MS);
    for (int i = 1; i < n; i++) {
      if (i != victim) {
        assertThat(rec.of(i)).as("node %d", i).filteredOn(e -> e.startsWith("recv after")).hasSize(1);
        assertThat(net.node(i).activeView(SimNetwork.TOPIC)).doesNotContain(victim).isNotEmpty();
      }
    }
  }

  @Test
  void joinAndBroadcastAreExactlyRepeatableForASeed() {
    List<String> a = scriptedRun();
    List<String> b = scriptedRun();
    assertThat(a).isEqualTo(b).isNotEmpty();
  }

  private static List<String> scriptedRun() {
    SimNetwork net = new SimNetwork(5, 7, GossipConfig.defaults(), 10, 50, 0, 1000);
    Recorder rec = new Recorder(5);
    net.setObserver(rec);
    net.join(0);
    for (int i = 1; i < 5; i++) {
      net.join(i, 0);
    }
    net.runFor(1000 * MS);
    net.broadcast(3, text("x"));
    net.runFor(1000 * MS);
    return rec.sends;
  }
}
