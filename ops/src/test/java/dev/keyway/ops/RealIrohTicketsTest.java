package dev.keyway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * keyway's endpoint tickets against iroh 1.0's own codec (n0's Node.js bindings,
 * {@code interop/iroh/tickets.js}): for the same address set both make the same ticket string,
 * and each reads the other's tickets back to the same id, relay URL and addresses (iroh orders
 * the addresses and normalises the relay URL; keyway must agree).
 */
class RealIrohTicketsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ID = "150cccdd647a78738c107c302f834f052f0e2376e2f521e9c34c0d64d40f868a";

  @BeforeAll
  static void prerequisites() {
    InteropPrerequisites.require("iroh", List.of("@number0/iroh"), false);
  }

  static Stream<Arguments> addressSets() {
    return Stream.of(
        Arguments.of(null, List.of()),
        Arguments.of("https://relay.example.org./", List.of("192.0.2.1:4433")),
        Arguments.of("https://relay.example.org", List.of(
            "[2001:db8::1]:4433", "198.51.100.7:1", "192.0.2.1:65535", "[::1]:9")),
        Arguments.of(null, List.of("[fe80::1]:7", "10.0.0.1:2", "10.0.0.1:1")),
        Arguments.of("http://127.0.0.1:3340/", List.of()));
  }

  @ParameterizedTest
  @MethodSource("addressSets")
  void bothMakeTheSameTicketAndReadEachOthers(String relay, List<String> addrs) throws Exception {
    List<String> irohArgs = new ArrayList<>(List.of("encode", ID));
    List<String> keywayArgs = new ArrayList<>(List.of("ticket", "encode", "--id", ID));
    if (relay != null) {
      irohArgs.addAll(List.of("--relay", relay));
      keywayArgs.add("--relay=" + relay);
    }
    for (String addr : addrs) {
      irohArgs.addAll(List.of("--addr", addr));
      keywayArgs.add("--addr=" + addr);
    }
    JsonNode iroh = tickets(irohArgs);
    CliTest.Run keyway = CliTest.run(keywayArgs.toArray(String[]::new));
    assertThat(keyway.code()).as(keyway.err()).isZero();
    assertThat(keyway.out().strip()).isEqualTo(iroh.get("ticket").asText());

    CliTest.Run decoded = CliTest.run("ticket", "decode", "--json", iroh.get("ticket").asText());
    assertThat(decoded.code()).as(decoded.err()).isZero();
    JsonNode ours = JSON.readTree(decoded.out());
    assertThat(ours.get("id").asText()).isEqualTo(ID);
    assertThat(strings(ours.get("addrs"))).isEqualTo(strings(iroh.get("addrs")));
    assertThat(strings(ours.get("relays")))
        .isEqualTo(iroh.get("relay").isNull() ? List.of() : List.of(iroh.get("relay").asText()));

    JsonNode theirs = tickets(List.of("decode", keyway.out().strip()));
    assertThat(theirs.get("id").asText()).isEqualTo(ID);
    assertThat(strings(theirs.get("addrs"))).isEqualTo(strings(ours.get("addrs")));
    assertThat(theirs.get("relay")).isEqualTo(iroh.get("relay"));
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static JsonNode tickets(List<String> args) throws Exception {
    List<String> command = new ArrayList<>(List.of("node", "tickets.js"));
    command.addAll(args);
    Process p = new ProcessBuilder(command).directory(InteropPrerequisites.dir("iroh").toFile())
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("tickets.js %s: %s", args, out).isZero();
    return JSON.readTree(out);
  }
}
