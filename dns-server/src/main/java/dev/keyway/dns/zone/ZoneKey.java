package dev.keyway.dns.zone;

import dev.keyway.client.keys.PublicKey;

/**
 * The 32 bytes of a public key as read from a DNS label, without the curve-point validation a
 * {@link PublicKey} performs (iroh's {@code PublicKeyBytes}). Decoding a label costs about as much
 * as copying it; validating the point costs microseconds, so the answer path keys its cache by
 * this value and validates only when it has to go to the store.
 *
 * <p>Immutable; equality is equality of the 32 bytes. Labels come from anyone who can send a
 * query, so the type is {@link Comparable}: hash maps keep colliding keys in trees, not lists.
 */
public final class ZoneKey implements Comparable<ZoneKey> {
  /** z-base-32 alphabet, index = 5-bit value. */
  private static final String ALPHABET = "ybndrfg8ejkmcpqxot1uwisza345h769";
  /** ASCII byte (upper case folded) to 5-bit value, or -1. */
  private static final byte[] DECODE = new byte[256];

  static {
    java.util.Arrays.fill(DECODE, (byte) -1);
    for (int i = 0; i < ALPHABET.length(); i++) {
      char c = ALPHABET.charAt(i);
      DECODE[c] = (byte) i;
      if (c >= 'a' && c <= 'z') {
        // DNS names compare case-insensitively; resolvers using 0x20 randomisation send mixed case.
        DECODE[c - 'a' + 'A'] = (byte) i;
      }
    }
  }

  private final long w0;
  private final long w1;
  private final long w2;
  private final long w3;

  private ZoneKey(long w0, long w1, long w2, long w3) {
    this.w0 = w0;
    this.w1 = w1;
    this.w2 = w2;
    this.w3 = w3;
  }

  /** The key of a validated public key. */
  public static ZoneKey of(PublicKey key) {
    byte[] b = key.toBytes();
    return new ZoneKey(word(b, 0), word(b, 8), word(b, 16), word(b, 24));
  }

  /**
   * Decodes a DNS label holding a z-base-32 key: exactly 52 characters of the alphabet, either
   * case, with the 4 pad bits of the last character zero (iroh's strict decoding, made
   * case-insensitive as DNS is). Returns null for anything else.
   */
  public static ZoneKey fromLabel(byte[] buf, int off, int len) {
    if (len != PublicKey.TEXT_LENGTH) {
      return null;
    }
    // 52 chars x 5 bits = 260 bits: 256 data bits, then 4 pad bits that must be zero.
    long[] words = new long[4];
    int acc = 0;
    int bits = 0;
    int out = 0; // bytes produced
    for (int i = 0; i < len; i++) {
      int v = DECODE[buf[off + i] & 0xff];
      if (v < 0) {
        return null;
      }
      acc = (acc << 5) | v;
      bits += 5;
      if (bits >= 8) {
        bits -= 8;
        int b = (acc >>> bits) & 0xff;
        words[out >>> 3] = (words[out >>> 3] << 8) | b;
        out++;
      }
    }
    if ((acc & ((1 << bits) - 1)) != 0) {
      return null; // non-zero pad bits: not the canonical encoding iroh accepts
    }
    return new ZoneKey(words[0], words[1], words[2], words[3]);
  }

  /** The 32 key bytes. */
  public byte[] toBytes() {
    byte[] b = new byte[32];
    put(b, 0, w0);
    put(b, 8, w1);
    put(b, 16, w2);
    put(b, 24, w3);
    return b;
  }

  private static long word(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xffL);
    }
    return v;
  }

  private static void put(byte[] b, int off, long v) {
    for (int i = 7; i >= 0; i--) {
      b[off + i] = (byte) v;
      v >>>= 8;
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ZoneKey k && k.w0 == w0 && k.w1 == w1 && k.w2 == w2 && k.w3 == w3;
  }

  @Override
  public int hashCode() {
    long h = w0 * 0x9E3779B97F4A7C15L + w1;
    h = h * 0x9E3779B97F4A7C15L + w2;
    h = h * 0x9E3779B97F4A7C15L + w3;
    h ^= h >>> 29;
    return (int) (h ^ (h >>> 32));
  }

  @Override
  public int compareTo(ZoneKey o) {
    int c = Long.compareUnsigned(w0, o.w0);
    if (c == 0) {
      c = Long.compareUnsigned(w1, o.w1);
    }
    if (c == 0) {
      c = Long.compareUnsigned(w2, o.w2);
    }
    return c != 0 ? c : Long.compareUnsigned(w3, o.w3);
  }

  @Override
  public String toString() {
    return "ZoneKey[" + java.util.HexFormat.of().formatHex(toBytes()) + "]";
  }
}
