package dev.keyway.client.keys;

/**
 * RFC 4648 base32 without padding, the form of iroh key strings (52 characters for 32 bytes) and
 * of tickets. Output is lowercase, as iroh emits it; input is case-insensitive, as iroh upper-cases
 * before decoding. Pad bits must be zero and {@code =} padding is refused (iroh uses
 * {@code BASE32_NOPAD}).
 */
public final class Base32 {
  static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
  private static final byte[] DECODE = new byte[128];

  static {
    java.util.Arrays.fill(DECODE, (byte) -1);
    for (int i = 0; i < ALPHABET.length(); i++) {
      DECODE[ALPHABET.charAt(i)] = (byte) i;
      DECODE[Character.toUpperCase(ALPHABET.charAt(i))] = (byte) i;
    }
  }

  private Base32() {}

  /** Encodes bytes as lowercase RFC 4648 base32 without padding. */
  public static String encode(byte[] data) {
    return Base32Codec.encode(data, ALPHABET);
  }

  /** Decodes case-insensitive RFC 4648 base32 without padding; pad bits must be zero. */
  public static byte[] decode(CharSequence text) {
    return Base32Codec.decode(text, DECODE, true, "base32");
  }
}
