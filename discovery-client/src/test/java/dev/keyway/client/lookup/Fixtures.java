package dev.keyway.client.lookup;

import dev.keyway.client.addr.TransportAddr;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.client.record.EndpointInfo;
import dev.keyway.client.record.IrohTxt;
import java.util.SplittableRandom;

/** Deterministic keys, infos and packets for client tests. */
public final class Fixtures {
  private Fixtures() {}

  public static SecretKey key(long seed) {
    byte[] b = new byte[32];
    new SplittableRandom(seed).nextBytes(b);
    return SecretKey.fromBytes(b);
  }

  public static EndpointInfo info(SecretKey key, String relay, String... ips) {
    EndpointInfo info = EndpointInfo.of(key.publicKey(), TransportAddr.relay(relay));
    for (String ip : ips) {
      info = info.withAddrs(TransportAddr.ip(ip));
    }
    return info;
  }

  public static SignedPacket packet(SecretKey key, EndpointInfo info, long ttl, long tsMicros) {
    return IrohTxt.toSignedPacket(info, key, ttl, tsMicros);
  }
}
