package dev.keyway.client.packet;

import dev.keyway.client.keys.SecretKey;
import java.util.random.RandomGenerator;

/** Helpers for packet tests: deterministic keys and hand-made canonical bytes. */
final class TestPackets {
  private TestPackets() {}

  static SecretKey key(RandomGenerator random) {
    byte[] seed = new byte[32];
    random.nextBytes(seed);
    return SecretKey.fromBytes(seed);
  }

  /** Canonical bytes with a valid signature over any timestamp and any DNS bytes, unchecked. */
  static byte[] signRaw(SecretKey key, long ts, byte[] dns) {
    byte[] out = new byte[104 + dns.length];
    key.publicKey().copyTo(out, 0);
    SignedPacket.writeLong(out, 96, ts);
    System.arraycopy(dns, 0, out, 104, dns.length);
    byte[] sig = key.sign(Signable.of(ts, dns, 0, dns.length));
    System.arraycopy(sig, 0, out, 32, 64);
    return out;
  }

  static byte[] withoutKey(byte[] canonical) {
    return java.util.Arrays.copyOfRange(canonical, 32, canonical.length);
  }
}
