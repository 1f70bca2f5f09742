package dev.keyway.client.addr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keyway.client.testing.PublicVectors;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every custom_addrs vector of public-vectors.json, plus parsing details and ordering. */
class CustomAddrTest {

  static List<JsonNode> valid() {
    return PublicVectors.section("custom_addrs").stream().filter(v -> !v.has("expect")).toList();
  }

  static List<JsonNode> invalid() {
    return PublicVectors.section("custom_addrs").stream().filter(v -> v.has("expect")).toList();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("valid")
  void formatsAndParsesVectors(JsonNode v) {
    CustomAddr addr = CustomAddr.of(v.get("id").asLong(), PublicVectors.hex(v, "data_hex"));
    String text = v.get("string").asText();
    assertThat(addr.toString()).isEqualTo(text);
    assertThat(CustomAddr.parse(text)).isEqualTo(addr);
    assertThat(TransportAddr.parseAddrValue(text)).isEqualTo(new TransportAddr.Custom(addr));
    if (v.has("id_hex")) {
      assertThat(Long.toHexString(addr.id())).isEqualTo(v.get("id_hex").asText());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void rejectsInvalidVectors(JsonNode v) {
    String text = v.get("string").asText();
    assertThatThrownBy(() -> CustomAddr.parse(text)).isInstanceOf(AddrFormatException.class)
        .hasMessageContaining("invalid custom address '" + text + "'");
    assertThatThrownBy(() -> TransportAddr.parseAddrValue(text)).isInstanceOf(AddrFormatException.class);
  }

  @Test
  void errorMessagesNameThePart() {
    assertThatThrownBy(() -> CustomAddr.parse("abc123")).hasMessageContaining("missing '_'");
    assertThatThrownBy(() -> CustomAddr.parse("xyz_0102")).hasMessageContaining("transport id is not hex");
    assertThatThrownBy(() -> CustomAddr.parse("1_ghij")).hasMessageContaining("not lowercase hex");
    assertThatThrownBy(() -> CustomAddr.parse("1_abc")).hasMessageContaining("odd number");
    assertThatThrownBy(() -> CustomAddr.parse("_ab")).hasMessageContaining("empty transport id");
    assertThatThrownBy(() -> CustomAddr.parse("10000000000000000_ab")).hasMessageContaining("64 bits");
  }

  @Test
  void idParsingFollowsRustFromStrRadix() {
    assertThat(CustomAddr.parse("DEADBEEF_01").id()).isEqualTo(0xdeadbeefL);
    assertThat(CustomAddr.parse("+1_").id()).isEqualTo(1);
    assertThat(CustomAddr.parse("0001_").toString()).isEqualTo("1_");
    assertThat(CustomAddr.parse("ffffffffffffffff_").id()).isEqualTo(-1L);
    assertThat(CustomAddr.parse("ffffffffffffffff_").toString()).isEqualTo("ffffffffffffffff_");
    assertThat(CustomAddr.parse("1_ab_cd".replace("_cd", "")).dataLength()).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1_ab", "+_ab", "1_AB", "1_ab_cd", "1 _ab", "１_ab", "1_ａｂ"})
  void rejectsWhatRustRejects(String text) {
    assertThatThrownBy(() -> CustomAddr.parse(text)).isInstanceOf(AddrFormatException.class);
  }

  @Test
  void copiesData() {
    byte[] data = {1, 2};
    CustomAddr a = CustomAddr.of(1, data);
    data[0] = 9;
    a.data()[1] = 9;
    assertThat(a.toString()).isEqualTo("1_0102");
  }

  @Test
  void ordersAsIrohBaseDerives() {
    byte[] long31 = new byte[31];
    byte[] long31b = new byte[31];
    long31b[0] = 1;
    byte[] long32 = new byte[32];
    List<CustomAddr> sorted = new ArrayList<>(List.of(
        CustomAddr.of(-1L, new byte[0]),      // id 2^64-1 sorts last
        CustomAddr.of(1, long32),
        CustomAddr.of(1, long31b),
        CustomAddr.of(1, long31),
        CustomAddr.of(1, new byte[] {(byte) 0xff}),
        CustomAddr.of(1, new byte[] {0, 0}),  // inline: longer sorts after shorter even if bytes are smaller
        CustomAddr.of(1, new byte[] {(byte) 0x80}),
        CustomAddr.of(1, new byte[0]),
        CustomAddr.of(0, new byte[30])));
    sorted.sort(null);
    assertThat(sorted).containsExactly(
        CustomAddr.of(0, new byte[30]),
        CustomAddr.of(1, new byte[0]),
        CustomAddr.of(1, new byte[] {(byte) 0x80}),
        CustomAddr.of(1, new byte[] {(byte) 0xff}),
        CustomAddr.of(1, new byte[] {0, 0}),
        CustomAddr.of(1, long31),   // heap: lexicographic, prefix first
        CustomAddr.of(1, long32),
        CustomAddr.of(1, long31b),
        CustomAddr.of(-1L, new byte[0]));
  }
}
