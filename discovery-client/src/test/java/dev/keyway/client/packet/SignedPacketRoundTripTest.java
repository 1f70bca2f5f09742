package dev.keyway.client.packet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.keys.SecretKey;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Record;

/** Property-style round trips over seeded random keys and record sets. */
class SignedPacketRoundTripTest {
  private static final int RUNS = 300;

  @Test
  void buildSignSerialiseParseIsIdentity() throws Exception {
    SplittableRandom random = new SplittableRandom(0x5eed);
    int tooLarge = 0;
    for (int run = 0; run < RUNS; run++) {
      SecretKey key = TestPackets.key(random);
      long ts = random.nextLong(0, Long.MAX_VALUE);
      SignedPacketBuilder builder = SignedPacket.builder();
      List<String> names = new ArrayList<>();
      int count = random.nextInt(0, 8);
      for (int i = 0; i < count; i++) {
        String name = randomName(random);
        names.add(name);
        addRandomRecord(builder, name, random);
      }
      SignedPacket p;
      try {
        p = builder.sign(key, ts);
      } catch (InvalidPacketException e) {
        assertThat(e.reason()).isEqualTo(InvalidPacketException.Reason.TOO_LARGE);
        tooLarge++;
        continue;
      }

      SignedPacket parsed = SignedPacket.fromBytes(p.toBytes());
      assertThat(parsed).isEqualTo(p);
      assertThat(parsed.toBytes()).isEqualTo(p.toBytes());
      assertThat(parsed.timestampMicros()).isEqualTo(ts);
      assertThat(parsed.publicKey()).isEqualTo(key.publicKey());
      assertThat(parsed.records()).isEqualTo(p.records()).hasSize(count);
      SignedPacket fromPayload = SignedPacket.fromRelayPayload(key.publicKey(), p.toRelayPayload());
      assertThat(fromPayload).isEqualTo(p);
      assertThat(SignedPacket.fromTrustedBytes(p.toBytes())).isEqualTo(p);
      assertThat(SignedPacket.signDns(key, ts, p.dnsBytes())).isEqualTo(p);
      int found = 0;
      for (String name : names.stream().map(n -> n.equals("@") ? "" : n).distinct().toList()) {
        List<Record> at = parsed.records(name);
        assertThat(at).isNotEmpty();
        found += at.size();
        for (Record r : at) {
          assertThat(parsed.records(name, r.getType())).contains(r);
        }
      }
      assertThat(found).isEqualTo(count);
    }
    assertThat(tooLarge).isLessThan(RUNS / 10);
  }

  private static String randomName(SplittableRandom random) {
    String[] pool = {"@", "", "_iroh", "foo", "foo.bar", "_hello.world", "a-b.c-d.e", "x"};
    return pool[random.nextInt(pool.length)];
  }

  private static void addRandomRecord(SignedPacketBuilder b, String name, SplittableRandom random)
      throws UnknownHostException {
    long ttl = random.nextLong(0, SignedPacketBuilder.MAX_TTL + 1);
    switch (random.nextInt(4)) {
      case 0 -> {
        String[] strings = new String[random.nextInt(1, 4)];
        for (int i = 0; i < strings.length; i++) {
          strings[i] = randomText(random, random.nextInt(0, 60));
        }
        b.txt(name, ttl, strings);
      }
      case 1 -> {
        byte[] v4 = new byte[4];
        random.nextBytes(v4);
        b.address(name, ttl, InetAddress.getByAddress(v4));
      }
      case 2 -> {
        byte[] v6 = new byte[16];
        random.nextBytes(v6);
        b.address(name, ttl, InetAddress.getByAddress(v6));
      }
      default -> b.cname(name, ttl, "target" + random.nextInt(100) + ".example");
    }
  }

  private static String randomText(SplittableRandom random, int length) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < length; i++) {
      sb.append((char) random.nextInt(0x20, 0x250));
    }
    String s = sb.toString();
    while (s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 255) {
      s = s.substring(1);
    }
    return s;
  }
}
