package dev.keyway.client.ticket;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keyway.client.addr.EndpointAddr;
import dev.keyway.client.addr.TransportAddr;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.testing.PublicVectors;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every ticket vector of public-vectors.json, byte-exact in both directions. */
class TicketVectorsTest {
  private static final HexFormat HEX = HexFormat.of();

  private static JsonNode vector(String kindPrefix) {
    return PublicVectors.section("tickets").stream()
        .filter(v -> v.get("kind").asText().startsWith(kindPrefix)).findFirst().orElseThrow();
  }

  private static EndpointAddr endpointVectorAddr(JsonNode v) {
    List<TransportAddr> addrs = new ArrayList<>();
    for (JsonNode a : v.get("addrs")) {
      addrs.add(a.has("relay") ? TransportAddr.relay(a.get("relay").asText()) : TransportAddr.ip(a.get("ip").asText()));
    }
    return EndpointAddr.of(PublicKey.parse(v.get("endpoint_id_hex").asText()), addrs);
  }

  private static EndpointAddr nodeVectorAddr(JsonNode v) {
    EndpointAddr.Builder b = EndpointAddr.builder(PublicKey.parse(v.get("node_id_hex").asText()))
        .relay(v.get("relay_url").asText());
    v.get("direct_addresses").forEach(a -> b.ip(a.asText()));
    return b.build();
  }

  @Test
  void endpointTicketVector() {
    JsonNode v = vector("endpoint");
    EndpointAddr addr = endpointVectorAddr(v);
    String postcard = v.get("postcard_hex").asText();
    String text = v.get("computed").get("ticket_string").asText();

    EndpointTicket ticket = EndpointTicket.of(addr);
    assertThat(HEX.formatHex(ticket.toBytes())).isEqualTo(postcard);
    assertThat(ticket.toString()).isEqualTo(text);

    assertThat(EndpointTicket.fromBytes(HEX.parseHex(postcard)).addr()).isEqualTo(addr);
    assertThat(EndpointTicket.parse(text)).isEqualTo(ticket);
    assertThat(EndpointTicket.parse("endpoint" + text.substring(8).toUpperCase())).isEqualTo(ticket);
    assertThat(Tickets.parse(text)).isEqualTo(addr);
    assertThat(breakdownHex(v)).isEqualTo(postcard);
  }

  @Test
  void legacyNodeTicketVector() {
    JsonNode v = vector("node");
    EndpointAddr addr = nodeVectorAddr(v);
    String postcard = v.get("postcard_hex").asText();
    String text = v.get("computed").get("ticket_string").asText();

    NodeTicket ticket = NodeTicket.of(addr);
    assertThat(HEX.formatHex(ticket.toBytes())).isEqualTo(postcard);
    assertThat(ticket.toString()).isEqualTo(text);

    assertThat(NodeTicket.fromBytes(HEX.parseHex(postcard)).addr()).isEqualTo(addr);
    assertThat(NodeTicket.parse(text)).isEqualTo(ticket);
    assertThat(Tickets.parse(text)).isEqualTo(addr);
    assertThat(breakdownHex(v)).isEqualTo(postcard);
  }

  @Test
  void bothVectorsDescribeTheSameEndpoint() {
    String endpoint = vector("endpoint").get("computed").get("ticket_string").asText();
    String node = vector("node").get("computed").get("ticket_string").asText();
    EndpointAddr addr = Tickets.parse(endpoint);
    assertThat(Tickets.parse(node)).isEqualTo(addr);
    assertThat(EndpointTicket.of(Tickets.parse(node)).toString()).isEqualTo(endpoint);
    assertThat(NodeTicket.of(addr).toString()).isEqualTo(node);
  }

  /** The hex fields at the start of each breakdown line, concatenated. */
  private static String breakdownHex(JsonNode v) {
    StringBuilder out = new StringBuilder();
    for (JsonNode line : v.get("postcard_breakdown")) {
      String text = line.asText();
      int space = text.indexOf(' ');
      out.append(space < 0 ? text : text.substring(0, space));
    }
    return out.toString();
  }
}
