package dev.keyway.relay.bench;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.SignedPacket;

/** The packet every relay benchmark publishes: an iroh endpoint's {@code _iroh} TXT records. */
final class BenchPackets {
  private BenchPackets() {}

  /** Packet number {@code i} (its address varies with i) signed by {@code key} at {@code timestampMicros}. */
  static SignedPacket iroh(SecretKey key, int i, long timestampMicros) {
    int n = 10 + i % 240;
    return SignedPacket.builder()
        .txt("_iroh", 30, "relay=https://relay.example.test./")
        .txt("_iroh", 30, "addr=192.0.2." + n + ":4433 [2001:db8::" + Integer.toHexString(n) + "]:4433")
        .sign(key, timestampMicros);
  }
}
