package dev.keyway.gossip.book;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.keyway.client.addr.RelayUrl;
import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.record.UserData;
import dev.keyway.gossip.proto.FrameSizes;
import dev.keyway.gossip.proto.GossipConfig;
import java.security.SecureRandom;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnnouncementsTest {
  static final SecureRandom RANDOM = new SecureRandom();
  final SecretKey key = SecretKey.generate(RANDOM);
  final SecretKey other = SecretKey.generate(RANDOM);

  Announcement announcement(SecretKey k, long counter) {
    return new Announcement(k.publicKey(), "node-ä", List.of(RelayUrl.parse("https://relay.example.")),
        List.of(SocketAddr.parse("127.0.0.1:4433"), SocketAddr.parse("[::1]:4433")),
        UserData.of("hello"), counter, 1_700_000_000_000_000L + counter);
  }

  @Test
  void signedAnnouncementVerifiesAndRoundTrips() throws Exception {
    Announcement a = announcement(key, 7);
    Announcement back = Announcements.verify(Announcements.sign(a, key));
    assertThat(back).isEqualTo(a);
    assertThat(back.toEndpointInfo().endpointId()).isEqualTo(key.publicKey());
    assertThat(back.toEndpointInfo().ipAddrs()).hasSize(2);
  }

  @Test
  void aSignatureByAnotherKeyThanTheAnnouncedNodeIsForged() {
    // The forger signs honestly with its own key but claims to be `key`.
    byte[] claimsKey = Announcements.envelope(other.publicKey(), Announcements.body(announcement(key, 1)), other);
    Announcements.ForgedException e = assertThrows(Announcements.ForgedException.class, () -> Announcements.verify(claimsKey));
    assertThat(e.getMessage()).contains("announces");
    // Or names `key` as signer without holding it.
    byte[] fakeSigner = Announcements.envelope(key.publicKey(), Announcements.body(announcement(key, 1)), other);
    assertThrows(Announcements.ForgedException.class, () -> Announcements.verify(fakeSigner));
  }

  @Test
  void aModifiedEnvelopeIsRejected() {
    byte[] signed = Announcements.sign(announcement(key, 1), key);
    int forged = 0;
    for (int i = 0; i < signed.length; i++) {
      byte[] copy = signed.clone();
      copy[i] ^= 0x01;
      try {
        Announcements.verify(copy);
      } catch (Announcements.ForgedException | Announcements.MalformedException e) {
        forged++;
      }
    }
    assertThat(forged).isEqualTo(signed.length);
    assertThrows(Announcements.MalformedException.class, () -> Announcements.verify(new byte[] {1, 2, 3}));
  }

  @Test
  void theLargestAnnouncementFitsInABroadcast() {
    List<SocketAddr> addrs = Collections.nCopies(Announcement.MAX_ADDRS, SocketAddr.parse("[2001:db8:1:2:3:4:5:6]:65535"));
    List<RelayUrl> relays = Collections.nCopies(Announcement.MAX_RELAYS,
        RelayUrl.parse("https://a-rather-long-relay-host-name.example.org:8443/some/path"));
    Announcement a = new Announcement(key.publicKey(), "n".repeat(Announcement.MAX_NAME_BYTES), relays, addrs,
        UserData.of("u".repeat(UserData.MAX_LENGTH)), Long.MAX_VALUE, Long.MAX_VALUE);
    assertThat(Announcements.sign(a, key).length)
        .isLessThanOrEqualTo(FrameSizes.maxBroadcastSize(GossipConfig.DEFAULT_MAX_FRAME_SIZE));
  }

  @Test
  void parsingChecksTheFormNotTheSignatureWhichVerifyThenChecks() throws Exception {
    Announcement a = announcement(key, 3);
    byte[] signedByOther = Announcements.envelope(key.publicKey(), Announcements.body(a), other);
    Announcements.Parsed parsed = Announcements.parse(signedByOther);
    assertThat(parsed.announcement()).isEqualTo(a);
    assertThat(parsed.signer()).isEqualTo(key.publicKey());
    assertThat(parsed.envelope()).isSameAs(signedByOther);
    assertThrows(Announcements.ForgedException.class, () -> Announcements.verify(parsed));

    byte[] honest = Announcements.sign(a, key);
    assertThat(Announcements.verify(Announcements.parse(honest))).isEqualTo(a);
    // A signer other than the node announced is forged before any signature check.
    byte[] claimsKey = Announcements.envelope(other.publicKey(), Announcements.body(a), other);
    Announcements.Parsed claims = Announcements.parse(claimsKey);
    assertThat(claims.signer()).isEqualTo(other.publicKey());
    assertThat(assertThrows(Announcements.ForgedException.class, () -> Announcements.verify(claims)).getMessage())
        .contains("announces");
    // An altered signer field is refused: malformed if no longer a curve point, else forged.
    byte[] body = Announcements.body(a);
    byte[] badSigner = Announcements.envelope(key.publicKey(), body, key);
    int at = indexOf(badSigner, key.publicKey().toBytes());
    badSigner[at + 31] ^= 0x7f;
    byte[] broken = badSigner;
    Exception refused = assertThrows(Exception.class, () -> Announcements.verify(Announcements.parse(broken)));
    assertThat(refused).isInstanceOfAny(Announcements.MalformedException.class, Announcements.ForgedException.class);
  }

  static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }

  /**
   * One encoding per announcement (found by fuzzing): a name that is not UTF-8 (an encoded lone
   * surrogate, an overlong NUL), a non-minimal integer, an indefinite-length array or a CBOR tag
   * is refused even under a valid signature; the canonical body is accepted.
   */
  @Test
  void onlyTheCanonicalEncodingIsAccepted() throws Exception {
    Announcement a = new Announcement(key.publicKey(), "abc", List.of(), List.of(), null, 7, 1_000);
    byte[] canonical = Announcements.body(a);
    java.util.HexFormat hex = java.util.HexFormat.of();
    String body = hex.formatHex(canonical);
    String name = "63616263"; // "abc"
    assertThat(body).contains(name);
    assertThat(Announcements.verify(Announcements.envelope(key.publicKey(), canonical, key))).isEqualTo(a);
    String[] bad = {
        body.replace(name, "63edbdbe"), // a lone surrogate (U+DF7E) encoded as UTF-8
        body.replace(name, "62c080"), // an overlong NUL
        body.replace(name, "d8ff" + name), // a tag before the name
        body.replace(name, "7f63616263ff"), // an indefinite-length text string
        body.substring(0, body.length() - 8) + "1807" + body.substring(body.length() - 6), // counter 7 as 0x18 0x07
    };
    for (String b : bad) {
      byte[] envelope = Announcements.envelope(key.publicKey(), hex.parseHex(b), key);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> Announcements.verify(envelope)).as(b)
          .isInstanceOf(Announcements.MalformedException.class);
    }
  }
}
