package dev.keyway.gossip.proto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Drives one {@link GossipState} by hand and checks its outputs event by event. */
class GossipStateTest {
  static final TopicId T = TopicId.ofName("t");
  static final TopicId U = TopicId.ofName("u");
  static final long MS = 1_000_000L;

  static GossipState<Integer> node(int me) {
    return node(me, GossipConfig.defaults());
  }

  static GossipState<Integer> node(int me, GossipConfig config) {
    return new GossipState<>(me, new byte[] {(byte) me}, config, new SplittableRandom(me));
  }

  static List<OutEvent<Integer>> join(GossipState<Integer> s, TopicId t, Integer... peers) {
    return s.handle(new InEvent.Command<>(t, new TopicCommand.Join<>(List.of(peers))), 0);
  }

  static List<OutEvent<Integer>> recv(GossipState<Integer> s, int from, TopicId t, Message<Integer> m, long now) {
    return s.handle(new InEvent.RecvMessage<>(from, t, m), now);
  }

  static List<OutEvent<Integer>> broadcast(GossipState<Integer> s, TopicId t, String content, long now) {
    return s.handle(new InEvent.Command<>(t, new TopicCommand.Broadcast<>(bytes(content), Scope.SWARM)), now);
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static Message.Gossip<Integer> gossip(String content, int round) {
    byte[] c = bytes(content);
    return new Message.Gossip<>(MessageId.of(c), c, Scope.SWARM, round);
  }

  /** Makes {@code peer} a neighbour of {@code s} on {@code t} (as the joiner's contact). */
  static void neighbour(GossipState<Integer> s, TopicId t, int peer) {
    recv(s, peer, t, new Message.Join<>(new byte[] {(byte) peer}), 0);
  }

  static <E> List<E> only(List<OutEvent<Integer>> out, Class<E> type) {
    List<E> r = new ArrayList<>();
    for (OutEvent<Integer> e : out) {
      if (type.isInstance(e)) {
        r.add(type.cast(e));
      }
    }
    return r;
  }

  @SuppressWarnings("unchecked")
  static List<OutEvent.SendMessage<Integer>> sends(List<OutEvent<Integer>> out) {
    return (List<OutEvent.SendMessage<Integer>>) (List<?>) only(out, OutEvent.SendMessage.class);
  }

  // ------------------------------------------------------------------ membership basics

  @Test
  void joiningCreatesTheTopicSchedulesTheShuffleAndSendsJoin() {
    GossipState<Integer> s = node(1);
    List<OutEvent<Integer>> out = join(s, T, 2, 1);
    assertThat(s.isJoined(T)).isTrue();
    OutEvent.ScheduleTimer<Integer> timer = only(out, OutEvent.ScheduleTimer.class).get(0);
    assertThat(timer.timer()).isEqualTo(new Timer.DoShuffle<Integer>(T));
    assertThat(timer.delayNanos()).isBetween(Duration.ofSeconds(30).toNanos(), Duration.ofSeconds(60).toNanos());
    // Join to 2 only: a node never joins itself.
    assertThat(sends(out)).containsExactly(new OutEvent.SendMessage<>(2, T, new Message.Join<>(new byte[] {1})));
  }

  @Test
  void aJoinIsAcceptedAnsweredAndWalkedToTheOtherNeighbours() {
    GossipState<Integer> s = node(1);
    join(s, T);
    neighbour(s, T, 2);
    List<OutEvent<Integer>> out = recv(s, 3, T, new Message.Join<>(new byte[] {3}), 0);
    assertThat(out).containsExactly(
        new OutEvent.SendMessage<>(3, T, new Message.Neighbor<>(Priority.HIGH, new byte[] {1})),
        new OutEvent.PeerData<>(3, new byte[] {3}),
        new OutEvent.EmitEvent<>(T, new Event.NeighborUp<>(3)),
        new OutEvent.SendMessage<>(2, T, new Message.ForwardJoin<>(new PeerInfo<>(3, new byte[] {3}), 6)));
    assertThat(s.activeView(T)).containsExactly(2, 3);
    assertThat(s.eagerPeers(T)).containsExactly(2, 3);
  }

  @Test
  void aLowRequestIsRefusedWhenFullWithASampleAndDisconnect() {
    GossipState<Integer> s = node(1, GossipConfig.defaults().withHyParView(HyParViewConfig.defaults().withViewCapacities(2, 4)));
    join(s, T);
    neighbour(s, T, 2);
    neighbour(s, T, 3);
    List<OutEvent<Integer>> out = recv(s, 4, T, new Message.Neighbor<>(Priority.LOW, null), 0);
    List<OutEvent.SendMessage<Integer>> sent = sends(out);
    assertThat(sent).hasSize(2);
    assertThat(sent.get(0).message()).isInstanceOf(Message.ShuffleReply.class);
    assertThat(sent.get(1).message()).isEqualTo(new Message.Disconnect<Integer>(true));
    assertThat(only(out, OutEvent.DisconnectPeer.class)).containsExactly(new OutEvent.DisconnectPeer<>(4));
    assertThat(s.activeView(T)).containsExactly(2, 3);
  }

  @Test
  void aHighRequestEvictsARandomNeighbourWhoIsToldAndKeptAsPassive() {
    GossipState<Integer> s = node(1, GossipConfig.defaults().withHyParView(HyParViewConfig.defaults().withViewCapacities(2, 4)));
    join(s, T);
    neighbour(s, T, 2);
    neighbour(s, T, 3);
    List<OutEvent<Integer>> out = recv(s, 4, T, new Message.Neighbor<>(Priority.HIGH, null), 0);
    int victim = only(out, OutEvent.EmitEvent.class).stream()
        .filter(e -> e.event() instanceof Event.NeighborDown).map(e -> (Integer) ((Event.NeighborDown<?>) e.event()).peer())
        .findFirst().orElseThrow();
    assertThat(victim).isIn(2, 3);
    assertThat(sends(out)).extracting(OutEvent.SendMessage::to, m -> m.message().getClass().getSimpleName())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(4, "Neighbor"),
            org.assertj.core.groups.Tuple.tuple(victim, "ShuffleReply"),
            org.assertj.core.groups.Tuple.tuple(victim, "Disconnect"));
    assertThat(s.activeView(T)).containsExactlyInAnyOrder(5 - victim, 4);
    assertThat(s.passiveView(T)).containsExactly(victim);
  }

  @Test
  void aShuffleReplyFillsThePassiveViewAndTopsUpTheActiveOne() {
    GossipState<Integer> s = node(1);
    join(s, T);
    neighbour(s, T, 2);
    List<OutEvent<Integer>> out = recv(s, 2, T, new Message.ShuffleReply<>(List.of(new PeerInfo<>(7, null))), 0);
    // A single neighbour: ask 7 with HIGH priority (below highPriorityBelow = 2).
    assertThat(sends(out)).containsExactly(new OutEvent.SendMessage<>(7, T, new Message.Neighbor<>(Priority.HIGH, new byte[] {1})));
    assertThat(s.pendingNeighbors(T)).containsExactly(7);
    // 7 answers: it becomes a neighbour without a further reply.
    out = recv(s, 7, T, new Message.Neighbor<>(Priority.LOW, new byte[] {7}), 1 * MS);
    assertThat(sends(out)).isEmpty();
    assertThat(s.activeView(T)).containsExactly(2, 7);
    // With two neighbours, the next one is asked with LOW priority.
    out = recv(s, 2, T, new Message.ShuffleReply<>(List.of(new PeerInfo<>(8, null))), 2 * MS);
    assertThat(sends(out)).containsExactly(new OutEvent.SendMessage<>(8, T, new Message.Neighbor<>(Priority.LOW, new byte[] {1})));
  }

  @Test
  void theHighPriorityThresholdStaysBelowCapacity() {
    assertThat(HyParViewConfig.defaults().highPriorityBelow()).isEqualTo(2);
    assertThat(HyParViewConfig.defaults().withViewCapacities(2, 4).highPriorityBelow()).isEqualTo(1);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> HyParViewConfig.defaults().withHighPriorityBelow(5))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aLostNeighbourIsReplacedFromThePassiveView() {
    GossipState<Integer> s = node(1, GossipConfig.defaults().withHyParView(HyParViewConfig.defaults().withViewCapacities(1, 4)));
    join(s, T);
    neighbour(s, T, 2);
    recv(s, 2, T, new Message.ShuffleReply<>(List.of(new PeerInfo<>(7, null))), 0);
    assertThat(s.passiveView(T)).containsExactly(7);
    List<OutEvent<Integer>> out = s.handle(new InEvent.PeerDisconnected<>(2), 5 * MS);
    assertThat(out).contains(new OutEvent.EmitEvent<>(T, new Event.NeighborDown<>(2)));
    // Nobody left: a HIGH request, with its timeout.
    assertThat(sends(out)).containsExactly(new OutEvent.SendMessage<>(7, T, new Message.Neighbor<>(Priority.HIGH, new byte[] {1})));
    OutEvent.ScheduleTimer<Integer> t = only(out, OutEvent.ScheduleTimer.class).get(0);
    assertThat(t.delayNanos()).isEqualTo(500 * MS);
    // Unanswered: the peer is dropped; the timer is a no-op the second time.
    s.handle(new InEvent.TimerExpired<>(t.timer()), 505 * MS);
    assertThat(s.passiveView(T)).isEmpty();
    assertThat(s.handle(new InEvent.TimerExpired<>(t.timer()), 506 * MS)).isEmpty();
  }

  // ------------------------------------------------------------------ broadcast

  @Test
  void aBroadcastGoesEagerlyToEagerPeersAndAsABatchedIHaveToLazyOnes() {
    GossipState<Integer> s = node(1);
    join(s, T);
    neighbour(s, T, 2);
    neighbour(s, T, 3);
    recv(s, 3, T, new Message.Prune<>(), 0); // 3 is now lazy (1 owns the link and confirms)
    assertThat(s.lazyPeers(T)).containsExactly(3);
    List<OutEvent<Integer>> out = broadcast(s, T, "hello", 10 * MS);
    Message.Gossip<Integer> g = gossip("hello", 0);
    assertThat(sends(out)).containsExactly(new OutEvent.SendMessage<>(2, T, g));
    Timer<Integer> dispatch = new Timer.DispatchLazyPush<>(T);
    assertThat(only(out, OutEvent.ScheduleTimer.class)).contains(new OutEvent.ScheduleTimer<>(5 * MS, dispatch));
    List<OutEvent<Integer>> later = s.handle(new InEvent.TimerExpired<>(dispatch), 15 * MS);
    assertThat(sends(later)).containsExactly(
        new OutEvent.SendMessage<>(3, T, new Message.IHave<>(List.of(new IHaveEntry(g.id(), 0)))));
  }

  @Test
  void aReceivedPayloadIsDeliveredOnceForwardedAndDuplicatesArePruned() {
    GossipState<Integer> s = node(1);
    join(s, T);
    neighbour(s, T, 2);
    neighbour(s, T, 3);
    Message.Gossip<Integer> g = gossip("x", 4);
    List<OutEvent<Integer>> out = recv(s, 2, T, g, 0);
    assertThat(out).containsExactly(
        new OutEvent.ScheduleTimer<>(Duration.ofSeconds(30).toNanos(), new Timer.EvictCache<>(T)),
        new OutEvent.SendMessage<>(3, T, gossip("x", 5)),
        new OutEvent.EmitEvent<>(T, new Event.Received<>(g.id(), g.content(), 2, Scope.SWARM, 4)));
    // The same payload from 3: no delivery; 3 is pruned (1 owns the link: no request, a decision).
    List<OutEvent<Integer>> dup = recv(s, 3, T, gossip("x", 9), 0);
    assertThat(dup).containsExactly(new OutEvent.SendMessage<>(3, T, new Message.Prune<>()));
    assertThat(s.eagerPeers(T)).containsExactly(2);
    assertThat(s.stats(T).duplicates()).isEqualTo(1);
  }

  @Test
  void aDuplicateFromANeighbourHeldLazyIsPrunedToo() {
    // 2 restarted and joined again over a connection 1 kept: 1 still holds it lazy, the new 2
    // holds 1 eager and pushes payloads. Only a Prune brings 2's end in line (iroh prunes on
    // every duplicate).
    GossipState<Integer> s = node(1);
    join(s, T);
    neighbour(s, T, 2);
    recv(s, 2, T, new Message.Prune<>(), 0);
    assertThat(s.lazyPeers(T)).containsExactly(2);
    broadcast(s, T, "x", 0);
    assertThat(recv(s, 2, T, new Message.Join<>(new byte[] {2}), 0)).noneMatch(e -> e instanceof OutEvent.EmitEvent);
    assertThat(s.lazyPeers(T)).containsExactly(2);
    assertThat(recv(s, 2, T, gossip("x", 0), 0)).containsExactly(new OutEvent.SendMessage<>(2, T, new Message.Prune<>()));
    // A node that is no neighbour gets no Prune: it would only open a connection.
    assertThat(sends(recv(s, 7, T, gossip("x", 0), 0))).isEmpty();
  }

  @Test
  void theOwnerConfirmsRequestsAndTheOtherEndDoesNot() {
    GossipState<Integer> low = node(1);
    join(low, T);
    neighbour(low, T, 2);
    // 2 asks 1 (the owner) to prune: 1 applies and confirms.
    assertThat(recv(low, 2, T, new Message.Prune<>(), 0)).containsExactly(new OutEvent.SendMessage<>(2, T, new Message.Prune<>()));
    assertThat(recv(low, 2, T, new Message.Graft<>(null, 3), 0)).containsExactly(new OutEvent.SendMessage<>(2, T, new Message.Graft<>(null, 3)));
    GossipState<Integer> high = node(5);
    join(high, T);
    neighbour(high, T, 2);
    // 2 owns the link to 5: 5 just applies.
    assertThat(recv(high, 2, T, new Message.Prune<>(), 0)).isEmpty();
    assertThat(high.lazyPeers(T)).containsExactly(2);
    assertThat(recv(high, 2, T, new Message.Graft<>(null, 3), 0)).isEmpty();
    assertThat(high.eagerPeers(T)).containsExactly(2);
  }

  @Test
  void aMissingMessageIsGraftedFromTheAnnouncerAfterTheTimeoutThenFromTheNext() {
    GossipState<Integer> s = node(1);
    join(s, T);
    neighbour(s, T, 2);
    neighbour(s, T, 3);
    Message.Gossip<Integer> g = gossip("late", 3);
    List<OutEvent<Integer>> out = recv(s, 2, T, new Message.IHave<>(List.of(new IHaveEntry(g.id(), 3))), 0);
    Timer<Integer> graft = new Timer.SendGraft<>(T, g.id());
    assertThat(out).containsExactly(new OutEvent.ScheduleTimer<>(80 * MS, graft));
    // A second announcer does not arm a second timer.
    assertThat(recv(s, 3, T, new Message.IHave<>(List.of(new IHaveEntry(g.id(), 4))), 1 * MS)).isEmpty();
    out = s.handle(new InEvent.TimerExpired<>(graft), 80 * MS);
    assertThat(out).containsExactly(
        new OutEvent.SendMessage<>(2, T, new Message.Graft<>(g.id(), 3)),
        new OutEvent.ScheduleTimer<>(40 * MS, graft));
    out = s.handle(new InEvent.TimerExpired<>(graft), 120 * MS);
    assertThat(out).containsExactly(
        new OutEvent.SendMessage<>(3, T, new Message.Graft<>(g.id(), 4)),
        new OutEvent.ScheduleTimer<>(40 * MS, graft));
    // The payload arrives from 3: delivered; the next timer finds nothing to do.
    out = recv(s, 3, T, g, 130 * MS);
    assertThat(only(out, OutEvent.EmitEvent.class)).hasSize(1);
    assertThat(s.handle(new InEvent.TimerExpired<>(graft), 160 * MS)).isEmpty();
  }

  @Test
  void aGraftIsAnsweredFromTheCache() {
    GossipState<Integer> s = node(1);
    join(s, T);
    neighbour(s, T, 2);
    broadcast(s, T, "cached", 0);
    Message.Gossip<Integer> g = gossip("cached", 0);
    List<OutEvent<Integer>> out = recv(s, 2, T, new Message.Graft<>(g.id(), 0), 10 * MS);
    assertThat(sends(out)).contains(new OutEvent.SendMessage<>(2, T, g));
  }

  @Test
  void aSpoofedIdIsDropped() {
    GossipState<Integer> s = node(1);
    join(s, T);
    neighbour(s, T, 2);
    Message.Gossip<Integer> spoofed = new Message.Gossip<>(MessageId.of(bytes("a")), bytes("b"), Scope.SWARM, 0);
    assertThat(recv(s, 2, T, spoofed, 0)).isEmpty();
    assertThat(s.stats(T).invalid()).isEqualTo(1);
  }

  @Test
  void neighboursScopeReachesEveryNeighbourAndIsNeitherForwardedNorDeduplicated() {
    GossipState<Integer> s = node(1);
    join(s, T);
    neighbour(s, T, 2);
    neighbour(s, T, 3);
    recv(s, 3, T, new Message.Prune<>(), 0);
    byte[] c = bytes("hi neighbours");
    List<OutEvent<Integer>> out = s.handle(new InEvent.Command<>(T, new TopicCommand.Broadcast<>(c, Scope.NEIGHBORS)), 0);
    assertThat(sends(out)).extracting(OutEvent.SendMessage::to).containsExactly(2, 3);
    Message.Gossip<Integer> g = new Message.Gossip<>(MessageId.of(c), c, Scope.NEIGHBORS, 0);
    for (int i = 0; i < 2; i++) {
      assertThat(recv(s, 2, T, g, 0)).containsExactly(
          new OutEvent.EmitEvent<>(T, new Event.Received<>(g.id(), c, 2, Scope.NEIGHBORS, 0)));
    }
  }

  // ------------------------------------------------------------------ refusals are errors, not drops

  @Test
  void anOversizedBroadcastIsAnErrorAndChangesNothing() {
    GossipState<Integer> s = node(1);
    join(s, T);
    neighbour(s, T, 2);
    byte[] big = new byte[s.maxBroadcastSize() + 1];
    assertThatThrownBy(() -> s.handle(new InEvent.Command<>(T, new TopicCommand.Broadcast<>(big, Scope.SWARM)), 0))
        .isInstanceOf(FrameTooLargeException.class)
        .hasMessageContaining("broadcast of " + big.length + " bytes");
    assertThat(s.stats(T).seenIds()).isZero();
    byte[] fits = new byte[s.maxBroadcastSize()];
    assertThat(sends(s.handle(new InEvent.Command<>(T, new TopicCommand.Broadcast<>(fits, Scope.SWARM)), 0))).hasSize(1);
  }

  @Test
  void aRepeatedPayloadIsAnError() {
    GossipState<Integer> s = node(1);
    join(s, T);
    broadcast(s, T, "same", 0);
    assertThatThrownBy(() -> broadcast(s, T, "same", 1)).isInstanceOf(DuplicateMessageException.class);
    // After the id retention (90 s) it may be sent again.
    s.handle(new InEvent.TimerExpired<>(new Timer.EvictCache<>(T)), Duration.ofSeconds(91).toNanos());
    broadcast(s, T, "same", Duration.ofSeconds(91).toNanos());
  }

  @Test
  void broadcastingOnATopicNotJoinedIsAnError() {
    assertThatThrownBy(() -> broadcast(node(1), T, "x", 0)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void oversizedPeerDataIsAnError() {
    GossipState<Integer> s = node(1);
    assertThatThrownBy(() -> s.handle(new InEvent.UpdatePeerData<>(new byte[s.maxPeerDataSize() + 1]), 0))
        .isInstanceOf(FrameTooLargeException.class);
  }

  @Test
  void newPeerDataIsReannouncedWithLowPriority() {
    GossipState<Integer> s = node(1);
    join(s, T);
    neighbour(s, T, 2);
    List<OutEvent<Integer>> out = s.handle(new InEvent.UpdatePeerData<>(new byte[] {42}), 0);
    assertThat(out).containsExactly(new OutEvent.SendMessage<>(2, T, new Message.Neighbor<>(Priority.LOW, new byte[] {42})));
  }

  // ------------------------------------------------------------------ bounded memory

  @Test
  void queuedAnnouncementsAreCappedPerPeerAndBatchedPerMessage() {
    GossipState<Integer> s = node(1);
    join(s, T);
    neighbour(s, T, 2);
    recv(s, 2, T, new Message.Prune<>(), 0);
    for (int i = 0; i < 1500; i++) {
      broadcast(s, T, "m" + i, 0);
    }
    List<OutEvent<Integer>> out = s.handle(new InEvent.TimerExpired<>(new Timer.DispatchLazyPush<>(T)), 5 * MS);
    List<OutEvent.SendMessage<Integer>> ihaves = sends(out);
    assertThat(ihaves).hasSize(10);
    assertThat(ihaves).allSatisfy(m -> assertThat(((Message.IHave<Integer>) m.message()).entries()).hasSize(100));
    assertThat(s.stats(T).droppedAnnouncements()).isEqualTo(500);
  }

  @Test
  void trackedMissingIdsAreCapped() {
    GossipState<Integer> s = node(1);
    join(s, T);
    neighbour(s, T, 2);
    for (int batch = 0; batch < 110; batch++) {
      List<IHaveEntry> entries = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        entries.add(new IHaveEntry(MessageId.of(bytes(batch + ":" + i)), 1));
      }
      recv(s, 2, T, new Message.IHave<>(entries), 0);
    }
    assertThat(s.stats(T).missingIds()).isEqualTo(10_000);
    assertThat(s.stats(T).droppedAnnouncements()).isEqualTo(1_000);
  }

  @Test
  void seenIdsAndCachedPayloadsAreCappedByCount() {
    PlumTreeConfig small = new PlumTreeConfig(Duration.ofMillis(80), Duration.ofMillis(40), Duration.ofMillis(5), 7,
        Duration.ofSeconds(30), Duration.ofSeconds(90), Duration.ofSeconds(1), 100, 10_000, 1_000, 8, 16, 10);
    GossipState<Integer> s = node(1, GossipConfig.defaults().withPlumTree(small));
    join(s, T);
    for (int i = 0; i < 50; i++) {
      broadcast(s, T, "m" + i, i);
    }
    assertThat(s.stats(T).seenIds()).isEqualTo(16);
    assertThat(s.stats(T).cachedPayloads()).isEqualTo(8);
  }

  // ------------------------------------------------------------------ topics and determinism

  @Test
  void topicsAreIndependentButShareConnections() {
    GossipState<Integer> s = node(1);
    join(s, T);
    join(s, U);
    neighbour(s, T, 2);
    // On U, 2 is a stranger: its ShuffleReply would close the connection, but T still uses it.
    List<OutEvent<Integer>> out = recv(s, 2, U, new Message.ShuffleReply<>(List.of()), 0);
    assertThat(only(out, OutEvent.DisconnectPeer.class)).isEmpty();
    assertThat(s.activeView(U)).isEmpty();
    // A stranger on every topic is disconnected after its message.
    out = recv(s, 9, U, new Message.ShuffleReply<>(List.of()), 0);
    assertThat(only(out, OutEvent.DisconnectPeer.class)).containsExactly(new OutEvent.DisconnectPeer<>(9));
    // A lost connection applies to every topic.
    neighbour(s, U, 2);
    out = s.handle(new InEvent.PeerDisconnected<>(2), 0);
    assertThat(only(out, OutEvent.EmitEvent.class)).containsExactly(
        new OutEvent.EmitEvent<>(T, new Event.NeighborDown<>(2)),
        new OutEvent.EmitEvent<>(U, new Event.NeighborDown<>(2)));
    // Messages for a topic that is not joined are ignored.
    assertThat(recv(s, 3, TopicId.ofName("other"), new Message.Join<>(null), 0)).isEmpty();
  }

  @Test
  void quittingTellsEveryNeighbourAndDropsTheTopic() {
    GossipState<Integer> s = node(1);
    join(s, T);
    neighbour(s, T, 2);
    List<OutEvent<Integer>> out = s.handle(new InEvent.Command<>(T, new TopicCommand.Quit<>()), 0);
    assertThat(sends(out)).extracting(m -> m.message().getClass().getSimpleName()).containsExactly("ShuffleReply", "Disconnect");
    assertThat(sends(out).get(1).message()).isEqualTo(new Message.Disconnect<Integer>(false));
    assertThat(only(out, OutEvent.DisconnectPeer.class)).containsExactly(new OutEvent.DisconnectPeer<>(2));
    assertThat(s.isJoined(T)).isFalse();
  }

  @Test
  void theSameSeedAndInputsGiveTheSameOutputs() {
    List<List<OutEvent<Integer>>> a = script(node(1));
    List<List<OutEvent<Integer>>> b = script(node(1));
    assertThat(a).isEqualTo(b);
  }

  private static List<List<OutEvent<Integer>>> script(GossipState<Integer> s) {
    List<List<OutEvent<Integer>>> outs = new ArrayList<>();
    outs.add(join(s, T, 2));
    for (int p = 2; p < 12; p++) {
      outs.add(recv(s, p, T, new Message.Join<>(null), p * MS));
    }
    outs.add(s.handle(new InEvent.TimerExpired<>(new Timer.DoShuffle<>(T)), 60_000 * MS));
    outs.add(broadcast(s, T, "d", 60_001 * MS));
    return outs;
  }
}
