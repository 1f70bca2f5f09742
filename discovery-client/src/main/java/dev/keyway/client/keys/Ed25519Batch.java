package dev.keyway.client.keys;

import dev.keyway.client.keys.EdwardsPoints.Affine;
import dev.keyway.client.keys.EdwardsPoints.Ext;
import dev.keyway.client.keys.EdwardsPoints.Temp;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Random;

/**
 * Checks many Ed25519 signatures with one multi-scalar multiplication (the batch verification of
 * Bernstein et al., "High-speed high-security signatures", section 5), about twice as fast per
 * signature as verifying them one by one once a batch holds a few dozen.
 *
 * <p>For signatures (R_i, S_i) by keys A_i over messages M_i, with k_i = SHA-512(R_i || A_i || M_i)
 * and independent random 128-bit z_i, the batch holds when
 * <pre>  [8] ( [sum z_i S_i] B - sum [z_i] R_i - sum [z_i k_i] A_i ) = 0.</pre>
 * If every signature verifies (cofactored), the batch holds; if one does not, the batch fails
 * except with probability about 2^-128. A failed batch says nothing about which signature is bad:
 * callers verify those one by one ({@link Ed25519Strict}) to name them.
 *
 * <p>The same rules as {@link Ed25519Strict} apply to each signature before the equation: A and
 * R must be canonical encodings of points of large order, S must be below L. The equation is the
 * cofactored one, as BouncyCastle's single verification, so the two agree on the speccheck cases
 * (see {@code Ed25519BatchTest}).
 */
final class Ed25519Batch {
  static final BigInteger L =
      BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));

  /** Below this many signatures one-by-one verification is as fast, so callers should use it. */
  static final int MIN_BATCH = 4;

  private static final Affine BASE = EdwardsPoints.decode(baseEncoding(), 0);
  private static final MessageDigest SHA512_PROTOTYPE = sha512();

  private Ed25519Batch() {}

  /**
   * One signature: a key accepted by {@link PublicKey} (its 32 bytes and decoded point), a
   * 64-byte signature and the message, each at an offset.
   */
  record Item(byte[] key, EdwardsPoints.Affine point, byte[] sig, int sigOff, byte[] msg,
      int msgOff, int msgLen) {}

  /**
   * Returns true if every signature verifies (except with probability about 2^-128 when one does
   * not), false if at least one does not or any key, R or S is not acceptable.
   *
   * @param random the source of the z_i; it must be unpredictable to whoever chose the signatures
   */
  static boolean verifyAll(List<Item> items, Random random) {
    int n = items.size();
    if (n == 0) {
      return true;
    }
    Affine[] points = new Affine[2 * n + 1];
    BigInteger[] scalars = new BigInteger[2 * n + 1];
    BigInteger sumB = BigInteger.ZERO;
    MessageDigest sha = newSha512();
    Temp tmp = new Temp();
    byte[] zBytes = new byte[16 * n];
    random.nextBytes(zBytes);
    for (int i = 0; i < n; i++) {
      Item it = items.get(i);
      if (it.sigOff < 0 || it.sig.length - it.sigOff < 64) {
        return false;
      }
      BigInteger s = littleEndian(it.sig, it.sigOff + 32, 32);
      if (s.compareTo(L) >= 0) {
        return false;
      }
      Affine r = EdwardsPoints.decodeLargeOrder(it.sig, it.sigOff);
      if (r == null) {
        return false;
      }
      sha.update(it.sig, it.sigOff, 32);
      sha.update(it.key, 0, 32);
      sha.update(it.msg, it.msgOff, it.msgLen);
      BigInteger k = littleEndian(sha.digest(), 0, 64).mod(L);
      // z = 0 would drop the signature from the equation; 2^-128 per signature, but free to avoid.
      BigInteger z = littleEndian(zBytes, 16 * i, 16).setBit(0);
      sumB = sumB.add(z.multiply(s));
      points[1 + i] = r;
      scalars[1 + i] = z;
      points[1 + n + i] = it.point;
      scalars[1 + n + i] = z.multiply(k).mod(L);
    }
    points[0] = BASE;
    scalars[0] = sumB.mod(L);
    Ext sum = MultiScalar.sum(points, scalars, 1, tmp);
    EdwardsPoints.dbl(sum, sum, tmp);
    EdwardsPoints.dbl(sum, sum, tmp);
    EdwardsPoints.dbl(sum, sum, tmp);
    return sum.isIdentity();
  }

  private static BigInteger littleEndian(byte[] buf, int off, int len) {
    byte[] be = new byte[len + 1];
    for (int i = 0; i < len; i++) {
      be[len - i] = buf[off + i];
    }
    return new BigInteger(be);
  }

  private static byte[] baseEncoding() {
    byte[] b = new byte[32];
    java.util.Arrays.fill(b, (byte) 0x66);
    b[0] = 0x58;
    return b;
  }

  private static MessageDigest sha512() {
    try {
      return MessageDigest.getInstance("SHA-512");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-512 is required of every Java platform", e);
    }
  }

  private static MessageDigest newSha512() {
    try {
      return (MessageDigest) SHA512_PROTOTYPE.clone();
    } catch (CloneNotSupportedException e) {
      return sha512();
    }
  }
}
