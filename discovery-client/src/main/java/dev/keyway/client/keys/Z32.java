package dev.keyway.client.keys;

/**
 * z-base-32, the key alphabet of pkarr and iroh DNS names: alphabet
 * {@code ybndrfg8ejkmcpqxot1uwisza345h769}, RFC 4648 bit order (most significant bit first,
 * 5-bit groups), no padding. 32 bytes give 52 characters, the last carrying 1 data bit and 4 pad
 * bits.
 *
 * <p>Decoding is lowercase only, as both reference decoders are. The two references differ on pad
 * bits: iroh (data-encoding) rejects a last character with non-zero pad bits, pkarr (base32 0.5)
 * ignores them. {@link #decode} is the strict (iroh) form; {@link #decodeLenient} the pkarr one.
 * Output is always canonical.
 */
public final class Z32 {
  static final String ALPHABET = "ybndrfg8ejkmcpqxot1uwisza345h769";
  private static final byte[] DECODE = new byte[128];

  static {
    java.util.Arrays.fill(DECODE, (byte) -1);
    for (int i = 0; i < ALPHABET.length(); i++) {
      DECODE[ALPHABET.charAt(i)] = (byte) i;
    }
  }

  private Z32() {}

  /** Encodes bytes as canonical lowercase z-base-32 without padding. */
  public static String encode(byte[] data) {
    return Base32Codec.encode(data, ALPHABET);
  }

  /** Decodes strictly: lowercase alphabet only, pad bits must be zero, length must be valid. */
  public static byte[] decode(CharSequence text) {
    return Base32Codec.decode(text, DECODE, true, "z-base-32");
  }

  /** Decodes as pkarr does: lowercase alphabet only, non-zero pad bits ignored. */
  public static byte[] decodeLenient(CharSequence text) {
    return Base32Codec.decode(text, DECODE, false, "z-base-32");
  }
}
