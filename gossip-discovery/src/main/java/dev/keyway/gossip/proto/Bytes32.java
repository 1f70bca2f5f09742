package dev.keyway.gossip.proto;

import java.util.Arrays;
import java.util.HexFormat;

/** Shared plumbing for the 32-byte identifiers: validation, ordering, hashing, hex. */
final class Bytes32 {
  static final HexFormat HEX = HexFormat.of();

  private Bytes32() {}

  static byte[] copyOf(byte[] bytes, String what) {
    if (bytes == null || bytes.length != 32) {
      throw new IllegalArgumentException(
          what + " must be 32 bytes, got " + (bytes == null ? "null" : bytes.length));
    }
    return bytes.clone();
  }

  /** The first 4 bytes: the identifiers are hashes or random, so they are already well spread. */
  static int hash(byte[] b) {
    return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
  }

  static int compare(byte[] a, byte[] b) {
    return Arrays.compareUnsigned(a, b);
  }
}
