package dev.keyway.client.packet;

import java.nio.charset.StandardCharsets;

/** The BEP44 bytes a pkarr signature covers: {@code 3:seqi<ts>e1:v<len>:<dns>}. */
final class Signable {
  private Signable() {}

  /** The signable for timestamp {@code ts} (unsigned decimal) and {@code dns[off..off+len)}. */
  static byte[] of(long ts, byte[] dns, int off, int len) {
    byte[] prefix = ("3:seqi" + Long.toUnsignedString(ts) + "e1:v" + len + ":")
        .getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[prefix.length + len];
    System.arraycopy(prefix, 0, out, 0, prefix.length);
    System.arraycopy(dns, off, out, prefix.length, len);
    return out;
  }
}
