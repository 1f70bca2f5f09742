package dev.keyway.gossip.book;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.gossip.proto.FrameSizes;
import dev.keyway.gossip.proto.GossipConfig;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hand-over message: packing envelopes under the frame limit, and telling it from an announcement. */
class BookSyncTest {
  static final SecureRandom RANDOM = new SecureRandom();
  static final int MAX = FrameSizes.maxBroadcastSize(GossipConfig.DEFAULT_MAX_FRAME_SIZE);

  static byte[] envelope(int i) {
    SecretKey k = SecretKey.generate(RANDOM);
    Announcement a = new Announcement(k.publicKey(), "node-" + i, List.of(),
        List.of(SocketAddr.parse("127.0.0.1:" + (1000 + i))), null, i, 1_700_000_000_000_000L + i);
    return Announcements.sign(a, k);
  }

  @Test
  void envelopesArePackedInOrderIntoMessagesThatFitAFrame() throws Exception {
    List<byte[]> envelopes = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      envelopes.add(envelope(i));
    }
    List<byte[]> messages = BookSync.encode(envelopes, MAX);
    assertThat(messages).hasSizeGreaterThan(1);
    List<byte[]> back = new ArrayList<>();
    for (byte[] m : messages) {
      assertThat(m.length).isLessThanOrEqualTo(MAX);
      assertThat(BookSync.isSync(m)).isTrue();
      back.addAll(BookSync.decode(m));
    }
    assertThat(back).hasSize(60);
    for (int i = 0; i < 60; i++) {
      assertThat(back.get(i)).isEqualTo(envelopes.get(i));
    }
    // Dense packing: every message but the last is at least three quarters full.
    for (int i = 0; i < messages.size() - 1; i++) {
      assertThat(messages.get(i).length).isGreaterThan(MAX * 3 / 4);
    }
  }

  @Test
  void anEnvelopeLargerThanAMessageIsLeftOutAndNothingIsEmptyIsSent() throws Exception {
    byte[] small = envelope(1);
    byte[] huge = new byte[MAX];
    List<byte[]> messages = BookSync.encode(List.of(small, huge, small), MAX);
    assertThat(messages).hasSize(1);
    assertThat(BookSync.decode(messages.get(0))).hasSize(2);
    assertThat(BookSync.encode(List.of(), MAX)).isEmpty();
    assertThat(BookSync.encode(List.of(huge), MAX)).isEmpty();
  }

  @Test
  void anAnnouncementIsNotASyncAndBrokenSyncsAreMalformed() throws Exception {
    byte[] announcement = envelope(1);
    assertThat(BookSync.isSync(announcement)).isFalse();
    assertThat(BookSync.isSync(new byte[] {(byte) 0x82})).isFalse();
    byte[] sync = BookSync.encode(List.of(announcement), MAX).get(0);
    for (int cut = 2; cut < sync.length; cut++) {
      byte[] truncated = Arrays.copyOf(sync, cut);
      assertThrows(Announcements.MalformedException.class, () -> BookSync.decode(truncated), "cut at " + cut);
    }
    byte[] trailing = Arrays.copyOf(sync, sync.length + 1);
    assertThrows(Announcements.MalformedException.class, () -> BookSync.decode(trailing));
    // [2, [1]]: an integer where an envelope belongs.
    assertThrows(Announcements.MalformedException.class,
        () -> BookSync.decode(new byte[] {(byte) 0x82, 0x02, (byte) 0x81, 0x01}));
    // [2, [h'00' x 5]]: envelopes too small to be announcements; refused whole.
    assertThrows(Announcements.MalformedException.class, () -> BookSync.decode(new byte[] {
        (byte) 0x82, 0x02, (byte) 0x85, 0x41, 0, 0x41, 0, 0x41, 0, 0x41, 0, 0x41, 0}));
    // [3, []]: another version.
    assertThrows(Announcements.MalformedException.class,
        () -> BookSync.decode(new byte[] {(byte) 0x82, 0x03, (byte) 0x80}));
  }
}
