package dev.keyway.client.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Base32CodecTest {

  @Test
  void rfc4648TestVectorsWithoutPadding() {
    // RFC 4648 §10, lowercased and unpadded as iroh emits them.
    String[][] cases = {{"", ""}, {"f", "my"}, {"fo", "mzxq"}, {"foo", "mzxw6"}, {"foob", "mzxw6yq"},
        {"fooba", "mzxw6ytb"}, {"foobar", "mzxw6ytboi"}};
    for (String[] c : cases) {
      assertThat(Base32.encode(c[0].getBytes())).isEqualTo(c[1]);
      assertThat(Base32.decode(c[1])).isEqualTo(c[0].getBytes());
      assertThat(Base32.decode(c[1].toUpperCase())).isEqualTo(c[0].getBytes());
    }
  }

  @Test
  void randomRoundTripsInBothAlphabets() {
    Random random = new Random(7);
    for (int i = 0; i < 2000; i++) {
      byte[] data = new byte[random.nextInt(80)];
      random.nextBytes(data);
      assertThat(Base32.decode(Base32.encode(data))).isEqualTo(data);
      assertThat(Z32.decode(Z32.encode(data))).isEqualTo(data);
      assertThat(Z32.decodeLenient(Z32.encode(data))).isEqualTo(data);
    }
  }

  @Test
  void z32IsLowercaseOnly() {
    String z = Z32.encode(new byte[] {1, 2, 3, 4, 5});
    assertThatThrownBy(() -> Z32.decode(z.toUpperCase()))
        .isInstanceOf(KeyFormatException.class).hasMessageContaining("invalid character");
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "abc", "abcdef", "mzxw6ytb=", "mzx!", "mzxw6ytboié"})
  void base32RejectsBadText(String text) {
    assertThatThrownBy(() -> Base32.decode(text)).isInstanceOf(KeyFormatException.class);
  }

  @Test
  void strictDecodingRejectsNonZeroPadBitsLenientIgnoresThem() {
    String canonical = Z32.encode(new byte[] {(byte) 0xff}); // 8 bits -> 2 chars, 2 pad bits
    char last = canonical.charAt(1);
    int value = Z32.ALPHABET.indexOf(last);
    String dirty = canonical.charAt(0) + String.valueOf(Z32.ALPHABET.charAt(value | 1));
    assertThatThrownBy(() -> Z32.decode(dirty)).hasMessageContaining("trailing bits");
    assertThat(Z32.decodeLenient(dirty)).containsExactly((byte) 0xff);
    assertThatThrownBy(() -> Base32.decode("my".replace('y', 'z'))).hasMessageContaining("trailing bits");
  }
}
