package dev.keyway.client.record;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.addr.CustomAddr;
import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.addr.TransportAddr;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.SignedPacket;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Property-style: random EndpointInfo -> TXT -> EndpointInfo, directly and through a packet. */
class IrohTxtRoundTripTest {

  @Test
  void randomInfosSurviveTxtAndSignedPackets() {
    SplittableRandom random = new SplittableRandom(0x1704);
    for (int run = 0; run < 300; run++) {
      byte[] seed = new byte[32];
      random.nextBytes(seed);
      SecretKey secret = SecretKey.fromBytes(seed);
      List<TransportAddr> addrs = new ArrayList<>();
      int n = random.nextInt(0, 7);
      for (int i = 0; i < n; i++) {
        addrs.add(randomAddr(random));
      }
      UserData userData = random.nextBoolean() ? UserData.of(randomText(random)) : null;
      EndpointInfo info = EndpointInfo.of(secret.publicKey(), addrs, userData);
      // Reading puts relays first, keeping the order within each group.
      List<TransportAddr> expectedOrder = new ArrayList<>();
      info.addrs().stream().filter(a -> a instanceof TransportAddr.Relay).forEach(expectedOrder::add);
      info.addrs().stream().filter(a -> !(a instanceof TransportAddr.Relay)).forEach(expectedOrder::add);
      EndpointInfo expected = EndpointInfo.of(info.endpointId(), expectedOrder, userData);

      assertThat(IrohTxt.fromTxtStrings(info.endpointId(), IrohTxt.toTxtStrings(info))).isEqualTo(expected);
      SignedPacket p = IrohTxt.toSignedPacket(info, secret, random.nextLong(0, 86_400), random.nextLong(0, Long.MAX_VALUE));
      SignedPacket reparsed = SignedPacket.fromRelayPayload(secret.publicKey(), p.toRelayPayload());
      assertThat(IrohTxt.fromSignedPacket(reparsed)).isEqualTo(expected);
      assertThat(IrohTxt.fromDnsAnswer("_iroh." + secret.publicKey().toZ32() + ".example.", reparsed.records()))
          .isEqualTo(expected);
    }
  }

  private static TransportAddr randomAddr(SplittableRandom random) {
    switch (random.nextInt(4)) {
      case 0:
        return TransportAddr.relay("https://relay" + random.nextInt(5) + ".example" + (random.nextBoolean() ? "." : "")
            + (random.nextBoolean() ? ":" + random.nextInt(1, 65536) : "") + "/");
      case 1: {
        byte[] v4 = new byte[4];
        random.nextBytes(v4);
        return new TransportAddr.Ip(SocketAddr.of(v4, random.nextInt(0, 65536)));
      }
      case 2: {
        byte[] v6 = new byte[16];
        random.nextBytes(v6);
        return new TransportAddr.Ip(SocketAddr.of(v6, random.nextInt(0, 65536)));
      }
      default: {
        byte[] data = new byte[random.nextInt(0, 40)];
        random.nextBytes(data);
        return new TransportAddr.Custom(CustomAddr.of(random.nextLong(), data));
      }
    }
  }

  /** Random UTF-8 text of at most 245 bytes, without '=' (iroh cuts values at a second '='). */
  private static String randomText(SplittableRandom random) {
    StringBuilder sb = new StringBuilder();
    int target = random.nextInt(0, 80);
    for (int i = 0; i < target; i++) {
      int cp = random.nextInt(0x20, 0x2000);
      if (cp != '=' && !Character.isSurrogate((char) cp)) {
        sb.appendCodePoint(cp);
      }
    }
    String s = sb.toString();
    while (s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > UserData.MAX_LENGTH) {
      s = s.substring(0, s.length() - 1);
    }
    return s;
  }
}
