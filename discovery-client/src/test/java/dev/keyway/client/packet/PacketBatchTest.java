package dev.keyway.client.packet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.InvalidPacketException.Reason;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A batch gives every payload exactly what {@link SignedPacket#fromRelayPayload} gives it. */
class PacketBatchTest {
  private static final long TS = 1_700_000_000_000_000L;

  private record Case(PublicKey key, byte[] payload) {}

  private static List<Case> mixed(int n, long seed, boolean withBad) {
    SplittableRandom random = new SplittableRandom(seed);
    List<Case> cases = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      SecretKey secret = TestPackets.key(random);
      byte[] payload = SignedPacket.builder()
          .txt("_iroh", 30, "addr=192.0.2." + i + ":4433")
          .sign(secret, TS + i).toRelayPayload();
      PublicKey key = secret.publicKey();
      if (withBad) {
        switch (i % 5) {
          case 1 -> payload[random.nextInt(64)] ^= 1; // signature
          case 2 -> payload[64 + 7] ^= 1; // timestamp, so the signature no longer covers it
          case 3 -> { // a valid signature over DNS that does not parse
            byte[] garbage = new byte[40];
            random.nextBytes(garbage);
            payload = TestPackets.withoutKey(TestPackets.signRaw(secret, TS, garbage));
          }
          case 4 -> key = TestPackets.key(random).publicKey(); // published under another key
          default -> { }
        }
      }
      cases.add(new Case(key, payload));
    }
    return cases;
  }

  @Test
  void validPayloadsComeBackAsTheirPackets() {
    for (int n : new int[] {1, 2, 3, 4, 5, 17, 64}) {
      List<Case> cases = mixed(n, n, false);
      PacketBatch batch = new PacketBatch(new SecureRandom());
      cases.forEach(c -> batch.add(c.key(), c.payload()));
      List<PacketBatch.Result> results = batch.verify();
      assertThat(results).hasSize(n);
      for (int i = 0; i < n; i++) {
        assertThat(results.get(i).error()).isNull();
        assertThat(results.get(i).packet())
            .isEqualTo(SignedPacket.fromRelayPayload(cases.get(i).key(), cases.get(i).payload()));
      }
    }
  }

  @Test
  void eachBadPayloadGetsTheErrorItWouldGetAlone() {
    for (int n : new int[] {2, 5, 9, 40}) {
      List<Case> cases = mixed(n, 100 + n, true);
      PacketBatch batch = new PacketBatch(new SecureRandom());
      cases.forEach(c -> batch.add(c.key(), c.payload()));
      List<PacketBatch.Result> results = batch.verify();
      int bad = 0;
      for (int i = 0; i < n; i++) {
        Case c = cases.get(i);
        PacketBatch.Result r = results.get(i);
        try {
          SignedPacket alone = SignedPacket.fromRelayPayload(c.key(), c.payload());
          assertThat(r.error()).isNull();
          assertThat(r.packet()).isEqualTo(alone);
        } catch (InvalidPacketException e) {
          bad++;
          assertThat(r.packet()).isNull();
          assertThat(r.error().reason()).isEqualTo(e.reason());
          assertThat(r.error().getMessage()).isEqualTo(e.getMessage());
        }
      }
      assertThat(bad).as("bad payloads among %d", n).isEqualTo((n - 1) - (n - 1) / 5);
    }
  }

  @Test
  void aBadPayloadAmongGoodOnesFailsOnlyItself() {
    List<Case> cases = mixed(64, 5, false);
    byte[] forged = cases.get(40).payload().clone();
    forged[70] ^= 0x10; // the timestamp: the signature no longer covers it
    cases.set(40, new Case(cases.get(40).key(), forged));
    PacketBatch batch = new PacketBatch(new SecureRandom());
    cases.forEach(c -> batch.add(c.key(), c.payload()));
    List<PacketBatch.Result> results = batch.verify();
    for (int i = 0; i < 64; i++) {
      if (i == 40) {
        assertThat(results.get(i).error().reason()).isEqualTo(Reason.BAD_SIGNATURE);
      } else {
        assertThat(results.get(i).packet()).isNotNull();
      }
    }
  }

  @Test
  void sizesAreCheckedWhenAdded() {
    PublicKey key = TestPackets.key(new SplittableRandom(1)).publicKey();
    PacketBatch batch = new PacketBatch(new SecureRandom());
    assertThatThrownBy(() -> batch.add(key, new byte[71]))
        .isInstanceOfSatisfying(InvalidPacketException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.TOO_SHORT));
    assertThatThrownBy(() -> batch.add(key, new byte[1073]))
        .isInstanceOfSatisfying(InvalidPacketException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE));
    assertThat(batch.size()).isZero();
    assertThat(batch.verify()).isEmpty();
  }
}
