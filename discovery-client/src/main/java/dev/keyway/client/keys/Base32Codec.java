package dev.keyway.client.keys;

/** The 5-bit group codec shared by {@link Z32} and {@link Base32}; only the alphabet differs. */
final class Base32Codec {
  private Base32Codec() {}

  static String encode(byte[] data, String alphabet) {
    StringBuilder out = new StringBuilder((data.length * 8 + 4) / 5);
    int buffer = 0;
    int bits = 0;
    for (byte b : data) {
      buffer = (buffer << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5) {
        bits -= 5;
        out.append(alphabet.charAt((buffer >>> bits) & 31));
      }
    }
    if (bits > 0) {
      out.append(alphabet.charAt((buffer << (5 - bits)) & 31));
    }
    return out.toString();
  }

  static byte[] decode(CharSequence text, byte[] table, boolean strictPadBits, String name) {
    int length = text.length();
    // Valid unpadded lengths leave 0, 2, 4, 5 or 7 characters in the last 8-character block.
    int rem = length % 8;
    if (rem == 1 || rem == 3 || rem == 6) {
      throw new KeyFormatException(name + ": invalid length " + length);
    }
    byte[] out = new byte[length * 5 / 8];
    int buffer = 0;
    int bits = 0;
    int pos = 0;
    for (int i = 0; i < length; i++) {
      char c = text.charAt(i);
      int v = c < 128 ? table[c] : -1;
      if (v < 0) {
        throw new KeyFormatException(name + ": invalid character '" + printable(c) + "' at " + i);
      }
      buffer = (buffer << 5) | v;
      bits += 5;
      if (bits >= 8) {
        bits -= 8;
        out[pos++] = (byte) (buffer >>> bits);
      }
    }
    if (strictPadBits && (buffer & ((1 << bits) - 1)) != 0) {
      throw new KeyFormatException(name + ": non-zero trailing bits in last character");
    }
    return out;
  }

  private static String printable(char c) {
    return c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c);
  }
}
