package dev.keyway.client.packet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.InvalidPacketException.Reason;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/** Builder, lookups, TTL and ordering. */
class SignedPacketTest {
  private static final SecretKey SECRET = TestPackets.key(new SplittableRandom(1));
  private static final String Z = SECRET.publicKey().toZ32();

  @Test
  void builderNormalisesOwnerNamesLikePkarr() throws Exception {
    SignedPacket p = SignedPacket.builder()
        .txt("@", 30, "apex-at")
        .txt(".", 30, "apex-dot")
        .txt("", 30, "apex-empty")
        .txt("foo", 30, "foo")
        .txt("foo.", 30, "foo-dot")
        .txt("_derp_region.iroh." + Z + ".", 30, "already-absolute")
        .txt("bar." + Z, 30, "already")
        .record(new TXTRecord(Name.fromString("rec."), DClass.IN, 60, "from-record"))
        .sign(SECRET, 1);

    assertThat(p.records()).extracting(r -> r.getName().toString()).containsExactly(
        Z + ".", Z + ".", Z + ".", "foo." + Z + ".", "foo." + Z + ".",
        "_derp_region.iroh." + Z + ".", "bar." + Z + ".", "rec." + Z + ".");
  }

  @Test
  void builderWritesAReplyWithAnswersOnlyAndCompressedNames() throws Exception {
    SignedPacket p = SignedPacket.builder()
        .address("@", 0, InetAddress.getByName("1.1.1.1"))
        .txt("foo", 30, "bar")
        .sign(SECRET, 1);
    String hex = HexFormat.of().formatHex(p.dnsBytes());
    assertThat(hex).startsWith("000080000000000200000000");
    // foo.<z32> is "foo" plus a pointer to the apex name at offset 12
    assertThat(hex).contains("03666f6fc00c");
  }

  @Test
  void duplicateRecordsAreKept() {
    SignedPacket p = SignedPacket.builder()
        .cname("@", 30, "foobar")
        .cname("@", 30, "foobar")
        .sign(SECRET, 1);
    assertThat(p.records("@", Type.CNAME)).hasSize(2)
        .allSatisfy(r -> assertThat(((CNAMERecord) r).getTarget().toString()).isEqualTo("foobar."));
  }

  @Test
  void lookupByRelativeNameAndType() throws Exception {
    SignedPacket p = SignedPacket.builder()
        .txt("@", 30, "hi0")
        .txt("_hello", 30, "hi1")
        .txt("_hello.world", 30, "hi2")
        .txt("multiple", 30, "hi3", "hi4")
        .a("@", 30, (Inet4Address) InetAddress.getByName("127.0.0.1"))
        .aaaa("foo.bar.baz", 30, (Inet6Address) InetAddress.getByName("::1"))
        .sign(SECRET, 1);

    assertThat(p.records("")).hasSize(2);
    assertThat(p.records("@")).isEqualTo(p.records(""));
    assertThat(p.records(Z)).isEqualTo(p.records(""));
    assertThat(p.records(Z + ".")).isEqualTo(p.records(""));
    assertThat(p.records("@", Type.A)).singleElement()
        .satisfies(r -> assertThat(((ARecord) r).getAddress().getHostAddress()).isEqualTo("127.0.0.1"));
    assertThat(p.records("@", Type.TXT)).singleElement()
        .satisfies(r -> assertThat(((TXTRecord) r).getStrings()).containsExactly("hi0"));
    assertThat(txt(p.records("_hello", Type.TXT))).containsExactly(List.of("hi1"));
    assertThat(txt(p.records("_HELLO.World", Type.TXT))).containsExactly(List.of("hi2"));
    assertThat(txt(p.records("_hello.world." + Z, Type.TXT))).containsExactly(List.of("hi2"));
    assertThat(txt(p.records("multiple", Type.TXT))).containsExactly(List.of("hi3", "hi4"));
    assertThat(p.records("foo.bar.baz", Type.AAAA)).singleElement()
        .satisfies(r -> assertThat(((AAAARecord) r).getAddress().getHostAddress()).isEqualTo("0:0:0:0:0:0:0:1"));
    assertThat(p.records("foo.bar.baz", Type.A)).isEmpty();
    assertThat(p.records("bar.baz")).isEmpty();
    assertThat(p.records("world")).isEmpty();
    assertThat(p.records("nothing", Type.TXT)).isEmpty();
    // The lists are shared and read-only.
    assertThatThrownBy(() -> p.records("_hello").clear()).isInstanceOf(UnsupportedOperationException.class);
    assertThat(p.records("_hello", Type.TXT)).isSameAs(p.records("_hello", Type.TXT));
  }

  @Test
  void recordsOutsideTheKeyAreNotReachableByLookup() {
    SignedPacket other = SignedPacket.builder().txt("x", 1, "y").sign(TestPackets.key(new SplittableRandom(2)), 1);
    // A message naming another key's names, signed by SECRET.
    SignedPacket p = SignedPacket.signDns(SECRET, 1, other.dnsBytes());
    assertThat(p.records()).hasSize(1);
    assertThat(p.records("x")).isEmpty();
    assertThat(p.records("x." + other.publicKey().toZ32())).isEmpty();
  }

  @Test
  void ttlIsTheSmallestAnswerTtlClamped() {
    SignedPacket p = SignedPacket.builder().txt("a", 30, "x").txt("b", 7200, "y").sign(SECRET, 1);
    assertThat(p.ttl(0, 86_400)).isEqualTo(30);
    assertThat(p.ttl(300, 86_400)).isEqualTo(300);
    assertThat(p.ttl(0, 10)).isEqualTo(10);
    SignedPacket empty = SignedPacket.builder().sign(SECRET, 1);
    assertThat(empty.records()).isEmpty();
    assertThat(empty.ttl(300, 86_400)).isEqualTo(300);
    assertThat(empty.dnsBytes()).hasSize(12);
    assertThatThrownBy(() -> p.ttl(10, 5)).isInstanceOf(IllegalArgumentException.class);
  }

  /** Only the exact bytes count: any other signature, timestamp, DNS byte or length does not. */
  @Test
  void hasRelayPayloadIsAnExactByteMatch() {
    SignedPacket p = SignedPacket.builder().txt("a", 30, "z").sign(SECRET, 10);
    byte[] payload = p.toRelayPayload();
    assertThat(p.hasRelayPayload(payload)).isTrue();
    assertThat(p.hasRelayPayload(payload.clone())).isTrue();
    for (int i : new int[] {0, 63, 64, 71, 72, payload.length - 1}) { // signature, time, DNS
      byte[] changed = payload.clone();
      changed[i] ^= 1;
      assertThat(p.hasRelayPayload(changed)).as("byte %d", i).isFalse();
    }
    assertThat(p.hasRelayPayload(java.util.Arrays.copyOf(payload, payload.length - 1))).isFalse();
    assertThat(p.hasRelayPayload(java.util.Arrays.copyOf(payload, payload.length + 1))).isFalse();
    assertThat(p.hasRelayPayload(p.toBytes())).as("the canonical form is not the payload").isFalse();
    assertThat(p.hasRelayPayload(new byte[0])).isFalse();
  }

  @Test
  void largerTimestampWinsThenLargerDnsBytes() {
    SignedPacket older = SignedPacket.builder().txt("a", 30, "z").sign(SECRET, 10);
    SignedPacket newer = SignedPacket.builder().txt("a", 30, "a").sign(SECRET, 11);
    assertThat(newer.isMoreRecentThan(older)).isTrue();
    assertThat(older.isMoreRecentThan(newer)).isFalse();

    SignedPacket small = SignedPacket.builder().txt("a", 30, "a").sign(SECRET, 10);
    SignedPacket large = SignedPacket.builder().txt("a", 30, "\u00ff").sign(SECRET, 10);
    // 0xc3 (first UTF-8 byte of \u00ff) > 'a' only when compared unsigned
    assertThat(large.isMoreRecentThan(small)).isTrue();
    assertThat(small.isMoreRecentThan(large)).isFalse();
    SignedPacket copy = SignedPacket.fromBytes(small.toBytes());
    assertThat(copy.isMoreRecentThan(small)).isFalse();
    assertThat(small.isMoreRecentThan(copy)).isFalse();
    assertThat(copy.isSameAs(small)).isTrue();
    assertThat(copy).isEqualTo(small).hasSameHashCodeAs(small);
    // Equal timestamps, one DNS a prefix of the other: the longer one is larger.
    SignedPacket prefix = SignedPacket.signDns(SECRET, 10, small.dnsBytes());
    byte[] longer = java.util.Arrays.copyOf(small.dnsBytes(), small.dnsBytes().length + 1);
    SignedPacket extended = SignedPacket.fromBytes(TestPackets.signRaw(SECRET, 10, longer));
    assertThat(extended.isMoreRecentThan(prefix)).isTrue();
  }

  @Test
  void builderRefusesMessagesOver1000Bytes() throws Exception {
    var builder = SignedPacket.builder();
    for (int i = 0; i < 100; i++) {
      builder.address("_derp_region.iroh", 30, InetAddress.getByName("1.1.1.1"));
    }
    InvalidPacketException e = catchThrowableOfType(() -> builder.sign(SECRET, 1), InvalidPacketException.class);
    assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
    assertThat(e.getMessage()).contains("100 records").contains("at most 1000");
  }

  @Test
  void builderAcceptsExactly1000Bytes() {
    // header 12 + apex name 54 + fixed 10 + rdata 924 = 1000
    String s = "x".repeat(255);
    String rest = "y".repeat(924 - 3 * 256 - 1);
    SignedPacket p = SignedPacket.builder().txt("@", 30, s, s, s, rest).sign(SECRET, 1);
    assertThat(p.dnsBytes()).hasSize(1000);
    assertThat(p.length()).isEqualTo(SignedPacket.MAX_BYTES);
    var over = SignedPacket.builder().txt("@", 30, s, s, s, rest + "y");
    assertThat(catchThrowableOfType(() -> over.sign(SECRET, 1), InvalidPacketException.class).reason())
        .isEqualTo(Reason.TOO_LARGE);
  }

  @Test
  void builderRejectsBadInputEarlyWithClearMessages() {
    assertThatThrownBy(() -> SignedPacket.builder().txt("a", 30, "é".repeat(128)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("256 bytes");
    assertThatThrownBy(() -> SignedPacket.builder().txt("a", -1, "x"))
        .hasMessageContaining("TTL");
    assertThatThrownBy(() -> SignedPacket.builder().txt("a", 1L << 31, "x"))
        .hasMessageContaining("TTL");
    var badName = SignedPacket.builder().txt("a..b", 30, "x");
    assertThat(catchThrowableOfType(() -> badName.sign(SECRET, 1), InvalidPacketException.class).reason())
        .isEqualTo(Reason.BAD_DNS);
    var longLabel = SignedPacket.builder().txt("a".repeat(64), 30, "x");
    assertThatThrownBy(() -> longLabel.sign(SECRET, 1)).isInstanceOf(InvalidPacketException.class)
        .hasMessageContaining("invalid DNS name");
    assertThat(catchThrowableOfType(
        () -> SignedPacket.builder().rdata("a", 30, Type.A, new byte[3]), InvalidPacketException.class)
        .reason()).isEqualTo(Reason.BAD_DNS);
    assertThatThrownBy(() -> SignedPacket.builder().rdata("a", 30, Type.A, new byte[5]))
        .hasMessageContaining("5 bytes are not the RDATA of one A record");
    assertThat(SignedPacket.builder().rdata("a", 30, Type.A, new byte[4]).sign(SECRET, 1).records("a", Type.A))
        .hasSize(1);
    assertThat(catchThrowableOfType(() -> SignedPacket.builder().sign(SECRET, -5), InvalidPacketException.class)
        .reason()).isEqualTo(Reason.BAD_TIMESTAMP);
  }

  @Test
  void utf8TxtSurvivesTheRoundTripAsBytes() {
    SignedPacket p = SignedPacket.builder().txt("u", 30, "héllo \\ \"q\"").sign(SECRET, 1);
    TXTRecord r = (TXTRecord) SignedPacket.fromBytes(p.toBytes()).records("u").get(0);
    assertThat(new String(r.getStringsAsByteArrays().get(0), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("héllo \\ \"q\"");
  }

  @Test
  void toStringNamesKeyAndSizesOnly() {
    SignedPacket p = SignedPacket.builder().txt("a", 30, "secret-ish").sign(SECRET, 42);
    assertThat(p.toString()).contains(Z).contains("42").doesNotContain("secret-ish");
  }

  private static List<List<String>> txt(List<Record> records) {
    return records.stream().map(r -> ((TXTRecord) r).getStrings()).toList();
  }
}
