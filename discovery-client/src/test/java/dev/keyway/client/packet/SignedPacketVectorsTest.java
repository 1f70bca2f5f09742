package dev.keyway.client.packet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.testing.PublicVectors;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/** Every signed_packets vector of public-vectors.json, byte for byte. */
class SignedPacketVectorsTest {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void pkarrJsZeroSeedParsesInBothForms() {
    JsonNode v = PublicVectors.named("signed_packets", "pkarr-js-zero-seed");
    byte[] canonical = PublicVectors.hex(v.get("computed"), "canonical_hex");
    byte[] payload = PublicVectors.hex(v, "relay_payload_hex");
    PublicKey key = PublicKey.fromZ32(v.get("public_key_z32").asText());

    SignedPacket fromCanonical = SignedPacket.fromBytes(canonical);
    SignedPacket fromPayload = SignedPacket.fromRelayPayload(key, payload);

    assertThat(fromPayload).isEqualTo(fromCanonical);
    assertThat(canonical).hasSize(v.get("computed").get("canonical_len").asInt());
    assertThat(payload).hasSize(v.get("relay_payload_len").asInt());
    SignedPacket p = fromCanonical;
    assertThat(p.publicKey().toString()).isEqualTo(v.get("public_key_hex").asText());
    assertThat(p.timestampMicros()).isEqualTo(v.get("timestamp_us").asLong());
    assertThat(HEX.formatHex(p.toBytes(), 96, 104)).isEqualTo(v.get("timestamp_hex").asText());
    assertThat(HEX.formatHex(p.signature())).isEqualTo(v.get("signature_hex").asText());
    assertThat(HEX.formatHex(p.dnsBytes())).isEqualTo(v.get("dns_hex").asText());
    assertThat(p.dnsBytes()).hasSize(v.get("dns_len").asInt());
    assertThat(HEX.formatHex(p.dnsBytes(), 0, 12)).isEqualTo(v.get("dns_header_hex").asText());
    assertThat(p.toRelayPayload()).isEqualTo(payload);
    assertThat(p.toBytes()).isEqualTo(canonical);
    assertThat(new String(Signable.of(p.timestampMicros(), p.dnsBytes(), 0, p.dnsBytes().length),
        0, v.get("signable_prefix").asText().length(), StandardCharsets.US_ASCII))
        .isEqualTo(v.get("signable_prefix").asText());
    assertRecords(p, v.get("records"));
    // Minimum TTL 0 is clamped up to the relay's minimum of 300.
    assertThat(p.ttl(300, 86_400)).isEqualTo(300);
  }

  @Test
  void pkarrJsZeroSeedResigningUncompressedDnsReproducesSignature() {
    JsonNode v = PublicVectors.named("signed_packets", "pkarr-js-zero-seed");
    SecretKey secret = SecretKey.fromBytes(PublicVectors.hex(v, "seed_hex"));
    byte[] dns = PublicVectors.hex(v, "dns_hex");

    SignedPacket p = SignedPacket.signDns(secret, v.get("timestamp_us").asLong(), dns);

    assertThat(HEX.formatHex(p.signature())).isEqualTo(v.get("signature_hex").asText());
    assertThat(HEX.formatHex(p.toRelayPayload())).isEqualTo(v.get("relay_payload_hex").asText());
  }

  @Test
  void pkarrJsZeroSeedRecordsRebuiltCompressedVerifyAndMatch() throws Exception {
    JsonNode v = PublicVectors.named("signed_packets", "pkarr-js-zero-seed");
    SecretKey secret = SecretKey.fromBytes(PublicVectors.hex(v, "seed_hex"));
    SignedPacket built = SignedPacket.builder()
        .address("@", 0, InetAddress.getByName("1.1.1.1"))
        .txt("foo", 30, "bar")
        .sign(secret, v.get("timestamp_us").asLong());

    // Our encoding compresses, the JS one did not: different bytes, same records.
    assertThat(built.dnsBytes().length).isLessThan(v.get("dns_len").asInt());
    SignedPacket reparsed = SignedPacket.fromBytes(built.toBytes());
    assertRecords(reparsed, v.get("records"));
  }

  @Test
  void irohFormatBuiltByteForByte() {
    JsonNode v = PublicVectors.named("signed_packets", "iroh-format-seed-abdaadff");
    SecretKey secret = SecretKey.fromBytes(PublicVectors.hex(v, "seed_hex"));
    assertThat(secret.publicKey().toZ32()).isEqualTo(v.get("public_key_z32").asText());
    List<String> strings = new ArrayList<>();
    v.get("txt_strings_in_order").forEach(s -> strings.add(s.asText()));
    SignedPacketBuilder builder = SignedPacket.builder();
    for (String s : strings) {
      builder.txt("_iroh", v.get("ttl").asLong(), s);
    }

    SignedPacket p = builder.sign(secret, v.get("timestamp_us").asLong());

    assertThat(HEX.formatHex(p.dnsBytes())).isEqualTo(v.get("dns_hex").asText());
    assertThat(p.dnsBytes()).hasSize(v.get("dns_len").asInt());
    assertThat(HEX.formatHex(p.signature())).isEqualTo(v.get("signature_hex").asText());
    assertThat(HEX.formatHex(p.toRelayPayload())).isEqualTo(v.get("put_body_hex").asText());
    assertThat(p.toRelayPayload()).hasSize(v.get("put_body_len").asInt());
    assertThat(HEX.formatHex(p.toBytes())).isEqualTo(v.get("canonical_hex").asText());
    assertThat(p.toBytes()).hasSize(v.get("canonical_len").asInt());
    assertThat(HEX.formatHex(p.toBytes(), 96, 104)).isEqualTo(v.get("timestamp_hex").asText());
    // C0 0C: later owner names point at the first one, at offset 12.
    assertThat(v.get("dns_compressed").asBoolean()).isTrue();
    assertThat(HEX.formatHex(p.dnsBytes())).contains("c00c0010");
  }

  @Test
  void irohFormatParsesFromPutBodyAndCanonical() {
    JsonNode v = PublicVectors.named("signed_packets", "iroh-format-seed-abdaadff");
    PublicKey key = PublicKey.parse(v.get("public_key_hex").asText());
    SignedPacket p = SignedPacket.fromRelayPayload(key, PublicVectors.hex(v, "put_body_hex"));

    assertThat(SignedPacket.fromBytes(PublicVectors.hex(v, "canonical_hex"))).isEqualTo(p);
    assertThat(v.get("put_path").asText()).endsWith("/" + p.publicKey().toZ32());
    List<Record> iroh = p.records("_iroh", Type.TXT);
    assertThat(iroh).hasSize(3);
    List<String> texts = new ArrayList<>();
    for (Record r : iroh) {
      assertThat(r.getName().toString()).isEqualTo(v.get("owner_name").asText() + ".");
      assertThat(r.getTTL()).isEqualTo(v.get("ttl").asLong());
      texts.add(((TXTRecord) r).getStrings().get(0));
    }
    List<String> expected = new ArrayList<>();
    v.get("txt_strings_in_order").forEach(s -> expected.add(s.asText()));
    assertThat(texts).isEqualTo(expected);
    assertThat(new String(Signable.of(p.timestampMicros(), p.dnsBytes(), 0, p.dnsBytes().length),
        StandardCharsets.ISO_8859_1)).startsWith(v.get("signable_prefix").asText());
  }

  @Test
  void pkarrNameNormalization() {
    JsonNode v = PublicVectors.named("signed_packets", "pkarr-name-normalization");
    String origin = v.get("origin").asText();
    String expected = v.get("normalized_name").asText();
    assertThat(PkarrNames.normalize(origin, v.get("input_name").asText())).isEqualTo(expected);
    // The rest of pkarr's normalize_names test.
    assertThat(PkarrNames.normalize(origin, ".")).isEqualTo(origin);
    assertThat(PkarrNames.normalize(origin, "@")).isEqualTo(origin);
    assertThat(PkarrNames.normalize(origin, "@.")).isEqualTo(origin);
    assertThat(PkarrNames.normalize(origin, "")).isEqualTo(origin);
    assertThat(PkarrNames.normalize(origin, origin)).isEqualTo(origin);
    assertThat(PkarrNames.normalize(origin, "_derp_region.irorh")).isEqualTo(expected);
    assertThat(PkarrNames.normalize(origin, expected)).isEqualTo(expected);
  }

  /** iroh-dns-server pkarr_publish_dns_resolve: every record is reachable by (name, type). */
  @Test
  void dnsServerResolutionPatternRecordsAreFoundByNameAndType() throws Exception {
    JsonNode v = PublicVectors.section("txt_records").get(4);
    assertThat(v.get("kind").asText()).isEqualTo("dns_server_resolution_pattern");
    SecretKey secret = SecretKey.fromBytes(new byte[32]);
    String z = secret.publicKey().toZ32();
    SignedPacketBuilder builder = SignedPacket.builder();
    for (JsonNode r : v.get("packet_records")) {
      String name = r.get("name").asText().replace("<z>", z);
      switch (r.get("type").asText()) {
        case "TXT" -> {
          List<String> strings = new ArrayList<>();
          if (r.get("data").isArray()) {
            r.get("data").forEach(d -> strings.add(d.asText()));
          } else {
            strings.add(r.get("data").asText());
          }
          builder.txt(name, 30, strings.toArray(String[]::new));
        }
        case "A", "AAAA" -> builder.address(name, 30, InetAddress.getByName(r.get("data").asText()));
        default -> throw new IllegalStateException(r.toString());
      }
    }
    SignedPacket p = SignedPacket.fromBytes(builder.sign(secret, 1).toBytes());

    for (JsonNode r : v.get("packet_records")) {
      String absolute = r.get("name").asText().replace("<z>", z);
      String relative = absolute.equals(z) ? "" : absolute.substring(0, absolute.length() - z.length() - 1);
      List<Record> found = p.records(relative, Type.value(r.get("type").asText()));
      assertThat(found).as(absolute).hasSize(1);
      Record rec = found.get(0);
      assertThat(rec.getName().toString()).isEqualTo(absolute + ".");
      if (rec instanceof TXTRecord txt) {
        String joined = String.join(",", txt.getStrings());
        assertThat(joined).isEqualTo(r.get("data").isArray()
            ? r.get("data").get(0).asText() + "," + r.get("data").get(1).asText() : r.get("data").asText());
      } else {
        assertThat(InetAddress.getByAddress(rec.rdataToWireCanonical()))
            .isEqualTo(InetAddress.getByName(r.get("data").asText()));
      }
    }
  }

  private static void assertRecords(SignedPacket p, JsonNode expected) {
    assertThat(p.records()).hasSize(expected.size());
    for (int i = 0; i < expected.size(); i++) {
      JsonNode e = expected.get(i);
      Record r = p.records().get(i);
      assertThat(r.getName().toString()).isEqualTo(e.get("name").asText() + ".");
      assertThat(Type.string(r.getType())).isEqualTo(e.get("type").asText());
      assertThat(r.getTTL()).isEqualTo(e.get("ttl").asLong());
      if (r instanceof ARecord a) {
        assertThat(a.getAddress().getHostAddress()).isEqualTo(e.get("data").asText());
      } else {
        List<String> strings = new ArrayList<>();
        e.get("data").forEach(s -> strings.add(s.asText()));
        assertThat(((TXTRecord) r).getStrings()).isEqualTo(strings);
      }
    }
  }
}
