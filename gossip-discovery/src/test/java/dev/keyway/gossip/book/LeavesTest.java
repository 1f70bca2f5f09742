package dev.keyway.gossip.book;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.gossip.proto.FrameSizes;
import dev.keyway.gossip.proto.GossipConfig;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The leave's wire form: round trip, signature rules, and how each kind of book message is told apart. */
class LeavesTest {
  static final SecureRandom RANDOM = new SecureRandom();
  final SecretKey key = SecretKey.generate(RANDOM);
  final SecretKey other = SecretKey.generate(RANDOM);
  final Leave leave = new Leave(key.publicKey(), 41, 1_767_225_600_000_000L);

  @Test
  void aSignedLeaveRoundTripsAndHasItsOwnKind() throws Exception {
    byte[] signed = Leaves.sign(leave, key);
    assertThat(Leaves.verify(signed)).isEqualTo(leave);
    assertThat(Arrays.copyOf(signed, 2)).containsExactly(0x84, 0x03);
    assertThat(BookMessageKind.of(signed)).isEqualTo(BookMessageKind.LEAVE);
    assertThat(BookSync.isSync(signed)).isFalse();
    // [3, signer(32), body, signature(64)] with body = [id(32), counter, timestamp]: about 150 bytes.
    assertThat(signed.length).isBetween(140, 160)
        .isLessThan(FrameSizes.maxBroadcastSize(GossipConfig.DEFAULT_MAX_FRAME_SIZE));
    assertThat(Leaves.body(leave)).startsWith(0x83, 0x58, 0x20);
    // Ed25519 is deterministic: the same leave signs to the same bytes (so one gossip message id).
    assertThat(Leaves.sign(leave, key)).isEqualTo(signed);
  }

  @Test
  void aLeaveSignedByAnotherKeyThanTheLeavingNodeIsForged() {
    byte[] claimsKey = Leaves.envelope(other.publicKey(), Leaves.body(leave), other);
    Announcements.ForgedException e = assertThrows(Announcements.ForgedException.class, () -> Leaves.verify(claimsKey));
    assertThat(e.getMessage()).contains("leave signed by");
    byte[] fakeSigner = Leaves.envelope(key.publicKey(), Leaves.body(leave), other);
    assertThrows(Announcements.ForgedException.class, () -> Leaves.verify(fakeSigner));
    assertThrows(IllegalArgumentException.class, () -> Leaves.sign(leave, other));
  }

  @Test
  void everyFlippedBitIsRefused() {
    byte[] signed = Leaves.sign(leave, key);
    for (int i = 0; i < signed.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] copy = signed.clone();
        copy[i] ^= (byte) (1 << bit);
        int at = i;
        assertThrows(Exception.class, () -> Leaves.verify(copy), "byte " + at);
      }
    }
  }

  @Test
  void truncatedTrailingAndNonCanonicalLeavesAreMalformed() {
    byte[] signed = Leaves.sign(leave, key);
    for (int cut = 0; cut < signed.length; cut++) {
      byte[] truncated = Arrays.copyOf(signed, cut);
      assertThrows(Announcements.MalformedException.class, () -> Leaves.parse(truncated), "cut at " + cut);
    }
    byte[] trailing = Arrays.copyOf(signed, signed.length + 1);
    assertThrows(Announcements.MalformedException.class, () -> Leaves.parse(trailing));
    // The counter 41 written as a 16-bit integer (0x19 0x00 0x29) instead of its minimal form
    // (0x18 0x29): properly signed, it is still refused (one encoding per leave).
    byte[] body = Leaves.body(leave);
    byte[] loose = new byte[body.length + 1];
    System.arraycopy(body, 0, loose, 0, 35);
    loose[35] = 0x19;
    loose[36] = 0x00;
    loose[37] = 0x29;
    System.arraycopy(body, 37, loose, 38, body.length - 37);
    assertThat(body[35]).isEqualTo((byte) 0x18);
    assertThat(body[36]).isEqualTo((byte) 41);
    Announcements.MalformedException e = assertThrows(Announcements.MalformedException.class,
        () -> Leaves.parse(Leaves.envelope(key.publicKey(), loose, key)));
    assertThat(e.getMessage()).contains("canonical");
  }

  /**
   * Each book message kind is told by its first two bytes; an unknown kind goes to the announcement
   * parser, which refuses it as malformed, and so does the announcement parser of a keyway from
   * before leaves (which hands it every message that is not a hand-over).
   */
  @Test
  void kindsAreToldApartAndAnUnknownKindIsRefusedAsMalformed() throws Exception {
    Announcement a = new Announcement(key.publicKey(), "n", List.of(), List.of(SocketAddr.parse("127.0.0.1:1")),
        null, 0, 1_767_225_600_000_000L);
    byte[] announcement = Announcements.sign(a, key);
    byte[] sync = BookSync.encode(List.of(announcement), 4000).get(0);
    byte[] signedLeave = Leaves.sign(leave, key);
    // [9, signer, body, signature]: a kind of some later version, shaped like ours.
    byte[] later = signedLeave.clone();
    later[1] = 0x09;
    assertThat(BookMessageKind.of(announcement)).isEqualTo(BookMessageKind.ANNOUNCEMENT);
    assertThat(BookMessageKind.of(sync)).isEqualTo(BookMessageKind.SYNC);
    assertThat(BookMessageKind.of(signedLeave)).isEqualTo(BookMessageKind.LEAVE);
    assertThat(BookMessageKind.of(later)).isEqualTo(BookMessageKind.UNKNOWN);
    assertThat(BookMessageKind.of(new byte[] {(byte) 0x84})).isEqualTo(BookMessageKind.UNKNOWN);
    assertThat(BookMessageKind.of(new byte[0])).isEqualTo(BookMessageKind.UNKNOWN);

    Announcements.MalformedException old = assertThrows(Announcements.MalformedException.class,
        () -> Announcements.parse(signedLeave));
    assertThat(old.getMessage()).contains("unknown announcement version 3");
    Announcements.MalformedException unknown = assertThrows(Announcements.MalformedException.class,
        () -> Announcements.parse(later));
    assertThat(unknown.getMessage()).contains("unknown announcement version 9");
    assertThrows(Announcements.MalformedException.class, () -> Leaves.parse(later));
    assertThrows(Announcements.MalformedException.class, () -> Leaves.parse(announcement));
  }

  @Test
  void aLeaveIsOrderedAgainstAnnouncementsByTimestampThenCounter() {
    Announcement before = new Announcement(key.publicKey(), "n", List.of(), List.of(), null, 40, leave.timestampMicros() - 1);
    Announcement sameTimeLowerCounter = new Announcement(key.publicKey(), "n", List.of(), List.of(), null, 40,
        leave.timestampMicros());
    Announcement restarted = new Announcement(key.publicKey(), "n", List.of(), List.of(), null, 0,
        leave.timestampMicros() + 1);
    assertThat(leave.isNewerThan(before)).isTrue();
    assertThat(leave.isNewerThan(sameTimeLowerCounter)).isTrue();
    assertThat(leave.isNewerThan(restarted)).isFalse();
    assertThat(restarted.isNewerThan(leave.timestampMicros(), leave.counter())).isTrue();
  }
}
