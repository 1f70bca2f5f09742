package dev.keyway.client.testing;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.SignedPacket;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Random;

/**
 * Ed25519 signing with a caller-chosen nonce instead of RFC 8032's deterministic one, as signers
 * with hedged or random nonces do. Their signatures verify like any other, but signing the same
 * message twice gives different bytes, which the deterministic signer of the production code can
 * never produce; tests need such pairs for the "same timestamp and records, other signature"
 * cases of pkarr's ordering rules.
 *
 * <p>Plain affine Edwards arithmetic on {@link BigInteger}: slow (milliseconds) and not
 * constant-time, which is fine for tests and nothing else.
 */
public final class RandomNonceSigner {
  private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
  private static final BigInteger L = BigInteger.TWO.pow(252)
      .add(new BigInteger("27742317777372353535851937790883648493"));
  private static final BigInteger D = BigInteger.valueOf(-121665)
      .multiply(BigInteger.valueOf(121666).modInverse(P)).mod(P);
  private static final BigInteger[] BASE = {
      new BigInteger("15112221349535400772501151409588531511454012693041857206046113283949847762202"),
      new BigInteger("46316835694926478169428394003475163141307993866256225615783033603165251855960")};
  private static final BigInteger[] IDENTITY = {BigInteger.ZERO, BigInteger.ONE};

  private RandomNonceSigner() {}

  /**
   * A packet with the same key, timestamp and DNS bytes as {@code packet}, signed again by
   * {@code key} with a nonce drawn from {@code random}: valid, equally recent, other bytes.
   */
  public static SignedPacket resign(SignedPacket packet, SecretKey key, Random random) {
    byte[] canonical = packet.toBytes();
    byte[] dns = Arrays.copyOfRange(canonical, SignedPacket.HEADER_BYTES, canonical.length);
    byte[] signable = concat(("3:seqi" + Long.toUnsignedString(packet.timestampMicros()) + "e1:v"
        + dns.length + ":").getBytes(StandardCharsets.US_ASCII), dns);
    byte[] signature = sign(key, signable, random);
    System.arraycopy(signature, 0, canonical, 32, 64);
    return SignedPacket.fromBytes(canonical);
  }

  /** An Ed25519 signature of {@code message} by {@code key} with a random nonce. */
  public static byte[] sign(SecretKey key, byte[] message, Random random) {
    byte[] h = sha512(key.toBytes());
    byte[] scalar = Arrays.copyOf(h, 32);
    scalar[0] &= (byte) 248;
    scalar[31] &= 127;
    scalar[31] |= 64;
    BigInteger a = fromLittleEndian(scalar);
    byte[] publicKey = encode(multiply(BASE, a));
    if (!Arrays.equals(publicKey, key.publicKey().toBytes())) {
      throw new IllegalStateException("arithmetic error: derived public key differs");
    }
    BigInteger r = new BigInteger(512, random).mod(L);
    byte[] encodedR = encode(multiply(BASE, r));
    BigInteger k = fromLittleEndian(sha512(concat(concat(encodedR, publicKey), message))).mod(L);
    BigInteger s = r.add(k.multiply(a)).mod(L);
    return concat(encodedR, toLittleEndian(s));
  }

  private static BigInteger[] add(BigInteger[] p, BigInteger[] q) {
    BigInteger xx = p[0].multiply(q[0]);
    BigInteger yy = p[1].multiply(q[1]);
    BigInteger dxy = D.multiply(xx).multiply(yy).mod(P);
    BigInteger x = p[0].multiply(q[1]).add(p[1].multiply(q[0]))
        .multiply(BigInteger.ONE.add(dxy).modInverse(P)).mod(P);
    BigInteger y = yy.add(xx).multiply(BigInteger.ONE.subtract(dxy).modInverse(P)).mod(P);
    return new BigInteger[] {x, y};
  }

  private static BigInteger[] multiply(BigInteger[] point, BigInteger n) {
    BigInteger[] result = IDENTITY;
    for (int i = n.bitLength() - 1; i >= 0; i--) {
      result = add(result, result);
      if (n.testBit(i)) {
        result = add(result, point);
      }
    }
    return result;
  }

  private static byte[] encode(BigInteger[] point) {
    byte[] out = toLittleEndian(point[1]);
    if (point[0].testBit(0)) {
      out[31] |= (byte) 0x80;
    }
    return out;
  }

  private static BigInteger fromLittleEndian(byte[] le) {
    byte[] be = new byte[le.length];
    for (int i = 0; i < le.length; i++) {
      be[i] = le[le.length - 1 - i];
    }
    return new BigInteger(1, be);
  }

  private static byte[] toLittleEndian(BigInteger n) {
    byte[] be = n.toByteArray();
    byte[] out = new byte[32];
    for (int i = 0; i < 32 && i < be.length; i++) {
      out[i] = be[be.length - 1 - i];
    }
    return out;
  }

  private static byte[] sha512(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-512").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
