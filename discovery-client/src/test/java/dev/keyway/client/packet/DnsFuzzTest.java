package dev.keyway.client.packet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.testing.PublicVectors;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Mutated DNS messages either parse or fail with {@link InvalidPacketException}; dnsjava's own
 * exceptions (IOException, IllegalArgumentException, ...) never escape. Bounded and seeded.
 */
class DnsFuzzTest {
  private static final byte[] VALID =
      PublicVectors.hex(PublicVectors.named("signed_packets", "iroh-format-seed-abdaadff"), "canonical_hex");
  private static final byte[] JS_VALID =
      PublicVectors.hex(PublicVectors.named("signed_packets", "pkarr-js-zero-seed").get("computed"), "canonical_hex");

  @Test
  void mutatedMessagesFailCleanly() {
    SplittableRandom random = new SplittableRandom(99);
    int parsed = 0;
    int rejected = 0;
    for (int i = 0; i < 10_000; i++) {
      byte[] b = (i % 2 == 0 ? VALID : JS_VALID).clone();
      int flips = random.nextInt(1, 5);
      for (int f = 0; f < flips; f++) {
        int at = random.nextInt(SignedPacket.HEADER_BYTES, b.length);
        b[at] = (byte) random.nextInt(256);
      }
      try {
        SignedPacket p = SignedPacket.fromTrustedBytes(b);
        p.records("_iroh", 16);
        p.ttl(0, 100);
        parsed++;
      } catch (InvalidPacketException e) {
        assertThat(e.reason()).isEqualTo(InvalidPacketException.Reason.BAD_DNS);
        rejected++;
      }
    }
    assertThat(parsed).isPositive();
    assertThat(rejected).isPositive();
  }
}
