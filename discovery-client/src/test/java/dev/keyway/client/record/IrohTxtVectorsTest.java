package dev.keyway.client.record;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keyway.client.addr.RelayUrl;
import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.addr.TransportAddr;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.client.testing.PublicVectors;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.TXTRecord;

/** The txt_records vectors and the iroh-format signed packet, in both directions. */
class IrohTxtVectorsTest {

  /** iroh-dns endpoint_info.rs test_from_hickory_lookup, with the test's distractor records. */
  @Test
  void fromHickoryLookup() throws Exception {
    JsonNode v = PublicVectors.section("txt_records").get(0);
    Name name = Name.fromString(v.get("name").asText());
    List<Record> answers = new ArrayList<>();
    for (JsonNode s : v.get("txt")) {
      answers.add(new TXTRecord(name, DClass.IN, 30, s.asText()));
    }
    // As in the iroh test: an A record at the name, and the relay again at another endpoint's
    // name and at a bare name; answer names are not checked, so only dedup removes them.
    answers.add(2, new ARecord(name, DClass.IN, 30, InetAddress.getByName("127.0.0.1")));
    PublicKey other = PublicKey.parse("a55f26132e5e43de834d534332f66a20d480c3e50a13a312a071adea6569981e");
    String relay = "relay=https://euw1-1.relay.iroh.network./";
    answers.add(3, new TXTRecord(Name.fromString("_iroh." + other.toZ32() + ".dns.iroh.link."), DClass.IN, 30, relay));
    answers.add(4, new TXTRecord(Name.fromString("dns.iroh.link."), DClass.IN, 30, relay));

    EndpointInfo info = IrohTxt.fromDnsAnswer(name, answers);

    JsonNode expected = v.get("expected");
    assertThat(info.endpointId().toString()).isEqualTo(expected.get("endpoint_id_hex").asText());
    assertThat(info.relayUrls()).extracting(RelayUrl::toString)
        .containsExactly(texts(expected.get("relay_urls")).toArray(String[]::new));
    assertThat(info.ipAddrs()).extracting(SocketAddr::toString)
        .containsExactly(texts(expected.get("ip_addrs")).toArray(String[]::new));
    // relays first, then addresses in record order
    assertThat(info.addrs()).hasSize(3).first().isInstanceOf(TransportAddr.Relay.class);
    assertThat(info.userData()).isEmpty();
    assertThat(IrohTxt.fromDnsAnswer(v.get("name").asText(), answers)).isEqualTo(info);
  }

  @Test
  void fromHickoryLookupStringsRoundTrip() {
    JsonNode v = PublicVectors.section("txt_records").get(0);
    PublicKey id = PublicKey.parse(v.get("expected").get("endpoint_id_hex").asText());
    EndpointInfo info = IrohTxt.fromTxtStrings(id, texts(v.get("txt")));
    // Written back in publish order: relay first.
    assertThat(IrohTxt.toTxtStrings(info)).containsExactly(
        "relay=https://euw1-1.relay.iroh.network./",
        "addr=192.168.96.145:60165",
        "addr=213.208.157.87:60165");
    assertThat(IrohTxt.fromTxtStrings(id, IrohTxt.toTxtStrings(info))).isEqualTo(info);
  }

  @Test
  void irohFormatEncodesToTheVectorBytes() {
    JsonNode v = PublicVectors.named("signed_packets", "iroh-format-seed-abdaadff");
    SecretKey secret = SecretKey.fromBytes(PublicVectors.hex(v, "seed_hex"));
    EndpointInfo info = EndpointInfo.of(secret.publicKey(),
            List.of(TransportAddr.relay("https://example.com"), TransportAddr.ip("127.0.0.1:1234")),
            UserData.of("foobar"));

    assertThat(IrohTxt.toTxtStrings(info)).isEqualTo(texts(v.get("txt_strings_in_order")));
    SignedPacket p = IrohTxt.toSignedPacket(info, secret, v.get("ttl").asLong(), v.get("timestamp_us").asLong());
    assertThat(HexFormat.of().formatHex(p.toBytes())).isEqualTo(v.get("canonical_hex").asText());
    assertThat(HexFormat.of().formatHex(p.toRelayPayload())).isEqualTo(v.get("put_body_hex").asText());
  }

  @Test
  void irohFormatDecodesFromTheVectorBytes() throws Exception {
    JsonNode v = PublicVectors.named("signed_packets", "iroh-format-seed-abdaadff");
    SignedPacket p = SignedPacket.fromBytes(PublicVectors.hex(v, "canonical_hex"));

    EndpointInfo info = IrohTxt.fromSignedPacket(p);

    assertThat(info.endpointId().toZ32()).isEqualTo(v.get("public_key_z32").asText());
    assertThat(info.addrs()).extracting(TransportAddr::value)
        .containsExactly("https://example.com/", "127.0.0.1:1234");
    assertThat(info.userData()).contains(UserData.of("foobar"));
    // And over DNS, as a resolver would see the same records under an origin.
    Name query = Name.fromString(v.get("owner_name").asText() + ".dns.example.", Name.root);
    assertThat(IrohTxt.fromDnsAnswer(query, p.records())).isEqualTo(info);
  }

  @Test
  void doHJsonPatternNameParses() {
    JsonNode v = PublicVectors.section("txt_records").get(3);
    assertThat(v.get("kind").asText()).isEqualTo("doh_json_pattern");
    PublicKey key = SecretKey.fromBytes(new byte[32]).publicKey();
    String name = v.get("answer_name_pattern").asText().replace("<z32>", key.toZ32());
    EndpointInfo info = IrohTxt.fromTxtStrings(IrohTxt.endpointIdFromName(name), List.of(v.get("data").asText()));
    assertThat(info.endpointId()).isEqualTo(key);
    assertThat(info.relayUrls()).extracting(RelayUrl::toString).containsExactly("https://relay.example./");
  }

  @Test
  void relayUrlDisplayVectorsAsTxtValues() {
    PublicKey id = SecretKey.fromBytes(new byte[32]).publicKey();
    for (JsonNode v : PublicVectors.section("txt_records")) {
      if (!"relay_url_display".equals(v.path("kind").asText())) {
        continue;
      }
      String input = v.get("input").asText();
      String expected = v.has("display") ? v.get("display").asText() : input + "/";
      EndpointInfo info = IrohTxt.fromTxtStrings(id, List.of("relay=" + input));
      assertThat(IrohTxt.toTxtStrings(info)).as(input).containsExactly("relay=" + expected);
    }
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
