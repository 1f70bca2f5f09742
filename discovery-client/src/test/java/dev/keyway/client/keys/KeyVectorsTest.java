package dev.keyway.client.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keyway.client.testing.PublicVectors;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every key and z-base-32 vector of public-vectors.json. */
class KeyVectorsTest {
  private static final HexFormat HEX = HexFormat.of();

  static List<JsonNode> seeds() {
    return PublicVectors.section("keys").stream().filter(k -> k.has("seed_hex")).toList();
  }

  static List<JsonNode> z32() {
    return PublicVectors.section("z32");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("seeds")
  void seedDerivesPublicKey(JsonNode v) {
    SecretKey secret = SecretKey.fromBytes(PublicVectors.hex(v, "seed_hex"));
    PublicKey pub = secret.publicKey();
    assertThat(pub.toString()).isEqualTo(v.get("public_key_hex").asText());
    assertThat(pub.toZ32()).isEqualTo(v.get("public_key_z32").asText());
    assertThat(PublicKey.fromZ32(pub.toZ32())).isEqualTo(pub);
    if (v.has("public_key_decimal")) {
      byte[] expected = new byte[32];
      for (int i = 0; i < 32; i++) {
        expected[i] = (byte) v.get("public_key_decimal").get(i).asInt();
      }
      assertThat(pub.toBytes()).isEqualTo(expected);
    }
    if (v.has("seed_base32")) {
      assertThat(SecretKey.parse(v.get("seed_base32").asText())).isEqualTo(secret);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("z32")
  void z32EncodesAndDecodes(JsonNode v) {
    byte[] bytes = PublicVectors.hex(v, "bytes_hex");
    String z32 = v.has("z32") ? v.get("z32").asText() : v.get("computed").get("z32").asText();
    assertThat(Z32.encode(bytes)).isEqualTo(z32);
    assertThat(Z32.decode(z32)).isEqualTo(bytes);
    assertThat(PublicKey.fromZ32(z32).toBytes()).isEqualTo(bytes);
    if (v.has("uri")) {
      assertThat(PublicKey.parsePkarr(v.get("uri").asText()).toZ32()).isEqualTo(z32);
    }
  }

  @Test
  void base32SeedParsesAsBothPublicAndSecretKey() {
    JsonNode v = PublicVectors.named("keys", "base32-52-char-parse");
    String input = v.get("input").asText();
    byte[] expected = PublicVectors.hex(v.get("computed"), "decoded_hex");
    assertThat(PublicKey.parse(input).toBytes()).isEqualTo(expected);
    assertThat(SecretKey.parse(input).toBytes()).isEqualTo(expected);
    assertThat(PublicKey.parse(input.toUpperCase())).isEqualTo(PublicKey.parse(input));
  }

  @Test
  void endpointIdForms() {
    JsonNode v = PublicVectors.named("keys", "endpoint-id-ae58-forms");
    PublicKey key = PublicKey.parse(v.get("public_key_hex").asText());
    JsonNode c = v.get("computed");
    assertThat(key.toString()).isEqualTo(v.get("public_key_hex").asText());
    assertThat(key.toZ32()).isEqualTo(c.get("z32").asText());
    assertThat(key.toBase32()).isEqualTo(c.get("base32_lowercase_no_padding").asText());
    assertThat(key.fmtShort()).isEqualTo(c.get("fmt_short").asText());
    assertThat(PublicKey.parse(key.toBase32())).isEqualTo(key);
    // the z32 form is not read by parse, and the error says where to go
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> PublicKey.parse(key.toZ32()))
        .isInstanceOf(KeyFormatException.class).hasMessageContaining("fromZ32");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> PublicKey.parse("not a key"))
        .isInstanceOf(KeyFormatException.class).message().doesNotContain("fromZ32");
    // postcard encoding of a PublicKey is the raw 32 bytes
    assertThat(HEX.formatHex(key.toBytes())).isEqualTo(v.get("postcard_hex").asText());
  }

  @Test
  void invalidKeyIsRejectedStrictAndLenient() {
    JsonNode v = PublicVectors.section("invalid_keys").get(0);
    String z32 = v.get("z32").asText();
    byte[] decoded = PublicVectors.hex(v.get("computed"), "decoded_hex");
    // iroh's decoder refuses the non-zero pad bits ...
    assertThatThrownBy(() -> PublicKey.fromZ32(z32)).isInstanceOf(KeyFormatException.class)
        .hasMessageContaining("trailing bits");
    // ... pkarr's ignores them and fails at point validation.
    assertThat(Z32.decodeLenient(z32)).isEqualTo(decoded);
    assertThatThrownBy(() -> PublicKey.parsePkarr(z32)).isInstanceOf(KeyFormatException.class)
        .hasMessageContaining("not a canonical curve point");
    assertThatThrownBy(() -> PublicKey.fromBytes(decoded)).isInstanceOf(KeyFormatException.class);
  }

  @Test
  void pkarrNameNormalisationVectorKeyParsesFromUrls() {
    JsonNode v = PublicVectors.named("signed_packets", "pkarr-name-normalization");
    String origin = v.get("origin").asText();
    PublicKey key = PublicKey.parsePkarr(origin);
    assertThat(PublicKey.parsePkarr("pk:" + origin)).isEqualTo(key);
    assertThat(PublicKey.parsePkarr("https://" + origin)).isEqualTo(key);
    assertThat(PublicKey.parsePkarr("https://foo.bar." + origin + "/some/path")).isEqualTo(key);
  }
}
