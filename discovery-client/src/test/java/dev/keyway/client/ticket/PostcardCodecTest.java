package dev.keyway.client.ticket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PostcardCodecTest {
  private static final HexFormat HEX = HexFormat.of();

  private static PostcardReader reader(String hex) {
    return new PostcardReader(HEX.parseHex(hex));
  }

  @ParameterizedTest
  @CsvSource({
      "0, 00", "1, 01", "127, 7f", "128, 8001", "300, ac02", "1024, 8008", "65535, ffff03",
      "4294967295, ffffffff0f", "-1, ffffffffffffffffff01", "-9223372036854775808, 80808080808080808001"})
  void varintsAreLeb128(long value, String hex) {
    assertThat(HEX.formatHex(new PostcardWriter().varint(value).toByteArray())).isEqualTo(hex);
    PostcardReader r = reader(hex);
    assertThat(r.varintU64("value")).isEqualTo(value);
    assertThat(r.remaining()).isZero();
    if (Long.compareUnsigned(value, 0xFFFF_FFFFL) <= 0) {
      assertThat(reader(hex).varintU32("value")).isEqualTo(value);
    }
    if (Long.compareUnsigned(value, 0xFFFF) <= 0) {
      assertThat(reader(hex).varintU16("value")).isEqualTo((int) value);
    }
  }

  @Test
  void rejectsOverflowingVarints() {
    assertThatThrownBy(() -> reader("ffff07").varintU16("port"))
        .isInstanceOf(TicketFormatException.class).hasMessage("varint for port at byte 0 overflows u16");
    assertThatThrownBy(() -> reader("808004").varintU16("port")).hasMessageContaining("overflows u16");
    assertThatThrownBy(() -> reader("ffffffff1f").varintU32("x")).hasMessageContaining("overflows u32");
    assertThatThrownBy(() -> reader("ffffffffffffffffff02").varintU64("x")).hasMessageContaining("overflows u64");
    assertThatThrownBy(() -> reader("ffffffff8f01").varintU32("x")).hasMessageContaining("longer than 5 bytes");
    assertThatThrownBy(() -> reader("8080808080808080808001").varintU64("x"))
        .hasMessageContaining("longer than 10 bytes");
  }

  @Test
  void rejectsOverlongVarints() {
    assertThatThrownBy(() -> reader("8000").varintU64("address count"))
        .isInstanceOf(TicketFormatException.class).hasMessage("overlong varint for address count at byte 0");
    assertThatThrownBy(() -> reader("818000").varintU32("x")).hasMessageContaining("overlong");
    assertThat(reader("8101").varintU32("x")).isEqualTo(129);
  }

  @Test
  void truncationNamesFieldAndOffset() {
    PostcardReader r = reader("0102");
    r.u8("a");
    r.u8("b");
    assertThatThrownBy(() -> r.varintU32("relay URL length"))
        .isInstanceOf(TicketFormatException.class).hasMessage("truncated while reading relay URL length at byte 2");
    assertThatThrownBy(() -> reader("80").varintU16("port")).hasMessage("truncated while reading port at byte 0");
    assertThatThrownBy(() -> reader("00aa").fixed(32, "endpoint id"))
        .hasMessage("truncated while reading endpoint id at byte 0");
    assertThatThrownBy(() -> reader("0561").string("relay URL"))
        .hasMessage("truncated while reading relay URL length at byte 0: 5 announced, 1 byte left");
    assertThatThrownBy(() -> reader("ffffffffffffffffff01").length("address count"))
        .hasMessageContaining("truncated while reading address count at byte 0: 18446744073709551615 announced");
  }

  @Test
  void stringsAreUtf8Validated() {
    assertThat(new PostcardReader(new PostcardWriter().string("héllo").toByteArray()).string("s")).isEqualTo("héllo");
    for (String bad : new String[] {"01ff", "02c328", "03eda080", "02c0af", "04f8888080"}) {
      assertThatThrownBy(() -> reader(bad).string("relay URL"))
          .isInstanceOf(TicketFormatException.class).hasMessage("invalid UTF-8 in relay URL at byte 1");
    }
  }

  @Test
  void optionTags() {
    assertThat(reader("00").option("relay URL")).isFalse();
    assertThat(reader("01").option("relay URL")).isTrue();
    assertThatThrownBy(() -> reader("02").option("relay URL"))
        .isInstanceOf(TicketFormatException.class).hasMessage("invalid option tag 2 for relay URL at byte 0");
  }

  @Test
  void writerEncodesRawBytesAndStrings() {
    byte[] out = new PostcardWriter().u8(0xff).option(true).raw(new byte[] {1, 2}).bytes(new byte[] {3})
        .string("ab").toByteArray();
    assertThat(HEX.formatHex(out)).isEqualTo("ff01010201030261" + "62");
    assertThatThrownBy(() -> new PostcardWriter().u8(256)).isInstanceOf(IllegalArgumentException.class);
  }
}
