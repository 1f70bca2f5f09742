package dev.keyway.client.keys;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An Ed25519 signing key: the 32-byte seed of RFC 8032 (iroh's {@code SecretKey}).
 *
 * <p>The seed never appears in {@link #toString()}, exceptions or logs; {@link #toHex()} and
 * {@link #toBytes()} are the explicit ways to export it (for key files).
 */
public final class SecretKey {
  /** Length of the seed in bytes. */
  public static final int LENGTH = Ed25519.SECRET_KEY_SIZE;

  private final byte[] seed;
  private final byte[] publicBytes;
  private final PublicKey publicKey;

  private SecretKey(byte[] seed) {
    this.seed = seed;
    this.publicBytes = new byte[PublicKey.LENGTH];
    Ed25519.generatePublicKey(seed, 0, publicBytes, 0);
    this.publicKey = PublicKey.fromBytes(publicBytes);
  }

  /** Generates a new key from {@code random}. */
  public static SecretKey generate(SecureRandom random) {
    byte[] seed = new byte[LENGTH];
    random.nextBytes(seed);
    return new SecretKey(seed);
  }

  /** Returns the key with this 32-byte seed. */
  public static SecretKey fromBytes(byte[] seed) {
    if (seed.length != LENGTH) {
      throw new KeyFormatException("secret key must be 32 bytes, got " + seed.length);
    }
    return new SecretKey(seed.clone());
  }

  /**
   * Parses a seed as iroh's {@code SecretKey::from_str} does: 64 lowercase hex characters, or
   * RFC 4648 base32 without padding (any case) of 32 bytes. Error messages never echo the input.
   */
  public static SecretKey parse(String text) {
    String s = text.strip();
    byte[] raw;
    if (s.length() == 64) {
      try {
        raw = PublicKey.lowercaseHex(s);
      } catch (IllegalArgumentException e) {
        throw new KeyFormatException("invalid secret key: 64 characters but not lowercase hex");
      }
    } else {
      try {
        raw = Base32.decode(s);
      } catch (KeyFormatException e) {
        throw new KeyFormatException("invalid secret key: neither 64 hex characters nor base32");
      }
    }
    if (raw.length != LENGTH) {
      throw new KeyFormatException("invalid secret key: decodes to " + raw.length + " bytes, not 32");
    }
    return new SecretKey(raw);
  }

  /** The matching public key. */
  public PublicKey publicKey() {
    return publicKey;
  }

  /** Signs {@code message[off..off+len)} (pure Ed25519, RFC 8032) and returns the 64-byte signature. */
  public byte[] sign(byte[] message, int off, int len) {
    byte[] signature = new byte[Ed25519.SIGNATURE_SIZE];
    Ed25519.sign(seed, 0, publicBytes, 0, message, off, len, signature, 0);
    return signature;
  }

  /** Signs the whole message. */
  public byte[] sign(byte[] message) {
    return sign(message, 0, message.length);
  }

  /** Exports the seed as 64 lowercase hex characters (the key file format). */
  public String toHex() {
    return HexFormat.of().formatHex(seed);
  }

  /** Exports a copy of the 32-byte seed. */
  public byte[] toBytes() {
    return seed.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SecretKey other && MessageDigest.isEqual(seed, other.seed);
  }

  @Override
  public int hashCode() {
    return publicKey.hashCode();
  }

  /** Shows only the public half; the seed is never printed. */
  @Override
  public String toString() {
    return "SecretKey[public=" + publicKey.fmtShort() + "]";
  }
}
