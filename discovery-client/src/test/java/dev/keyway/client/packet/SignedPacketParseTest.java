package dev.keyway.client.packet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.InvalidPacketException.Reason;
import dev.keyway.client.testing.PublicVectors;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad inputs for both parsers, and the order in which the checks fire. */
class SignedPacketParseTest {
  private static final JsonNode IROH = PublicVectors.named("signed_packets", "iroh-format-seed-abdaadff");
  private static final byte[] VALID = PublicVectors.hex(IROH, "canonical_hex");
  private static final PublicKey KEY = PublicKey.parse(IROH.get("public_key_hex").asText());
  private static final SecretKey SECRET = SecretKey.fromBytes(PublicVectors.hex(IROH, "seed_hex"));
  private static final byte[] DNS = PublicVectors.hex(IROH, "dns_hex");
  private static final long TS = IROH.get("timestamp_us").asLong();

  @Test
  void everyTruncationOfAValidPacketIsRejected() {
    for (int n = 0; n < VALID.length; n++) {
      byte[] cut = Arrays.copyOf(VALID, n);
      Reason expected = n < 104 ? Reason.TOO_SHORT : Reason.BAD_SIGNATURE;
      assertThat(reason(() -> SignedPacket.fromBytes(cut))).as("length %d", n).isEqualTo(expected);
      if (n >= 32) {
        byte[] payload = TestPackets.withoutKey(cut);
        assertThat(reason(() -> SignedPacket.fromRelayPayload(KEY, payload)))
            .as("payload length %d", payload.length).isEqualTo(expected);
      }
    }
  }

  @Test
  void everyTruncationOfTheDnsWithAValidSignatureIsBadDns() {
    for (int n = 0; n < DNS.length; n++) {
      byte[] canonical = TestPackets.signRaw(SECRET, TS, Arrays.copyOf(DNS, n));
      assertThat(reason(() -> SignedPacket.fromBytes(canonical))).as("dns length %d", n)
          .isEqualTo(Reason.BAD_DNS);
    }
  }

  @Test
  void sizeLimitsOfTheCanonicalForm() {
    assertThat(reason(() -> SignedPacket.fromBytes(new byte[103]))).isEqualTo(Reason.TOO_SHORT);
    for (int n = 1105; n <= 1110; n++) {
      byte[] big = Arrays.copyOf(VALID, n);
      assertThat(reason(() -> SignedPacket.fromBytes(big))).isEqualTo(Reason.TOO_LARGE);
    }
    assertThat(reason(() -> SignedPacket.fromBytes(new byte[70_000]))).isEqualTo(Reason.TOO_LARGE);
    // 1104 passes the size check and fails later.
    assertThat(reason(() -> SignedPacket.fromBytes(Arrays.copyOf(VALID, 1104))))
        .isEqualTo(Reason.BAD_SIGNATURE);
  }

  @Test
  void relayPayloadsOf1073To1104BytesAreTooLargeAndSoIsAnythingBigger() {
    for (int n = 1073; n <= 1104; n++) {
      byte[] payload = new byte[n];
      InvalidPacketException e = catchThrowableOfType(
          () -> SignedPacket.fromRelayPayload(KEY, payload), InvalidPacketException.class);
      assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
      assertThat(e.getMessage()).contains("at most 1072").contains(Integer.toString(n));
    }
    assertThat(reason(() -> SignedPacket.fromRelayPayload(KEY, new byte[1105])))
        .isEqualTo(Reason.TOO_LARGE);
    assertThat(reason(() -> SignedPacket.fromRelayPayload(KEY, new byte[71])))
        .isEqualTo(Reason.TOO_SHORT);
    assertThat(reason(() -> SignedPacket.fromRelayPayload(KEY, new byte[1072])))
        .isEqualTo(Reason.BAD_SIGNATURE);
  }

  @Test
  void maximalPacketWithA1000ByteDnsMessageIsAccepted() {
    byte[] dns = txtMessageOfLength(1000);
    SignedPacket p = SignedPacket.fromBytes(TestPackets.signRaw(SECRET, TS, dns));
    assertThat(p.length()).isEqualTo(1104);
    assertThat(p.toRelayPayload()).hasSize(1072);
    assertThat(SignedPacket.fromRelayPayload(KEY, p.toRelayPayload())).isEqualTo(p);
    assertThat(SignedPacket.signDns(SECRET, TS, dns).length()).isEqualTo(1104);
    assertThat(reason(() -> SignedPacket.signDns(SECRET, TS, Arrays.copyOf(dns, 1001))))
        .isEqualTo(Reason.TOO_LARGE);
  }

  /** A valid message of exactly {@code total} bytes: one TXT record at the root, padded. */
  static byte[] txtMessageOfLength(int total) {
    byte[] dns = new byte[total];
    dns[2] = (byte) 0x80;
    dns[7] = 1; // ANCOUNT
    int pos = 12 + 1; // root owner name
    dns[pos + 1] = 16; // TXT
    dns[pos + 3] = 1; // IN
    int rdlen = total - pos - 10;
    dns[pos + 8] = (byte) (rdlen >> 8);
    dns[pos + 9] = (byte) rdlen;
    pos += 10;
    while (pos < total) {
      int len = Math.min(255, total - pos - 1);
      dns[pos] = (byte) len;
      Arrays.fill(dns, pos + 1, pos + 1 + len, (byte) 'x');
      pos += 1 + len;
    }
    return dns;
  }

  @Test
  void everyFlippedSignatureBitIsRejected() {
    for (int bit = 0; bit < 512; bit++) {
      byte[] bad = VALID.clone();
      bad[32 + bit / 8] ^= (byte) (1 << (bit % 8));
      assertThat(reason(() -> SignedPacket.fromBytes(bad))).as("bit %d", bit)
          .isEqualTo(Reason.BAD_SIGNATURE);
    }
  }

  @Test
  void flippedTimestampOrDnsBitIsABadSignature() {
    for (int i = 96; i < VALID.length; i += 7) {
      byte[] bad = VALID.clone();
      bad[i] ^= 0x10;
      assertThat(reason(() -> SignedPacket.fromBytes(bad))).as("byte %d", i)
          .isEqualTo(Reason.BAD_SIGNATURE);
    }
  }

  @Test
  void packetUnderAnotherValidKeyIsABadSignature() {
    PublicKey other = SecretKey.fromBytes(new byte[32]).publicKey();
    byte[] bad = VALID.clone();
    other.copyTo(bad, 0);
    InvalidPacketException e = catchThrowableOfType(
        () -> SignedPacket.fromBytes(bad), InvalidPacketException.class);
    assertThat(e.reason()).isEqualTo(Reason.BAD_SIGNATURE);
    assertThat(e.getMessage()).contains(other.toZ32()).contains("signature");
    assertThat(reason(() -> SignedPacket.fromRelayPayload(other, TestPackets.withoutKey(VALID))))
        .isEqualTo(Reason.BAD_SIGNATURE);
  }

  @Test
  void invalidPointIsAnInvalidKey() {
    byte[] notAPoint = PublicVectors.hex(PublicVectors.section("invalid_keys").get(0).get("computed"), "decoded_hex");
    byte[] bad = VALID.clone();
    System.arraycopy(notAPoint, 0, bad, 0, 32);
    InvalidPacketException e = catchThrowableOfType(
        () -> SignedPacket.fromBytes(bad), InvalidPacketException.class);
    assertThat(e.reason()).isEqualTo(Reason.INVALID_KEY);
    assertThat(e.getMessage()).contains("invalid Ed25519 public key");
    // Also an all-zero key (small order) and a non-canonical y.
    byte[] zero = VALID.clone();
    Arrays.fill(zero, 0, 32, (byte) 0);
    assertThat(reason(() -> SignedPacket.fromBytes(zero))).isEqualTo(Reason.INVALID_KEY);
    byte[] ff = VALID.clone();
    Arrays.fill(ff, 0, 32, (byte) 0xff);
    assertThat(reason(() -> SignedPacket.fromBytes(ff))).isEqualTo(Reason.INVALID_KEY);
  }

  @ParameterizedTest
  @ValueSource(longs = {Long.MIN_VALUE, -1L, Long.MIN_VALUE + 1_700_000_000_000_000L})
  void validlySignedTimestampOf2Pow63OrMoreIsRejected(long ts) {
    byte[] canonical = TestPackets.signRaw(SECRET, ts, DNS);
    InvalidPacketException e = catchThrowableOfType(
        () -> SignedPacket.fromBytes(canonical), InvalidPacketException.class);
    assertThat(e.reason()).isEqualTo(Reason.BAD_TIMESTAMP);
    assertThat(e.getMessage()).contains(Long.toUnsignedString(ts));
    assertThatThrownBy(() -> SignedPacket.signDns(SECRET, ts, DNS))
        .isInstanceOf(InvalidPacketException.class);
  }

  @Test
  void largestValidTimestampIsAccepted() {
    SignedPacket p = SignedPacket.fromBytes(TestPackets.signRaw(SECRET, Long.MAX_VALUE, DNS));
    assertThat(p.timestampMicros()).isEqualTo(Long.MAX_VALUE);
    assertThat(SignedPacket.fromBytes(TestPackets.signRaw(SECRET, 0, DNS)).timestampMicros()).isZero();
  }

  @Test
  void garbageDnsWithAValidSignatureIsBadDns() {
    SplittableRandom random = new SplittableRandom(7);
    int rejected = 0;
    for (int i = 0; i < 200; i++) {
      byte[] garbage = new byte[12 + random.nextInt(200)];
      random.nextBytes(garbage);
      byte[] canonical = TestPackets.signRaw(SECRET, TS, garbage);
      try {
        SignedPacket.fromBytes(canonical);
      } catch (InvalidPacketException e) {
        assertThat(e.reason()).isEqualTo(Reason.BAD_DNS);
        assertThat(e.getMessage()).startsWith("DNS message does not parse");
        rejected++;
      }
    }
    assertThat(rejected).isGreaterThan(190);
    byte[] empty = TestPackets.signRaw(SECRET, TS, new byte[0]);
    assertThat(reason(() -> SignedPacket.fromBytes(empty))).isEqualTo(Reason.BAD_DNS);
  }

  @Test
  void badCompressionPointersAreBadDns() {
    int pointerAt = HexFormat.of().formatHex(DNS).indexOf("c00c") / 2;
    assertThat(pointerAt).isGreaterThan(12);
    byte[][] cases = {
        pointer(pointerAt, 0xC0, 0xF0), // beyond the end
        pointer(pointerAt, 0xFF, 0xFF), // far beyond the end
        pointer(pointerAt, 0xC0, pointerAt), // points at itself
        pointer(pointerAt, 0xC0, pointerAt + 4), // points forward
        pointer(pointerAt, 0x80, 0x0C), // reserved label type 10
    };
    for (byte[] dns : cases) {
      byte[] canonical = TestPackets.signRaw(SECRET, TS, dns);
      assertThat(reason(() -> SignedPacket.fromBytes(canonical))).isEqualTo(Reason.BAD_DNS);
    }
  }

  /**
   * An UPDATE-opcode message whose A record has no RDATA (found by fuzzing): dnsjava's update
   * reading took it, and the server then served an A record with RDLENGTH 0 (dig: malformed
   * packet; DoH JSON: HTTP 500). Read like a QUERY, as simple-dns does, it is bad DNS; the same
   * message with a four-byte address parses whatever the opcode.
   */
  @Test
  void recordsWithoutRdataAreBadDnsWhateverTheOpcode() {
    String owner = "343870696e787867717334316e346169646964656e773561707170317572666d7a647a7472386a7434616272"
        + "6b646e34333565776f00";
    for (String flags : new String[] {"a800", "2800", "8000"}) {
      byte[] empty = HexFormat.of().parseHex("0000" + flags + "0000000100000000" + owner
          + "00010001" + "0000003c" + "0000");
      assertThat(reason(() -> SignedPacket.fromBytes(TestPackets.signRaw(SECRET, TS, empty))))
          .as("flags %s", flags).isEqualTo(Reason.BAD_DNS);
      byte[] full = HexFormat.of().parseHex("0000" + flags + "0000000100000000" + owner
          + "00010001" + "0000003c" + "0004c0000201");
      assertThat(SignedPacket.fromBytes(TestPackets.signRaw(SECRET, TS, full)).records().toString())
          .as("flags %s", flags).contains("192.0.2.1");
    }
  }

  @Test
  void truncatedMessageIsBadDnsEvenWithTheTcFlag() {
    byte[] dns = Arrays.copyOf(DNS, DNS.length - 5);
    dns[2] |= 0x02; // TC: dnsjava alone would keep the records that parsed
    byte[] canonical = TestPackets.signRaw(SECRET, TS, dns);
    InvalidPacketException e = catchThrowableOfType(
        () -> SignedPacket.fromBytes(canonical), InvalidPacketException.class);
    assertThat(e.reason()).isEqualTo(Reason.BAD_DNS);
    assertThat(e.getMessage()).contains("announces 3 records but holds 2");
  }

  @Test
  void bytesAfterTheLastRecordAreIgnoredAsSimpleDnsDoes() {
    byte[] dns = Arrays.copyOf(DNS, DNS.length + 3);
    SignedPacket p = SignedPacket.fromBytes(TestPackets.signRaw(SECRET, TS, dns));
    assertThat(p.records()).hasSize(3);
    assertThat(p.dnsBytes()).isEqualTo(dns);
  }

  @Test
  void checksFireInPkarrOrder() {
    byte[] badDns = new byte[] {1, 2, 3};
    // bad key beats bad signature
    byte[] keyAndSig = VALID.clone();
    Arrays.fill(keyAndSig, 0, 32, (byte) 0);
    keyAndSig[40] ^= 1;
    assertThat(reason(() -> SignedPacket.fromBytes(keyAndSig))).isEqualTo(Reason.INVALID_KEY);
    // bad signature beats bad timestamp and bad DNS
    byte[] sigTsDns = TestPackets.signRaw(SECRET, -1, badDns);
    sigTsDns[40] ^= 1;
    assertThat(reason(() -> SignedPacket.fromBytes(sigTsDns))).isEqualTo(Reason.BAD_SIGNATURE);
    // bad timestamp beats bad DNS
    byte[] tsDns = TestPackets.signRaw(SECRET, -1, badDns);
    assertThat(reason(() -> SignedPacket.fromBytes(tsDns))).isEqualTo(Reason.BAD_TIMESTAMP);
  }

  @Test
  void trustedPathSkipsTheSignatureButNotTheDns() {
    byte[] badSig = VALID.clone();
    badSig[40] ^= 1;
    SignedPacket p = SignedPacket.fromTrustedBytes(badSig);
    assertThat(p.records()).hasSize(3);
    assertThat(p.toBytes()).isEqualTo(badSig);
    byte[] badDns = TestPackets.signRaw(SECRET, TS, new byte[] {1, 2, 3});
    assertThat(reason(() -> SignedPacket.fromTrustedBytes(badDns))).isEqualTo(Reason.BAD_DNS);
    assertThat(reason(() -> SignedPacket.fromTrustedBytes(new byte[50]))).isEqualTo(Reason.TOO_SHORT);
    assertThat(reason(() -> SignedPacket.fromTrustedBytes(new byte[1105]))).isEqualTo(Reason.TOO_LARGE);
  }

  /**
   * A store reads its rows under the key it asked for: the key is not decoded again (it was
   * validated when made), the packet holds it compact, and bytes that start with another key
   * are refused.
   */
  @Test
  void trustedPathUnderAKeyChecksThatKeyAndHoldsItCompact() {
    PublicKey key = SECRET.publicKey();
    SignedPacket p = SignedPacket.fromTrustedBytes(VALID, key);
    assertThat(p).isEqualTo(SignedPacket.fromBytes(VALID));
    assertThat(p.publicKey()).isEqualTo(key);
    assertThat(p.publicKey().compact()).as("no decoded point").isSameAs(p.publicKey());
    assertThat(p.toBytes()).isEqualTo(VALID);

    PublicKey other = SecretKey.fromBytes(new byte[32]).publicKey();
    InvalidPacketException wrongKey = catchThrowableOfType(InvalidPacketException.class,
        () -> SignedPacket.fromTrustedBytes(VALID, other));
    assertThat(wrongKey.reason()).isEqualTo(Reason.INVALID_KEY);
    assertThat(wrongKey.getMessage()).contains("holds the packet of "
        + HexFormat.of().formatHex(VALID, 0, 5));
    byte[] badDns = TestPackets.signRaw(SECRET, TS, new byte[] {1, 2, 3});
    assertThat(reason(() -> SignedPacket.fromTrustedBytes(badDns, key))).isEqualTo(Reason.BAD_DNS);
    assertThat(reason(() -> SignedPacket.fromTrustedBytes(Arrays.copyOf(VALID, 103), key)))
        .isEqualTo(Reason.TOO_SHORT);
    assertThat(reason(() -> SignedPacket.fromTrustedBytes(Arrays.copyOf(VALID, 1105), key)))
        .isEqualTo(Reason.TOO_LARGE);
  }

  @Test
  void compactKeepsBytesRecordsAndEquality() {
    SignedPacket full = SignedPacket.fromBytes(VALID);
    SignedPacket compact = full.compact();
    assertThat(compact).isEqualTo(full).hasSameHashCodeAs(full);
    assertThat(compact.records()).isEqualTo(full.records());
    assertThat(compact.publicKey().compact()).isSameAs(compact.publicKey());
    assertThat(compact.compact()).isSameAs(compact);
    assertThat(compact.publicKey().verify(SignedPacket.signableOf(VALID),
        Arrays.copyOfRange(VALID, 32, 96))).as("a compact key still verifies").isTrue();
  }

  @Test
  void parsingCopiesItsInput() {
    byte[] input = VALID.clone();
    SignedPacket p = SignedPacket.fromBytes(input);
    input[200] ^= 1;
    assertThat(p.toBytes()).isEqualTo(VALID);
    p.toBytes()[200] ^= 1;
    p.dnsBytes()[20] ^= 1;
    assertThat(p.toBytes()).isEqualTo(VALID);
  }

  private static byte[] pointer(int at, int hi, int lo) {
    byte[] dns = DNS.clone();
    dns[at] = (byte) hi;
    dns[at + 1] = (byte) lo;
    return dns;
  }

  private static Reason reason(Runnable parse) {
    InvalidPacketException e = catchThrowableOfType(parse::run, InvalidPacketException.class);
    assertThat(e).as("expected InvalidPacketException").isNotNull();
    assertThat(e.getMessage()).isNotBlank();
    return e.reason();
  }
}
