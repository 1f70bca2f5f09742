package dev.keyway.client.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Strict verification against the twelve edge cases of "Taming the many EdDSAs" (Chalkias,
 * Garillot, Nikolaenko; test vectors of novifinancial/ed25519-speccheck, cases.txt). The expected
 * column is ed25519-dalek {@code verify_strict}'s published result, except where noted.
 */
class Ed25519StrictTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final BigInteger L =
      BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));

  @ParameterizedTest(name = "case {0}: {4}")
  @CsvSource(delimiter = '|', textBlock = """
      0 |8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6|c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa|c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000|small A, small R, S=0: reject|REJECT_KEY
      1 |9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79|c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa|f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04|small A, mixed R: reject|REJECT_KEY
      2 |aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab|f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43|c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e|mixed A, small R: reject|FALSE
      3 |9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79|cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d|9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009|mixed A, mixed R, both equations hold: accept|TRUE
      4 |e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c|cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d|160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09|mixed A, cofactored only: dalek rejects, we accept (documented)|TRUE
      5 |e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c|cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d|21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405|mixed A, cofactored only: dalek rejects, we accept (documented)|TRUE
      6 |85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40|442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623|e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514|S > L: reject|FALSE
      7 |85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40|442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623|8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa19427e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22|S much larger than L: reject|FALSE
      8 |9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41|f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43|ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff03be9678ac102edcd92b0210bb34d7428d12ffc5df5f37e359941266a4e35f0f|non-canonical R: reject|FALSE
      9 |9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41|f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43|ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffca8c5b64cd208982aa38d4936621a4775aa233aa0505711d8fdcfdaa943d4908|non-canonical R: reject|FALSE
      10|e96b7021eb39c1a163b6da4e3093dcd3f21387da4cc4572be588fafae23c155b|ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff|a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04|non-canonical A: reject|REJECT_KEY
      11|39a591f5321bbe07fd5a23dc2f39d025d74526615746727ceefd6e82ae65c06f|ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff|a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04|non-canonical A: reject|REJECT_KEY
      """)
  void speccheckCases(int index, String msg, String pub, String sig, String description, String expected) {
    byte[] key = HEX.parseHex(pub);
    if (expected.equals("REJECT_KEY")) {
      assertThatThrownBy(() -> PublicKey.fromBytes(key)).isInstanceOf(KeyFormatException.class);
      return;
    }
    boolean ok = PublicKey.fromBytes(key).verify(HEX.parseHex(msg), HEX.parseHex(sig));
    assertThat(ok).as("case %d (%s)", index, description).isEqualTo(expected.equals("TRUE"));
    // A batch holding the case among valid signatures gives the same answer.
    SignatureBatch batch = new SignatureBatch(new SecureRandom());
    for (Ed25519Batch.Item it : Ed25519BatchTest.signed(7, index)) {
      batch.add(PublicKey.fromBytes(it.key()), it.msg(), 0, it.msgLen(), it.sig(), 0);
    }
    byte[] m = HEX.parseHex(msg);
    batch.add(PublicKey.fromBytes(key), m, 0, m.length, HEX.parseHex(sig), 0);
    assertThat(batch.verifyAll()).as("case %d in a batch", index).isEqualTo(ok);
    // And among 63 valid signatures, a batch that Pippenger's method sums (the one above,
    // Straus's; see aBatchOf64IsSummedByPippenger).
    SignatureBatch large = new SignatureBatch(new SecureRandom());
    for (Ed25519Batch.Item it : Ed25519BatchTest.signed(63, 100 + index)) {
      large.add(PublicKey.fromBytes(it.key()), it.msg(), 0, it.msgLen(), it.sig(), 0);
    }
    large.add(PublicKey.fromBytes(key), m, 0, m.length, HEX.parseHex(sig), 0);
    assertThat(large.verifyAll()).as("case %d in a batch of 64", index).isEqualTo(ok);
  }

  /**
   * The scalars of a 64-signature batch (64 coefficients of 128 bits, 64 of up to 253 and the
   * base point's) cost less by Pippenger's method than by Straus's, so the speccheck cases above
   * run through both sums; an 8-signature batch goes to Straus.
   */
  @Test
  void aBatchOf64IsSummedByPippenger() {
    for (int n : new int[] {8, 64}) {
      Random r = new Random(n);
      BigInteger[] scalars = new BigInteger[2 * n + 1];
      for (int i = 0; i < scalars.length; i++) {
        scalars[i] = new BigInteger(i >= 1 && i <= n ? 128 : 252, r).setBit(0);
      }
      long straus = MultiScalar.strausCost(scalars);
      long pippenger = MultiScalar.pippengerCost(scalars, MultiScalar.windowBits(scalars));
      if (n == 64) {
        assertThat(pippenger).as("n = 64").isLessThan(straus);
      } else {
        assertThat(straus).as("n = 8").isLessThanOrEqualTo(pippenger);
      }
    }
  }

  /** The eight small-order points, each with both sign bits; none is an acceptable key. */
  @ParameterizedTest
  @ValueSource(strings = {
      "0100000000000000000000000000000000000000000000000000000000000000",
      "0100000000000000000000000000000000000000000000000000000000000080",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0000000000000000000000000000000000000000000000000000000000000080",
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
      // non-canonical encodings (y >= p)
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"})
  void smallOrderAndNonCanonicalKeysAreRejected(String hex) {
    assertThatThrownBy(() -> PublicKey.fromBytes(HEX.parseHex(hex)))
        .isInstanceOf(KeyFormatException.class)
        .hasMessageContaining("not a canonical curve point of large order");
  }

  @Test
  void signAndVerifyRoundTripsAndRejectsTampering() {
    Random random = new Random(42);
    SecureRandom secure = new SecureRandom();
    for (int i = 0; i < 50; i++) {
      SecretKey sk = SecretKey.generate(secure);
      byte[] msg = new byte[random.nextInt(1100)];
      random.nextBytes(msg);
      byte[] sig = sk.sign(msg);
      assertThat(sk.publicKey().verify(msg, sig)).isTrue();
      if (msg.length > 0) {
        byte[] tampered = msg.clone();
        tampered[random.nextInt(msg.length)] ^= 1;
        assertThat(sk.publicKey().verify(tampered, sig)).isFalse();
      }
      byte[] badSig = sig.clone();
      badSig[random.nextInt(64)] ^= 0x10;
      assertThat(sk.publicKey().verify(msg, badSig)).isFalse();
      assertThat(SecretKey.generate(secure).publicKey().verify(msg, sig)).isFalse();
    }
  }

  @Test
  void malleatedSignatureWithSPlusLIsRejected() {
    SecretKey sk = SecretKey.fromBytes(new byte[32]);
    byte[] msg = "hello".getBytes();
    byte[] sig = sk.sign(msg);
    BigInteger s = new BigInteger(1, reverse(java.util.Arrays.copyOfRange(sig, 32, 64)));
    byte[] sPlusL = reverse(toFixed(s.add(L), 32));
    byte[] malleated = sig.clone();
    System.arraycopy(sPlusL, 0, malleated, 32, 32);
    assertThat(sk.publicKey().verify(msg, sig)).isTrue();
    assertThat(sk.publicKey().verify(msg, malleated)).isFalse();
  }

  @Test
  void wrongLengthSignaturesNeverVerify() {
    SecretKey sk = SecretKey.fromBytes(new byte[32]);
    byte[] msg = "x".getBytes();
    byte[] sig = sk.sign(msg);
    assertThat(sk.publicKey().verify(msg, java.util.Arrays.copyOf(sig, 63))).isFalse();
    assertThat(sk.publicKey().verify(msg, java.util.Arrays.copyOf(sig, 65))).isFalse();
    assertThat(sk.publicKey().verify(msg, 0, msg.length, sig, 1)).isFalse();
  }

  private static byte[] reverse(byte[] b) {
    byte[] r = new byte[b.length];
    for (int i = 0; i < b.length; i++) {
      r[i] = b[b.length - 1 - i];
    }
    return r;
  }

  private static byte[] toFixed(BigInteger v, int len) {
    byte[] raw = v.toByteArray();
    byte[] out = new byte[len];
    int copy = Math.min(raw.length, len);
    System.arraycopy(raw, raw.length - copy, out, len - copy, copy);
    return out;
  }

  /**
   * Keys are decoded by our own decoder (whose point the batch verification uses); it accepts
   * exactly the encodings BouncyCastle's partial validation accepts: random bytes, every y near
   * p, and every small-order y with both sign bits.
   */
  @Test
  void keyDecodingAgreesWithBouncyCastle() {
    Random random = new Random(2024);
    java.util.List<byte[]> encodings = new java.util.ArrayList<>();
    for (int i = 0; i < 4000; i++) {
      byte[] b = new byte[32];
      random.nextBytes(b);
      encodings.add(b);
    }
    for (int low = 0; low < 256; low++) { // y = 2^255 - 256 + low, both signs: around p
      for (int sign = 0; sign < 2; sign++) {
        byte[] b = new byte[32];
        java.util.Arrays.fill(b, (byte) 0xFF);
        b[0] = (byte) low;
        b[31] = (byte) (sign == 0 ? 0x7F : 0xFF);
        encodings.add(b);
      }
    }
    for (int v = 0; v < 64; v++) { // small y, both signs: 0, 1 and their neighbours
      for (int sign = 0; sign < 2; sign++) {
        byte[] b = new byte[32];
        b[0] = (byte) v;
        b[31] = (byte) (sign << 7);
        encodings.add(b);
      }
    }
    int accepted = 0;
    for (byte[] b : encodings) {
      boolean ours;
      try {
        PublicKey.fromBytes(b);
        ours = true;
      } catch (KeyFormatException e) {
        ours = false;
      }
      boolean bc = org.bouncycastle.math.ec.rfc8032.Ed25519.validatePublicKeyPartial(b, 0);
      assertThat(ours).as("key %s", HEX.formatHex(b)).isEqualTo(bc);
      accepted += ours ? 1 : 0;
    }
    assertThat(accepted).isBetween(1800, 2400);
  }
}
