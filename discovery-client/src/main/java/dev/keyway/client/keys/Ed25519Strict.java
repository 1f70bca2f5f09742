package dev.keyway.client.keys;

import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * Ed25519 verification with the rules of ed25519-dalek {@code verify_strict}, which iroh uses for
 * every signed packet, on top of BouncyCastle's lightweight API (about 8x faster than the JDK's).
 *
 * <h2>What is rejected</h2>
 * <ul>
 *   <li>public keys that are not canonical encodings of a curve point, or that have small order
 *       (checked once, when a {@link PublicKey} is constructed, by
 *       {@link EdwardsPoints#decodeLargeOrder}, whose decoded point {@link SignatureBatch} uses);
 *   <li>signatures whose R is not a canonical encoding, not on the curve, or of small order
 *       ({@link Ed25519#validatePublicKeyPartial} applied to R costs about 7 µs);
 *   <li>non-canonical S (S &ge; L), checked by BouncyCastle;
 *   <li>signatures that do not satisfy the verification equation.
 * </ul>
 *
 * <h2>Known difference</h2>
 * BouncyCastle 1.86 checks the equation in a scaled form that, for points with a torsion
 * component, is not dalek's cofactorless check. Honest key generation and signing never produce
 * such points (every honest key and R lies in the prime-order subgroup, where the two checks
 * agree), and only the key holder could produce such a signature. An exact check would need a
 * full subgroup test per verification (about 60 µs, close to a whole verification), so it is not
 * done; the speccheck test vectors that show the difference (mixed-order keys, cases 4 and 5 of
 * "Taming the many EdDSAs") are pinned in {@code Ed25519StrictTest}.
 */
final class Ed25519Strict {
  static final int SIGNATURE_LENGTH = Ed25519.SIGNATURE_SIZE;

  private Ed25519Strict() {}

  /** Validates key bytes and returns the decoded point, or null if they are not acceptable. */
  static Ed25519.PublicPoint decodeKey(byte[] key) {
    return Ed25519.validatePublicKeyPartialExport(key, 0);
  }

  static boolean verify(
      Ed25519.PublicPoint key, byte[] signature, int sigOff, byte[] message, int off, int len) {
    if (sigOff < 0 || signature.length - sigOff < SIGNATURE_LENGTH) {
      return false;
    }
    // R must be a canonical, on-curve point of large order (dalek: R.is_small_order() fails).
    if (!Ed25519.validatePublicKeyPartial(signature, sigOff)) {
      return false;
    }
    return Ed25519.verify(signature, sigOff, key, message, off, len);
  }
}
