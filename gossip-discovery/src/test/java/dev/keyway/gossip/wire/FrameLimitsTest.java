package dev.keyway.gossip.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.gossip.proto.GossipConfig;
import dev.keyway.gossip.proto.GossipState;
import dev.keyway.gossip.proto.HyParViewConfig;
import dev.keyway.gossip.proto.InEvent;
import dev.keyway.gossip.proto.Message;
import dev.keyway.gossip.proto.OutEvent;
import dev.keyway.gossip.proto.PeerInfo;
import dev.keyway.gossip.proto.PlumTreeConfig;
import dev.keyway.gossip.proto.Scope;
import dev.keyway.gossip.proto.Timer;
import dev.keyway.gossip.proto.TopicCommand;
import dev.keyway.gossip.proto.TopicId;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * What a {@link GossipState} sends must encode within its frame limit, whatever its other
 * settings, and every node of a swarm with one frame limit must accept the same peer data: a
 * message that fails to encode is dropped by the transport, silently to the protocol.
 */
class FrameLimitsTest {
  private static final TopicId T = TopicId.ofName("limits");

  private static PublicKey key(int i) {
    return GossipCodecTest.key(i);
  }

  private static HyParViewConfig shuffleCounts(int active, int passive) {
    HyParViewConfig d = HyParViewConfig.defaults();
    return new HyParViewConfig(d.activeViewCapacity(), d.passiveViewCapacity(), d.activeRandomWalkLength(),
        d.passiveRandomWalkLength(), d.shuffleRandomWalkLength(), active, passive, d.shuffleInterval(),
        d.neighborRequestTimeout(), d.highPriorityBelow(), d.refusalBudget());
  }

  private static List<Message<PublicKey>> sent(List<OutEvent<PublicKey>> out) {
    List<Message<PublicKey>> messages = new ArrayList<>();
    for (OutEvent<PublicKey> e : out) {
      if (e instanceof OutEvent.SendMessage<PublicKey> s) {
        messages.add(s.message());
      }
    }
    return messages;
  }

  @Test
  void iHavesAreSplitToFitASmallFrameLimit() {
    GossipConfig config = GossipConfig.defaults().withMaxFrameSize(1024)
        .withPlumTree(PlumTreeConfig.defaults().withInitialLazyPercent(100));
    GossipCodec<PublicKey> codec = new GossipCodec<>(PeerEncoding.PUBLIC_KEYS, 1024);
    GossipState<PublicKey> s = new GossipState<>(key(1), new byte[] {1}, config, new SplittableRandom(1));
    s.handle(new InEvent.Command<>(T, new TopicCommand.Join<>(List.of())), 0);
    s.handle(new InEvent.RecvMessage<>(key(2), T, new Message.Join<>(new byte[] {2})), 0);
    assertThat(s.lazyPeers(T)).containsExactly(key(2));
    for (int i = 0; i < 60; i++) {
      s.handle(new InEvent.Command<>(T, new TopicCommand.Broadcast<>(new byte[] {(byte) i}, Scope.SWARM)), 0);
    }
    List<Message<PublicKey>> iHaves = sent(s.handle(new InEvent.TimerExpired<>(new Timer.DispatchLazyPush<>(T)), 0));
    int entries = 0;
    for (Message<PublicKey> m : iHaves) {
      assertThat(codec.encode(T, m).length).isLessThanOrEqualTo(1024);
      entries += ((Message.IHave<PublicKey>) m).entries().size();
    }
    assertThat(iHaves).hasSizeGreaterThan(1);
    assertThat(entries).isEqualTo(60);
  }

  @Test
  void thePeerDataLimitDependsOnTheFrameLimitAlone() {
    int codecLimit = new GossipCodec<>(PeerEncoding.PUBLIC_KEYS, 4096).maxPeerDataSize();
    for (HyParViewConfig h : List.of(HyParViewConfig.defaults(), shuffleCounts(1, 1), shuffleCounts(5, 10))) {
      GossipState<PublicKey> s = new GossipState<>(key(1), new byte[0],
          GossipConfig.defaults().withHyParView(h), new SplittableRandom(1));
      assertThat(s.maxPeerDataSize()).isEqualTo(codecLimit);
    }
  }

  @Test
  void largerShuffleCountsSendOnlyThePeersThatFit() {
    GossipConfig config = GossipConfig.defaults().withHyParView(shuffleCounts(5, 10));
    GossipCodec<PublicKey> codec = new GossipCodec<>(PeerEncoding.PUBLIC_KEYS, 4096);
    byte[] big = new byte[codec.maxPeerDataSize()];
    byte[] mine = {1};
    GossipState<PublicKey> s = new GossipState<>(key(1), mine, config, new SplittableRandom(1));
    s.handle(new InEvent.Command<>(T, new TopicCommand.Join<>(List.of())), 0);
    for (int p = 2; p <= 6; p++) {
      s.handle(new InEvent.RecvMessage<>(key(p), T, new Message.Join<>(big)), 0);
    }
    List<PeerInfo<PublicKey>> passive = new ArrayList<>();
    for (int p = 10; p < 17; p++) {
      passive.add(new PeerInfo<>(key(p), big));
    }
    s.handle(new InEvent.RecvMessage<>(key(2), T, new Message.ShuffleReply<>(passive)), 0);
    s.handle(new InEvent.RecvMessage<>(key(3), T, new Message.ShuffleReply<>(passive)), 0);

    Message.Shuffle<PublicKey> shuffle = null;
    for (Message<PublicKey> m : sent(s.handle(new InEvent.TimerExpired<>(new Timer.DoShuffle<>(T)), 0))) {
      if (m instanceof Message.Shuffle<PublicKey> sh) {
        shuffle = sh;
      }
    }
    assertThat(shuffle).isNotNull();
    assertThat(codec.encode(T, shuffle).length).isLessThanOrEqualTo(4096);
    assertThat(shuffle.nodes()).hasSizeBetween(2, 15)
        .last().isEqualTo(new PeerInfo<>(key(1), mine)); // never without ourselves

    // A Shuffle asking for 16 peers gets a reply that fits as well.
    List<PeerInfo<PublicKey>> asked = new ArrayList<>();
    for (int p = 20; p < 36; p++) {
      asked.add(new PeerInfo<>(key(p), null));
    }
    List<Message<PublicKey>> replies = sent(s.handle(
        new InEvent.RecvMessage<>(key(2), T, new Message.Shuffle<>(key(40), asked, 0)), 0));
    assertThat(replies).anySatisfy(m -> {
      assertThat(m).isInstanceOf(Message.ShuffleReply.class);
      assertThat(codec.encode(T, m).length).isLessThanOrEqualTo(4096);
    });
  }
}
