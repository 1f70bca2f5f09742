package dev.keyway.gossip.proto;

import java.util.Arrays;

/**
 * A topic: 32 opaque bytes. Every topic is its own swarm with its own HyParView views and
 * PlumTree (iroh-gossip {@code TopicId}). Immutable; compares by its bytes.
 */
public final class TopicId implements Comparable<TopicId> {
  private final byte[] bytes;
  private final int hash;

  private TopicId(byte[] bytes) {
    this.bytes = bytes;
    this.hash = Bytes32.hash(bytes);
  }

  /** The topic with these 32 bytes. */
  public static TopicId fromBytes(byte[] bytes) {
    return new TopicId(Bytes32.copyOf(bytes, "topic id"));
  }

  /** A topic named by the BLAKE3 hash of a UTF-8 string, for tests and examples. */
  public static TopicId ofName(String name) {
    byte[] utf8 = utf8(name);
    return new TopicId(Blake3.hash(utf8, 0, utf8.length));
  }

  /**
   * UTF-8 (unpaired surrogates become '?', as {@code String.getBytes} does), written out so that
   * this package needs nothing from {@code java.nio}.
   */
  static byte[] utf8(String s) {
    byte[] out = new byte[s.length() * 3];
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      int c = s.charAt(i);
      if (Character.isHighSurrogate((char) c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        c = Character.toCodePoint((char) c, s.charAt(++i));
      } else if (Character.isSurrogate((char) c)) {
        c = '?';
      }
      if (c < 0x80) {
        out[n++] = (byte) c;
      } else if (c < 0x800) {
        out[n++] = (byte) (0xc0 | c >> 6);
        out[n++] = (byte) (0x80 | c & 0x3f);
      } else if (c < 0x10000) {
        out[n++] = (byte) (0xe0 | c >> 12);
        out[n++] = (byte) (0x80 | c >> 6 & 0x3f);
        out[n++] = (byte) (0x80 | c & 0x3f);
      } else {
        out[n++] = (byte) (0xf0 | c >> 18);
        out[n++] = (byte) (0x80 | c >> 12 & 0x3f);
        out[n++] = (byte) (0x80 | c >> 6 & 0x3f);
        out[n++] = (byte) (0x80 | c & 0x3f);
      }
    }
    return Arrays.copyOf(out, n);
  }

  /** Returns a copy of the 32 bytes. */
  public byte[] toBytes() {
    return bytes.clone();
  }

  /** Copies the 32 bytes into {@code dst} at {@code off}. */
  public void copyTo(byte[] dst, int off) {
    System.arraycopy(bytes, 0, dst, off, 32);
  }

  /** The first 5 bytes in hex, iroh's short form. */
  public String fmtShort() {
    return Bytes32.HEX.formatHex(bytes, 0, 5);
  }

  @Override
  public int compareTo(TopicId o) {
    return Bytes32.compare(bytes, o.bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TopicId t && hash == t.hash && Arrays.equals(bytes, t.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /** 64 lowercase hex characters. */
  @Override
  public String toString() {
    return Bytes32.HEX.formatHex(bytes);
  }
}
