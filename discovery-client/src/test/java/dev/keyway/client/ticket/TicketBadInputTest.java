package dev.keyway.client.ticket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.keyway.client.InvalidInputException;
import dev.keyway.client.addr.CustomAddr;
import dev.keyway.client.addr.EndpointAddr;
import dev.keyway.client.addr.TransportAddr;
import dev.keyway.client.keys.Base32;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.testing.PublicVectors;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every way a ticket can be malformed must end in a TicketFormatException with a useful message. */
class TicketBadInputTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final String VECTOR_HEX = PublicVectors.section("tickets").get(0).get("postcard_hex").asText();
  private static final String NODE_HEX = PublicVectors.section("tickets").get(1).get("postcard_hex").asText();
  private static final PublicKey ID =
      PublicKey.parse("ae58ff8833241ac82d6ff7611046ed67b5072d142c588d0063e942d9a75502b6");

  /** Ticket bytes: variant 00, the vector id, {@code count}, then what {@code body} writes. */
  private static byte[] ticket(long count, Consumer<PostcardWriter> body) {
    PostcardWriter w = new PostcardWriter().varint(0).raw(ID.toBytes()).varint(count);
    body.accept(w);
    return w.toByteArray();
  }

  private static TicketFormatException decodeError(Function<byte[], ?> decoder, byte[] bytes) {
    Throwable t = catchThrowable(() -> decoder.apply(bytes));
    assertThat(t).as("decoding %s", HEX.formatHex(bytes)).isExactlyInstanceOf(TicketFormatException.class);
    return (TicketFormatException) t;
  }

  private static List<byte[]> validEndpointTickets() {
    List<byte[]> out = new ArrayList<>();
    out.add(HEX.parseHex(VECTOR_HEX));
    RandomAddrs gen = new RandomAddrs(42);
    for (int i = 0; i < 12; i++) {
      List<TransportAddr> addrs = gen.addrs(4);
      addrs.add(new TransportAddr.Custom(CustomAddr.of(-1L, new byte[35]))); // heap form, 10-byte id
      addrs.add(new TransportAddr.Custom(CustomAddr.of(300, new byte[3]))); // inline form
      out.add(EndpointTicket.of(EndpointAddr.of(gen.key(), addrs)).toBytes());
    }
    return out;
  }

  @Test
  void everyTruncationOfAnEndpointTicketFails() {
    for (byte[] full : validEndpointTickets()) {
      EndpointTicket.fromBytes(full);
      for (int k = 0; k < full.length; k++) {
        byte[] cut = Arrays.copyOf(full, k);
        assertThat(decodeError(EndpointTicket::fromBytes, cut).getMessage()).contains("truncated while reading");
        decodeError(b -> EndpointTicket.parse("endpoint" + Base32.encode(b)), cut);
      }
    }
  }

  @Test
  void everyTruncationOfANodeTicketFails() {
    byte[] full = HEX.parseHex(NODE_HEX);
    for (int k = 0; k < full.length; k++) {
      byte[] cut = Arrays.copyOf(full, k);
      assertThat(decodeError(NodeTicket::fromBytes, cut).getMessage()).contains("truncated while reading");
    }
  }

  @Test
  void everyPrefixOfATicketStringFails() {
    for (byte[] full : validEndpointTickets().subList(0, 3)) {
      String text = "endpoint" + Base32.encode(full);
      for (int k = 0; k < text.length(); k++) {
        String cut = text.substring(0, k);
        Throwable t = catchThrowable(() -> Tickets.parse(cut));
        assertThat(t).as("parsing %s", cut).isExactlyInstanceOf(TicketFormatException.class);
      }
    }
    String node = "node" + Base32.encode(HEX.parseHex(NODE_HEX));
    for (int k = 0; k < node.length(); k++) {
      String cut = node.substring(0, k);
      assertThat(catchThrowable(() -> Tickets.parse(cut))).isExactlyInstanceOf(TicketFormatException.class);
    }
  }

  @Test
  void truncationMessageNamesFieldAndOffset() {
    byte[] full = HEX.parseHex(VECTOR_HEX);
    assertThat(decodeError(EndpointTicket::fromBytes, Arrays.copyOf(full, 0)))
        .hasMessage("truncated while reading ticket variant at byte 0");
    assertThat(decodeError(EndpointTicket::fromBytes, Arrays.copyOf(full, 10)))
        .hasMessage("truncated while reading endpoint id at byte 1");
    assertThat(decodeError(EndpointTicket::fromBytes, Arrays.copyOf(full, 33)))
        .hasMessage("truncated while reading address count at byte 33");
    assertThat(decodeError(EndpointTicket::fromBytes, Arrays.copyOf(full, 35)))
        .hasMessage("truncated while reading address count at byte 33: 2 announced, 1 byte left");
    assertThat(decodeError(EndpointTicket::fromBytes, Arrays.copyOf(full, 36)))
        .hasMessage("truncated while reading relay URL length at byte 35: 16 announced, 0 bytes left");
    assertThat(decodeError(EndpointTicket::fromBytes, Arrays.copyOf(full, 40)))
        .hasMessage("truncated while reading relay URL length at byte 35: 16 announced, 4 bytes left");
    assertThat(decodeError(EndpointTicket::fromBytes, Arrays.copyOf(full, full.length - 1)))
        .hasMessage("truncated while reading port at byte " + (full.length - 2));
  }

  @Test
  void trailingBytesAreRejected() {
    byte[] full = HEX.parseHex(VECTOR_HEX);
    assertThat(decodeError(EndpointTicket::fromBytes, Arrays.copyOf(full, full.length + 1)))
        .hasMessage("1 trailing bytes after ticket (from byte " + full.length + ")");
    byte[] garbage = Arrays.copyOf(full, full.length + 3);
    garbage[full.length] = 0x42;
    assertThat(decodeError(b -> EndpointTicket.parse("endpoint" + Base32.encode(b)), garbage))
        .hasMessageStartingWith("3 trailing bytes after ticket");
    byte[] node = HEX.parseHex(NODE_HEX);
    assertThat(decodeError(NodeTicket::fromBytes, Arrays.copyOf(node, node.length + 2)))
        .hasMessageStartingWith("2 trailing bytes after ticket");
  }

  @Test
  void unknownVariantsAreNamed() {
    byte[] v1 = HEX.parseHex(VECTOR_HEX);
    v1[0] = 1;
    assertThat(decodeError(EndpointTicket::fromBytes, v1))
        .hasMessage("unknown endpoint ticket variant 1 at byte 0 (only 0 is defined)");
    byte[] n1 = HEX.parseHex(NODE_HEX);
    n1[0] = 1;
    assertThat(decodeError(NodeTicket::fromBytes, n1)).hasMessageContaining("unknown node ticket variant 1");

    assertThat(decodeError(EndpointTicket::fromBytes, ticket(1, w -> w.varint(3).u8(0))))
        .hasMessage("unknown transport address variant 3 at byte 34 (known: 0 relay, 1 ip, 2 custom)");
    assertThat(decodeError(EndpointTicket::fromBytes, ticket(1, w -> w.varint(200).u8(0))))
        .hasMessageContaining("unknown transport address variant 200 at byte 34");
    assertThat(decodeError(EndpointTicket::fromBytes, ticket(1, w -> w.varint(1).varint(2).raw(new byte[6]))))
        .hasMessage("unknown socket address variant 2 at byte 35 (known: 0 IPv4, 1 IPv6)");
    assertThat(decodeError(EndpointTicket::fromBytes, ticket(1, w -> w.varint(2).varint(7).varint(2).u8(0))))
        .hasMessage("unknown custom address data variant 2 at byte 36 (known: 0 inline, 1 heap)");
    assertThat(decodeError(EndpointTicket::fromBytes, ticket(1, w -> w.varint(2).varint(7).varint(0).u8(31)
        .raw(new byte[30])))).hasMessage("inline custom address size 31 at byte 37 exceeds 30");
    byte[] badOption = HEX.parseHex(NODE_HEX);
    badOption[33] = 2;
    assertThat(decodeError(NodeTicket::fromBytes, badOption)).hasMessage("invalid option tag 2 for relay URL at byte 33");
  }

  @Test
  void nonCanonicalVarintsAreRejected() {
    assertThat(decodeError(EndpointTicket::fromBytes, HEX.parseHex("80" + "00" + VECTOR_HEX.substring(2))))
        .hasMessage("overlong varint for ticket variant at byte 0");
    String overlongCount = VECTOR_HEX.substring(0, 66) + "8200" + VECTOR_HEX.substring(68);
    assertThat(decodeError(EndpointTicket::fromBytes, HEX.parseHex(overlongCount)))
        .hasMessage("overlong varint for address count at byte 33");
    assertThat(decodeError(EndpointTicket::fromBytes, ticket(1, w -> w.varint(1).varint(0).raw(new byte[4])
        .raw(HEX.parseHex("ffff07"))))).hasMessage("varint for port at byte 40 overflows u16");
    assertThat(decodeError(EndpointTicket::fromBytes, ticket(1, w -> w.varint(1).varint(0).raw(new byte[4])
        .raw(HEX.parseHex("80808000"))))).hasMessage("varint for port at byte 40 is longer than 3 bytes (u16)");
    assertThat(decodeError(EndpointTicket::fromBytes, ticket(1, w -> w.varint(2)
        .raw(HEX.parseHex("ffffffffffffffffff7f")).varint(0).u8(0).raw(new byte[30]))))
        .hasMessage("varint for custom address id at byte 35 overflows u64");
  }

  @Test
  void hugeCountsFailWithoutAllocating() {
    assertThat(decodeError(EndpointTicket::fromBytes, ticket(-1L, w -> { })))
        .hasMessageStartingWith("truncated while reading address count at byte 33: 18446744073709551615 announced");
    assertThat(decodeError(EndpointTicket::fromBytes, ticket(1, w -> w.varint(0).varint(Integer.MAX_VALUE))))
        .hasMessageStartingWith("truncated while reading relay URL length at byte 35");
  }

  @Test
  void badUtf8AndBadUrlsInRelayField() {
    assertThat(decodeError(EndpointTicket::fromBytes, ticket(1, w -> w.varint(0).bytes(new byte[] {'h', (byte) 0xff}))))
        .hasMessage("invalid UTF-8 in relay URL at byte 36");
    TicketFormatException badUrl = decodeError(EndpointTicket::fromBytes,
        ticket(1, w -> w.varint(0).string("ftp://derp.me./")));
    assertThat(badUrl).hasMessageStartingWith("invalid relay URL at byte 35: invalid relay URL 'ftp://derp.me./'")
        .hasMessageContaining("unsupported scheme 'ftp'");
    assertThat(badUrl.getCause()).isInstanceOf(InvalidInputException.class);
    assertThat(decodeError(EndpointTicket::fromBytes, ticket(1, w -> w.varint(0).string(""))))
        .hasMessageContaining("missing scheme");
  }

  @Test
  void invalidEndpointIdIsRejected() {
    byte[] invalidPoint = HEX.parseHex(
        PublicVectors.section("invalid_keys").get(0).get("computed").get("decoded_hex").asText());
    byte[] bytes = HEX.parseHex(VECTOR_HEX);
    System.arraycopy(invalidPoint, 0, bytes, 1, 32);
    assertThat(decodeError(EndpointTicket::fromBytes, bytes))
        .hasMessageStartingWith("invalid endpoint id at byte 1: invalid Ed25519 public key 6482a31e");
    byte[] node = HEX.parseHex(NODE_HEX);
    System.arraycopy(new byte[32], 0, node, 1, 32); // small-order point
    assertThat(decodeError(NodeTicket::fromBytes, node)).hasMessageStartingWith("invalid node id at byte 1");
  }

  @Test
  void nonCanonicalButIrohDecodableCustomDataIsAcceptedAndCanonicalised() {
    CustomAddr expected = CustomAddr.of(7, new byte[] {1, 2});
    byte[] asHeap = ticket(1, w -> w.varint(2).varint(7).varint(1).bytes(new byte[] {1, 2}));
    byte[] padded = ticket(1, w -> w.varint(2).varint(7).varint(0).u8(2).raw(new byte[] {1, 2, 9, 9, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
    byte[] canonical = EndpointTicket.of(EndpointAddr.of(ID, new TransportAddr.Custom(expected))).toBytes();
    for (byte[] b : List.of(asHeap, padded)) {
      EndpointTicket t = EndpointTicket.fromBytes(b);
      assertThat(t.addr().customAddrs()).containsExactly(expected);
      assertThat(t.toBytes()).isEqualTo(canonical);
    }
  }

  @Test
  void prefixMustBeExactAndLowercase() {
    String text = "endpoint" + Base32.encode(HEX.parseHex(VECTOR_HEX));
    for (String bad : List.of(text.toUpperCase(), "Endpoint" + text.substring(8), " " + text, "endpointt" + text.substring(8))) {
      assertThat(catchThrowable(() -> Tickets.parse(bad))).isExactlyInstanceOf(TicketFormatException.class);
      assertThat(catchThrowable(() -> EndpointTicket.parse(bad))).isExactlyInstanceOf(TicketFormatException.class);
    }
    assertThatThrownBy(() -> EndpointTicket.parse(text.toUpperCase()))
        .hasMessage("not a 'endpoint' ticket: it must start with the lowercase prefix 'endpoint'");
    assertThatThrownBy(() -> Tickets.parse(text.toUpperCase())).hasMessageContaining("'endpoint'")
        .hasMessageContaining("'node'");
    assertThat(EndpointTicket.parse("endpoint" + text.substring(8).toUpperCase()).toString()).isEqualTo(text);
  }

  @Test
  void emptyAndForeignStrings() {
    assertThatThrownBy(() -> Tickets.parse("")).isExactlyInstanceOf(TicketFormatException.class)
        .hasMessage("empty ticket: expected a string starting with 'endpoint' (iroh 0.94 and later) or 'node'"
            + " (iroh 0.93 and earlier), prefix in lowercase");
    assertThatThrownBy(() -> Tickets.parse("blobabc")).hasMessageStartingWith("unrecognised ticket: expected");
    assertThatThrownBy(() -> EndpointTicket.parse("")).isExactlyInstanceOf(TicketFormatException.class);
    assertThatThrownBy(() -> NodeTicket.parse("")).isExactlyInstanceOf(TicketFormatException.class);
    assertThatThrownBy(() -> EndpointTicket.parse("endpoint"))
        .hasMessage("truncated while reading ticket variant at byte 0");
    String node = "node" + Base32.encode(HEX.parseHex(NODE_HEX));
    assertThatThrownBy(() -> EndpointTicket.parse(node)).isExactlyInstanceOf(TicketFormatException.class);
    assertThatThrownBy(() -> NodeTicket.parse("endpoint" + node.substring(4)))
        .isExactlyInstanceOf(TicketFormatException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"endpoint!!!!!!!!", "endpointa", "endpointaaa", "endpointmy======", "endpointmz", "endpoint é",
      "endpointacxfr74igmsbvsbnn73wcecg5vt3kbzncqwfrdiampuufwnhkublmaqacbuhi5dqhixs6zdfojyc43lffyxqcad7aaaadaai\n"})
  void badBase32IsATicketFormatException(String text) {
    assertThatThrownBy(() -> EndpointTicket.parse(text)).isExactlyInstanceOf(TicketFormatException.class);
    assertThatThrownBy(() -> Tickets.parse(text)).isExactlyInstanceOf(TicketFormatException.class);
  }

  @Test
  void badBase32MessageSaysWhere() {
    assertThatThrownBy(() -> EndpointTicket.parse("endpointaa!a"))
        .hasMessage("invalid ticket text after the 'endpoint' prefix: base32: invalid character '!' at 2");
    assertThat(new String(Base32.decode("my"), StandardCharsets.US_ASCII)).isEqualTo("f");
  }
}
