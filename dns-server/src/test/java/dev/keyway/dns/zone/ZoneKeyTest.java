package dev.keyway.dns.zone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.keys.SecretKey;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ZoneKeyTest {
  static ZoneKey label(String s) {
    byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
    return ZoneKey.fromLabel(b, 0, b.length);
  }

  @Test
  void decodesTheZ32OfEveryKeyInEitherCase() {
    SplittableRandom r = new SplittableRandom(3);
    for (int i = 0; i < 2000; i++) {
      byte[] seed = new byte[32];
      r.nextBytes(seed);
      var key = SecretKey.fromBytes(seed).publicKey();
      ZoneKey expected = ZoneKey.of(key);
      assertThat(label(key.toZ32())).isEqualTo(expected);
      assertThat(label(key.toZ32().toUpperCase(Locale.ROOT))).isEqualTo(expected);
      assertThat(label(key.toZ32()).toBytes()).isEqualTo(key.toBytes());
      assertThat(label(key.toZ32()).hashCode()).isEqualTo(expected.hashCode());
    }
  }

  @Test
  void rejectsWhatIrohRejects() {
    String z = "8u3iu714hhn6sjh4k7eq7tm9jmdq9ttihbg3fioqizgko9jfbhcy";
    assertThat(label(z)).isNotNull();
    assertThat(label(z.substring(1))).isNull(); // 51 chars
    assertThat(label(z + "y")).isNull(); // 53 chars
    assertThat(label(z.substring(0, 51) + "e")).isNull(); // 'e' = 8: non-zero pad bits
    assertThat(label(z.substring(0, 51) + "o")).isNotNull(); // 'o' = 16: one data bit, zero pad
    assertThat(label(z.substring(0, 10) + "l" + z.substring(11))).isNull(); // 'l' not in alphabet
    assertThat(label(z.substring(0, 10) + "0" + z.substring(11))).isNull();
  }
}
