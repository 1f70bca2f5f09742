package dev.keyway.ops;

import static dev.keyway.ops.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keyway.client.keys.KeyFiles;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.testing.PublicVectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code keyway packet} against the public signed-packet vectors. */
class PacketCliTest {
  private static final JsonNode JS = PublicVectors.named("signed_packets", "pkarr-js-zero-seed");
  private static final JsonNode IROH = PublicVectors.named("signed_packets", "iroh-format-seed-abdaadff");

  @Test
  void decodesCanonicalAndRelayPayloadForms() throws Exception {
    CliTest.Run canonical = run("packet", "decode", JS.get("computed").get("canonical_hex").asText(), "--json");
    assertThat(canonical.code()).as(canonical.err()).isZero();
    JsonNode j = canonical.json();
    assertThat(j.get("z32").asText()).isEqualTo(JS.get("public_key_z32").asText());
    assertThat(j.get("timestamp").asLong()).isEqualTo(JS.get("timestamp_us").asLong());
    assertThat(j.get("records")).hasSize(2);
    assertThat(j.get("records").get(1).asText()).contains("foo." + JS.get("public_key_z32").asText(), "TXT", "\"bar\"");

    CliTest.Run payload = run("packet", "decode", IROH.get("put_body_hex").asText(),
        "--key", IROH.get("public_key_z32").asText(), "--json");
    assertThat(payload.code()).as(payload.err()).isZero();
    JsonNode p = payload.json();
    assertThat(p.get("relays").get(0).asText()).isEqualTo("https://example.com/");
    assertThat(p.get("addrs").get(0).asText()).isEqualTo("127.0.0.1:1234");
    assertThat(p.get("user_data").asText()).isEqualTo("foobar");
  }

  @Test
  void decodesFromFileRawOrHex(@TempDir Path dir) throws Exception {
    Path raw = dir.resolve("packet.bin");
    Files.write(raw, PublicVectors.hex(JS.get("computed"), "canonical_hex"));
    assertThat(run("packet", "decode", "@" + raw).code()).isZero();
    Path hex = dir.resolve("packet.hex");
    Files.writeString(hex, JS.get("computed").get("canonical_hex").asText() + "\n");
    assertThat(run("packet", "decode", "@" + hex).out()).contains("1.1.1.1");
  }

  @Test
  void signReproducesTheIrohVectorByteForByte(@TempDir Path dir) throws Exception {
    Path key = dir.resolve("node.key");
    KeyFiles.write(key, SecretKey.fromBytes(PublicVectors.hex(IROH, "seed_hex")));
    CliTest.Run signed = run("packet", "sign", "--secret", key.toString(),
        "--ts", IROH.get("timestamp_us").asText(),
        "--txt", "_iroh=relay=https://example.com/",
        "--txt", "_iroh=addr=127.0.0.1:1234",
        "--txt", "_iroh=user-data=foobar");
    assertThat(signed.code()).as(signed.err()).isZero();
    assertThat(signed.out().strip()).isEqualTo(IROH.get("put_body_hex").asText());
    CliTest.Run canonical = run("packet", "sign", "--secret", key.toString(), "--canonical", "--json",
        "--ts", IROH.get("timestamp_us").asText(),
        "--txt", "_iroh=relay=https://example.com/", "--txt", "_iroh=addr=127.0.0.1:1234",
        "--txt", "_iroh=user-data=foobar");
    assertThat(canonical.json().get("canonical").asText()).isEqualTo(IROH.get("canonical_hex").asText());
    assertThat(canonical.json().get("put_path").asText()).isEqualTo("/" + IROH.get("public_key_z32").asText());
  }

  @Test
  void tamperedOrMalformedPacketsAreUsageErrorsWithReason() {
    byte[] bytes = PublicVectors.hex(JS.get("computed"), "canonical_hex");
    bytes[40] ^= 1;
    CliTest.Run tampered = run("packet", "decode", HexFormat.of().formatHex(bytes));
    assertThat(tampered.code()).isEqualTo(2);
    assertThat(tampered.err()).containsIgnoringCase("signature");
    CliTest.Run notHex = run("packet", "decode", "xyz");
    assertThat(notHex.code()).isEqualTo(2);
    assertThat(notHex.err()).contains("not hex");
    CliTest.Run wrongKey = run("packet", "decode", IROH.get("put_body_hex").asText(),
        "--key", JS.get("public_key_z32").asText());
    assertThat(wrongKey.code()).isEqualTo(2);
    CliTest.Run short_ = run("packet", "decode", "00ff");
    assertThat(short_.code()).isEqualTo(2);
    assertThat(run("packet", "sign", "--txt", "a=b").code()).isEqualTo(2);
  }

  /** Records the packet format cannot hold are usage errors, not stack traces (found by a review). */
  @Test
  void unsignableRecordsAreUsageErrors(@TempDir Path dir) throws Exception {
    Path key = dir.resolve("node.key");
    KeyFiles.write(key, SecretKey.fromBytes(PublicVectors.hex(IROH, "seed_hex")));
    CliTest.Run longString = run("packet", "sign", "--secret", key.toString(), "--txt", "_iroh=user-data=" + "x".repeat(300));
    assertThat(longString.code()).isEqualTo(2);
    assertThat(longString.err()).startsWith("keyway: --txt '_iroh=user-data=").doesNotContain("\tat ");
    CliTest.Run negativeTtl = run("packet", "sign", "--secret", key.toString(), "--ttl", "-5", "--txt", "_iroh=addr=1.2.3.4:5");
    assertThat(negativeTtl.code()).isEqualTo(2);
    assertThat(negativeTtl.err()).contains("keyway:").doesNotContain("\tat ");
  }
}
