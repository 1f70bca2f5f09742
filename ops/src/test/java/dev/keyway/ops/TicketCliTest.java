package dev.keyway.ops;

import static dev.keyway.ops.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keyway.client.testing.PublicVectors;
import org.junit.jupiter.api.Test;

/** {@code keyway ticket} against the public ticket vectors. */
class TicketCliTest {
  private static final JsonNode ENDPOINT = PublicVectors.section("tickets").get(0);
  private static final JsonNode LEGACY = PublicVectors.section("tickets").get(1);

  @Test
  void decodesEndpointTicket() throws Exception {
    String ticket = ENDPOINT.get("computed").get("ticket_string").asText();
    CliTest.Run r = run("ticket", "decode", ticket, "--json");
    assertThat(r.code()).isZero();
    JsonNode j = r.json();
    assertThat(j.get("kind").asText()).isEqualTo("endpoint");
    assertThat(j.get("id").asText()).isEqualTo(ENDPOINT.get("endpoint_id_hex").asText());
    assertThat(j.get("relays").get(0).asText()).isEqualTo("http://derp.me./");
    assertThat(j.get("addrs").get(0).asText()).isEqualTo("127.0.0.1:1024");
    assertThat(run("ticket", "decode", ticket).out()).contains("relays:", "http://derp.me./", "127.0.0.1:1024");
  }

  @Test
  void decodesLegacyNodeTicketIntoTheSameAddress() throws Exception {
    String ticket = LEGACY.get("computed").get("ticket_string").asText();
    CliTest.Run r = run("ticket", "decode", ticket, "--json");
    assertThat(r.code()).isZero();
    assertThat(r.json().get("kind").asText()).startsWith("node");
    assertThat(r.json().get("addrs").get(0).asText()).isEqualTo("127.0.0.1:1024");
  }

  @Test
  void encodesByteIdenticalTickets() {
    String id = ENDPOINT.get("endpoint_id_hex").asText();
    CliTest.Run r = run("ticket", "encode", "--id", id, "--addr", "127.0.0.1:1024", "--relay", "http://derp.me.");
    assertThat(r.code()).isZero();
    assertThat(r.out().strip()).isEqualTo(ENDPOINT.get("computed").get("ticket_string").asText());
    CliTest.Run legacy = run("ticket", "encode", "--legacy", "--id", id, "--relay", "http://derp.me./",
        "--addr", "127.0.0.1:1024");
    assertThat(legacy.out().strip()).isEqualTo(LEGACY.get("computed").get("ticket_string").asText());
  }

  @Test
  void badTicketsAndAddressesAreUsageErrors() {
    CliTest.Run truncated = run("ticket", "decode", "endpointacxfr74igmsbvsbnn73wc");
    assertThat(truncated.code()).isEqualTo(2);
    assertThat(truncated.err()).contains("keyway:", "truncated");
    CliTest.Run other = run("ticket", "decode", "blobabc");
    assertThat(other.code()).isEqualTo(2);
    assertThat(other.err()).contains("'endpoint'", "'node'");
    CliTest.Run badAddr = run("ticket", "encode", "--id", ENDPOINT.get("endpoint_id_hex").asText(), "--addr", "1.2.3.4");
    assertThat(badAddr.code()).isEqualTo(2);
    assertThat(run("ticket", "encode").code()).isEqualTo(2);
    // a legacy ticket holds one relay and no custom address: a usage error, not a stack trace
    CliTest.Run twoRelays = run("ticket", "encode", "--legacy", "--id", ENDPOINT.get("endpoint_id_hex").asText(),
        "--relay", "https://a.example", "--relay", "https://b.example");
    assertThat(twoRelays.code()).isEqualTo(2);
    assertThat(twoRelays.err()).startsWith("keyway: cannot make this ticket: ").doesNotContain("\tat ");
  }

  /** --json describes what the ticket holds: no IPv6 scope id, which tickets do not carry. */
  @Test
  void theJsonDescribesTheTicketNotTheArguments() throws Exception {
    CliTest.Run r = run("ticket", "encode", "--id", ENDPOINT.get("endpoint_id_hex").asText(),
        "--addr", "[fe80::1%3]:80", "--json");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.json().get("addrs").get(0).asText()).isEqualTo("[fe80::1]:80");
  }
}
