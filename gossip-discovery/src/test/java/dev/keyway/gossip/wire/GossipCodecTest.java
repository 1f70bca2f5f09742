package dev.keyway.gossip.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.gossip.proto.FrameSizes;
import dev.keyway.gossip.proto.FrameTooLargeException;
import dev.keyway.gossip.proto.GossipConfig;
import dev.keyway.gossip.proto.IHaveEntry;
import dev.keyway.gossip.proto.Message;
import dev.keyway.gossip.proto.MessageId;
import dev.keyway.gossip.proto.PeerInfo;
import dev.keyway.gossip.proto.Priority;
import dev.keyway.gossip.proto.Scope;
import dev.keyway.gossip.proto.TopicId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class GossipCodecTest {
  private static final GossipCodec<PublicKey> CODEC = GossipCodec.forPublicKeys();
  private static final TopicId TOPIC = TopicId.ofName("codec");

  static PublicKey key(int i) {
    byte[] seed = new byte[32];
    new Random(i).nextBytes(seed);
    return SecretKey.fromBytes(seed).publicKey();
  }

  static Stream<Message<PublicKey>> messages() {
    byte[] data = {1, 2, 3};
    MessageId id = MessageId.of(new byte[] {9});
    return Stream.of(
        new Message.Join<>(data),
        new Message.Join<>(null),
        new Message.ForwardJoin<>(new PeerInfo<>(key(1), data), 6),
        new Message.ForwardJoin<>(new PeerInfo<>(key(1), null), 0),
        new Message.Shuffle<>(key(2), List.of(new PeerInfo<>(key(3), data), new PeerInfo<>(key(4), null)), 5),
        new Message.ShuffleReply<>(List.of()),
        new Message.ShuffleReply<>(List.of(new PeerInfo<>(key(5), new byte[0]))),
        new Message.Neighbor<>(Priority.HIGH, data),
        new Message.Neighbor<>(Priority.LOW, null),
        new Message.Disconnect<>(true),
        new Message.Disconnect<>(false),
        new Message.Gossip<>(MessageId.of(new byte[] {9}), new byte[] {9}, Scope.SWARM, 300),
        new Message.Gossip<>(MessageId.of(new byte[0]), new byte[0], Scope.NEIGHBORS, 0),
        new Message.Prune<>(),
        new Message.Graft<>(id, 7),
        new Message.Graft<>(null, 65535),
        new Message.IHave<>(List.of()),
        new Message.IHave<>(List.of(new IHaveEntry(id, 1), new IHaveEntry(MessageId.of(new byte[] {8}), 2000))));
  }

  @ParameterizedTest
  @MethodSource("messages")
  void roundTrips(Message<PublicKey> message) {
    byte[] frame = CODEC.encode(TOPIC, message);
    Frame<PublicKey> decoded = CODEC.decode(frame);
    assertThat(decoded.topic()).isEqualTo(TOPIC);
    assertThat(decoded.message()).isEqualTo(message);
    assertThat(CODEC.encode(TOPIC, decoded.message())).isEqualTo(frame);
  }

  @Test
  void layoutIsStable() {
    // [topic, [7]]: array(2), bstr(32) topic, array(1), 7
    byte[] prune = CODEC.encode(TOPIC, new Message.Prune<>());
    String hex = HexFormat.of().formatHex(prune);
    assertThat(hex).startsWith("825820").endsWith("8107").hasSize((1 + 2 + 32 + 2) * 2);
    // [topic, [5, false]]
    assertThat(HexFormat.of().formatHex(CODEC.encode(TOPIC, new Message.Disconnect<>(false)))).endsWith("8205f4");
  }

  @Test
  void gossipFrameSizeIsAnUpperBoundAndExactAtTheWidestRound() {
    for (int len : new int[] {0, 1, 23, 24, 255, 256, 1000, 4000}) {
      byte[] content = new byte[len];
      MessageId id = MessageId.of(content);
      int atMax = CODEC.encode(TOPIC, new Message.Gossip<>(id, content, Scope.SWARM, 65535)).length;
      int atZero = CODEC.encode(TOPIC, new Message.Gossip<>(id, content, Scope.SWARM, 0)).length;
      assertThat(FrameSizes.gossipFrameSize(len)).isEqualTo(atMax).isGreaterThanOrEqualTo(atZero);
    }
  }

  @Test
  void largestBroadcastFitsAtAnyRoundAndOneMoreByteDoesNot() {
    int max = FrameSizes.maxBroadcastSize(GossipConfig.DEFAULT_MAX_FRAME_SIZE);
    assertThat(max).isBetween(4000, 4060);
    byte[] content = new byte[max];
    byte[] frame = CODEC.encode(TOPIC, new Message.Gossip<>(MessageId.of(content), content, Scope.SWARM, 65535));
    assertThat(frame.length).isLessThanOrEqualTo(4096);
    byte[] bigger = new byte[max + 1];
    assertThatThrownBy(() -> CODEC.encode(TOPIC, new Message.Gossip<>(MessageId.of(bigger), bigger, Scope.SWARM, 65535)))
        .isInstanceOf(FrameTooLargeException.class)
        .satisfies(e -> assertThat(((FrameTooLargeException) e).limit()).isEqualTo(4096));
  }

  @Test
  void fullIHaveAndFullShuffleFitTheDefaultFrame() {
    List<IHaveEntry> entries = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      entries.add(new IHaveEntry(MessageId.of(new byte[] {(byte) i}), 65535));
    }
    byte[] ihave = CODEC.encode(TOPIC, new Message.IHave<>(entries));
    assertThat(ihave.length).isEqualTo(FrameSizes.iHaveFrameSize(100)).isLessThanOrEqualTo(4096);

    byte[] data = new byte[CODEC.maxPeerDataSize()];
    List<PeerInfo<PublicKey>> nodes = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      nodes.add(new PeerInfo<>(key(i), data));
    }
    byte[] shuffle = CODEC.encode(TOPIC, new Message.Shuffle<>(key(9), nodes, 65535));
    assertThat(shuffle.length).isEqualTo(FrameSizes.shuffleFrameSize(8, data.length)).isLessThanOrEqualTo(4096);
    assertThat(CODEC.decode(shuffle).message()).isEqualTo(new Message.Shuffle<>(key(9), nodes, 65535));
  }

  @Test
  void refusesOversizedInput() {
    assertThatThrownBy(() -> CODEC.decode(new byte[4097])).isInstanceOf(FrameTooLargeException.class);
    byte[] data = new byte[CODEC.maxPeerDataSize() + 1];
    byte[] frame = CODEC.encode(TOPIC, new Message.Join<>(data));
    assertThatThrownBy(() -> CODEC.decode(frame)).isInstanceOf(MalformedFrameException.class)
        .hasMessageContaining("peer data");
  }

  @Test
  void rejectsMalformedFrames() {
    byte[] good = CODEC.encode(TOPIC, new Message.Graft<>(MessageId.of(new byte[] {1}), 3));
    // truncated at every length
    for (int len = 0; len < good.length; len++) {
      byte[] cut = Arrays.copyOf(good, len);
      assertThatThrownBy(() -> CODEC.decode(cut)).as("length %d", len).isInstanceOf(MalformedFrameException.class);
    }
    // trailing byte
    byte[] trailing = Arrays.copyOf(good, good.length + 1);
    assertThatThrownBy(() -> CODEC.decode(trailing)).isInstanceOf(MalformedFrameException.class);
    HexFormat hex = HexFormat.of();
    String topic = "5820" + TOPIC;
    // unknown kind 10
    assertThatThrownBy(() -> CODEC.decode(hex.parseHex("82" + topic + "810a"))).isInstanceOf(MalformedFrameException.class);
    // ttl above u16
    assertThatThrownBy(() -> CODEC.decode(hex.parseHex("82" + topic + "8301" + "82" + "5820" + key(1) + "f6" + "1a00010000")))
        .isInstanceOf(MalformedFrameException.class);
    // message id of 31 bytes
    assertThatThrownBy(() -> CODEC.decode(hex.parseHex("82" + topic + "8308" + "581f" + "00".repeat(31) + "01")))
        .isInstanceOf(MalformedFrameException.class);
    // a text string where a byte string belongs
    assertThatThrownBy(() -> CODEC.decode(hex.parseHex("82" + topic + "820063616263"))).isInstanceOf(MalformedFrameException.class);
    // an extra field
    assertThatThrownBy(() -> CODEC.decode(hex.parseHex("82" + topic + "830500f5"))).isInstanceOf(MalformedFrameException.class);
    // a peer id that is not a valid Ed25519 point (small order: all zeros)
    assertThatThrownBy(() -> CODEC.decode(hex.parseHex("82" + topic + "8301" + "82" + "5820" + "00".repeat(32) + "f6" + "03")))
        .isInstanceOf(MalformedFrameException.class);
    // not CBOR at all
    assertThatThrownBy(() -> CODEC.decode(new byte[] {(byte) 0xff, 0x00})).isInstanceOf(MalformedFrameException.class);
  }

  /**
   * Only the encoding {@code encode} writes is read (found by fuzzing: each of these decoded to
   * the canonical frame's Prune): tags, indefinite lengths, a non-minimal integer, a lone tag
   * byte after the frame.
   */
  @Test
  void onlyTheCanonicalEncodingIsRead() {
    java.util.HexFormat hex = java.util.HexFormat.of();
    String t = "5820" + "00".repeat(32);
    byte[] canonical = hex.parseHex("82" + t + "8107");
    assertThat(CODEC.decode(canonical).message()).isInstanceOf(Message.Prune.class);
    String[] bad = {"82" + t + "8107c3", "82" + t + "d8ff8107", "82" + t + "9f07ff", "9f" + t + "8107ff",
        "82" + t + "811807"};
    for (String b : bad) {
      assertThatThrownBy(() -> CODEC.decode(hex.parseHex(b))).as(b)
          .isInstanceOf(MalformedFrameException.class);
    }
  }
}
