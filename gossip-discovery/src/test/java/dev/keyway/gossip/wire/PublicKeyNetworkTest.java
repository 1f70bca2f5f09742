package dev.keyway.gossip.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.gossip.proto.Event;
import dev.keyway.gossip.proto.GossipConfig;
import dev.keyway.gossip.proto.GossipState;
import dev.keyway.gossip.proto.InEvent;
import dev.keyway.gossip.proto.OutEvent;
import dev.keyway.gossip.proto.Scope;
import dev.keyway.gossip.proto.Timer;
import dev.keyway.gossip.proto.TopicCommand;
import dev.keyway.gossip.proto.TopicId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Production types end to end: Ed25519 public keys as peer ids, and every message encoded to a
 * CBOR frame and decoded again on its way, in a small fixed-latency network.
 */
class PublicKeyNetworkTest {
  static final TopicId TOPIC = TopicId.ofName("keys");
  static final long LATENCY = 20_000_000L;

  /** A frame in flight or a timer: delivered to {@code to} at {@code time}. */
  record Pending(long time, long seq, PublicKey to, PublicKey from, byte[] frame, Timer<PublicKey> timer) {}

  final GossipCodec<PublicKey> codec = GossipCodec.forPublicKeys();
  final TreeMap<PublicKey, GossipState<PublicKey>> nodes = new TreeMap<>();
  final TreeMap<PublicKey, List<String>> received = new TreeMap<>();
  final PriorityQueue<Pending> queue = new PriorityQueue<>(
      Comparator.comparingLong(Pending::time).thenComparingLong(Pending::seq));
  long now;
  long seq;
  int frames;
  int peerDataEvents;

  void apply(PublicKey node, List<OutEvent<PublicKey>> outs) {
    for (OutEvent<PublicKey> o : outs) {
      if (o instanceof OutEvent.SendMessage<PublicKey> s) {
        frames++;
        queue.add(new Pending(now + LATENCY, seq++, s.to(), node, codec.encode(s.topic(), s.message()), null));
      } else if (o instanceof OutEvent.ScheduleTimer<PublicKey> t) {
        queue.add(new Pending(now + t.delayNanos(), seq++, node, null, null, t.timer()));
      } else if (o instanceof OutEvent.EmitEvent<PublicKey> e && e.event() instanceof Event.Received<PublicKey> r) {
        received.computeIfAbsent(node, k -> new ArrayList<>()).add(new String(r.content(), StandardCharsets.UTF_8));
      } else if (o instanceof OutEvent.PeerData<PublicKey>) {
        peerDataEvents++;
      }
    }
  }

  void runFor(long nanos) {
    long until = now + nanos;
    while (!queue.isEmpty() && queue.peek().time() <= until) {
      Pending p = queue.poll();
      now = p.time();
      InEvent<PublicKey> in;
      if (p.frame() != null) {
        Frame<PublicKey> f = codec.decode(p.frame());
        in = new InEvent.RecvMessage<>(p.from(), f.topic(), f.message());
      } else {
        in = new InEvent.TimerExpired<>(p.timer());
      }
      apply(p.to(), nodes.get(p.to()).handle(in, now));
    }
    now = until;
  }

  @Test
  void aSwarmOfKeysJoinsAndBroadcastsOverEncodedFrames() {
    Random seeds = new Random(3);
    List<PublicKey> keys = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      byte[] seed = new byte[32];
      seeds.nextBytes(seed);
      PublicKey k = SecretKey.fromBytes(seed).publicKey();
      keys.add(k);
      nodes.put(k, new GossipState<>(k, ("addr-" + i).getBytes(StandardCharsets.UTF_8), GossipConfig.defaults(),
          new SplittableRandom(i)));
    }
    for (int i = 0; i < keys.size(); i++) {
      List<PublicKey> bootstrap = i == 0 ? List.of() : List.of(keys.get(0));
      apply(keys.get(i), nodes.get(keys.get(i)).handle(new InEvent.Command<>(TOPIC, new TopicCommand.Join<>(bootstrap)), now));
    }
    runFor(2_000_000_000L);
    for (PublicKey k : keys) {
      assertThat(nodes.get(k).activeView(TOPIC)).as(k.fmtShort()).isNotEmpty();
      for (PublicKey p : nodes.get(k).activeView(TOPIC)) {
        assertThat(nodes.get(p).activeView(TOPIC)).contains(k);
      }
    }
    PublicKey sender = keys.get(5);
    apply(sender, nodes.get(sender).handle(new InEvent.Command<>(TOPIC,
        new TopicCommand.Broadcast<>("hello keys".getBytes(StandardCharsets.UTF_8), Scope.SWARM)), now));
    runFor(2_000_000_000L);
    for (PublicKey k : keys) {
      if (!k.equals(sender)) {
        assertThat(received.get(k)).as(k.fmtShort()).containsExactly("hello keys");
      }
    }
    assertThat(frames).isGreaterThan(20);
    assertThat(peerDataEvents).isPositive();
  }
}
