package dev.keyway.client.addr;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.testing.PublicVectors;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The {@code relay=} and {@code addr=} values in the txt_records vectors, read with this package's
 * parsers. (Splitting TXT strings into attributes is the record package's job; this only checks
 * that every value iroh produced there parses to the expected address and prints back unchanged.)
 */
class TxtValueVectorsTest {

  @Test
  void hickoryLookupVectorValuesParse() {
    for (JsonNode v : PublicVectors.section("txt_records")) {
      if (!v.has("txt") || !v.has("expected")) {
        continue;
      }
      JsonNode expected = v.get("expected");
      List<TransportAddr> addrs = new ArrayList<>();
      for (JsonNode txt : v.get("txt")) {
        String s = txt.asText();
        String key = s.substring(0, s.indexOf('='));
        String value = s.substring(s.indexOf('=') + 1);
        TransportAddr addr = key.equals("relay") ? new TransportAddr.Relay(RelayUrl.parse(value))
            : TransportAddr.parseAddrValue(value);
        assertThat(addr.value()).isEqualTo(value);
        addrs.add(addr);
      }
      EndpointAddr endpoint = EndpointAddr.of(PublicKey.parse(expected.get("endpoint_id_hex").asText()), addrs);
      assertThat(endpoint.relayUrls()).extracting(RelayUrl::toString)
          .containsExactlyElementsOf(texts(expected.get("relay_urls")));
      assertThat(endpoint.ipAddrs()).extracting(SocketAddr::toString)
          .containsExactlyElementsOf(texts(expected.get("ip_addrs")));
      assertThat(endpoint.customAddrs()).isEmpty();
    }
  }

  @Test
  void dohJsonVectorRelayValueIsNormalised() {
    JsonNode v = PublicVectors.section("txt_records").stream()
        .filter(n -> "doh_json_pattern".equals(n.path("kind").asText())).findFirst().orElseThrow();
    String data = v.get("data").asText();
    assertThat(data).startsWith("relay=");
    String url = data.substring("relay=".length());
    assertThat(RelayUrl.parse(url).toString()).isEqualTo(url);
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
