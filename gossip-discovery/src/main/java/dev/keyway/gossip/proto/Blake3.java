package dev.keyway.gossip.proto;

import org.bouncycastle.crypto.digests.Blake3Digest;

/** BLAKE3-256 over a byte range (BouncyCastle's implementation). */
final class Blake3 {
  static final int LENGTH = 32;

  private Blake3() {}

  static byte[] hash(byte[] data, int off, int len) {
    // A fresh digest per call: it is cheap next to hashing, and keeps every caller stateless.
    Blake3Digest digest = new Blake3Digest();
    digest.update(data, off, len);
    byte[] out = new byte[LENGTH];
    digest.doFinal(out, 0);
    return out;
  }
}
