package dev.keyway.client.ticket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.client.addr.EndpointAddr;
import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.addr.TransportAddr;
import dev.keyway.client.keys.PublicKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Property-style round trips over seeded random keys and address sets. */
class TicketRoundTripTest {

  @Test
  void endpointTicketsRoundTripCanonicallyInIrohOrder() {
    RandomAddrs gen = new RandomAddrs(0x6b6579L);
    for (int i = 0; i < 400; i++) {
      List<TransportAddr> input = gen.addrs(gen.random().nextInt(10));
      EndpointAddr addr = EndpointAddr.of(gen.key(), input);
      EndpointTicket ticket = EndpointTicket.of(addr);
      String text = ticket.toString();

      assertThat(text).matches("endpoint[a-z2-7]+");
      EndpointTicket back = EndpointTicket.parse(text);
      assertThat(back.addr()).isEqualTo(addr);
      assertThat(back.toString()).isEqualTo(text);
      assertThat(EndpointTicket.fromBytes(ticket.toBytes())).isEqualTo(ticket);
      assertThat(Tickets.parse(text)).isEqualTo(addr);

      List<TransportAddr> expected = new ArrayList<>(new LinkedHashSet<>(input));
      expected.sort(RandomAddrs.REFERENCE);
      assertThat(List.copyOf(addr.addrs())).isEqualTo(expected);
      assertThat(wireOrder(ticket.toBytes())).isEqualTo(expected);
    }
  }

  @Test
  void naturalOrderAgreesWithReferenceOrderPairwise() {
    RandomAddrs gen = new RandomAddrs(99);
    List<TransportAddr> pool = gen.addrs(300);
    pool.addAll(gen.addrs(20)); // and some near-duplicates through equal copies:
    pool.add(pool.get(0));
    for (TransportAddr a : pool) {
      for (int j = 0; j < 40; j++) {
        TransportAddr b = pool.get(gen.random().nextInt(pool.size()));
        assertThat(Integer.signum(a.compareTo(b))).as("%s vs %s", a, b)
            .isEqualTo(Integer.signum(RandomAddrs.REFERENCE.compare(a, b)));
        assertThat(a.compareTo(b) == 0).isEqualTo(a.equals(b));
      }
    }
  }

  @Test
  void shuffledAndDuplicatedInputDecodesToTheCanonicalTicket() {
    RandomAddrs gen = new RandomAddrs(7);
    for (int i = 0; i < 100; i++) {
      PublicKey id = gen.key();
      List<TransportAddr> addrs = gen.addrs(1 + gen.random().nextInt(6));
      List<TransportAddr> wire = new ArrayList<>(addrs);
      wire.addAll(addrs.subList(0, 1 + gen.random().nextInt(addrs.size())));
      Collections.shuffle(wire, gen.random());
      PostcardWriter w = new PostcardWriter().varint(0).raw(id.toBytes()).varint(wire.size());
      wire.forEach(a -> AddrWire.writeTransportAddr(w, a));

      EndpointTicket decoded = EndpointTicket.fromBytes(w.toByteArray());
      assertThat(decoded.addr()).isEqualTo(EndpointAddr.of(id, addrs));
      assertThat(decoded.toBytes()).isEqualTo(EndpointTicket.of(EndpointAddr.of(id, addrs)).toBytes());
    }
  }

  @Test
  void legacyNodeTicketsRoundTrip() {
    RandomAddrs gen = new RandomAddrs(1234);
    for (int i = 0; i < 200; i++) {
      EndpointAddr.Builder b = EndpointAddr.builder(gen.key());
      if (gen.random().nextBoolean()) {
        b.relay(gen.relay());
      }
      for (int j = gen.random().nextInt(6); j > 0; j--) {
        b.ip(gen.random().nextBoolean() ? gen.v4() : gen.v6());
      }
      EndpointAddr addr = b.build();
      NodeTicket ticket = NodeTicket.of(addr);
      String text = ticket.toString();
      assertThat(text).matches("node[a-z2-7]+");
      assertThat(NodeTicket.parse(text).addr()).isEqualTo(addr);
      assertThat(NodeTicket.parse(text).toString()).isEqualTo(text);
      assertThat(Tickets.parse(text)).isEqualTo(addr);
      assertThat(Tickets.parse(EndpointTicket.of(addr).toString())).isEqualTo(addr);
    }
  }

  @Test
  void legacyTicketsRefuseWhatTheyCannotHold() {
    RandomAddrs gen = new RandomAddrs(5);
    PublicKey id = gen.key();
    EndpointAddr twoRelays = EndpointAddr.builder(id).relay("https://a.example").relay("https://b.example").build();
    assertThatThrownBy(() -> NodeTicket.of(twoRelays)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most one relay URL");
    EndpointAddr custom = EndpointAddr.builder(id).custom(gen.custom()).build();
    assertThatThrownBy(() -> NodeTicket.of(custom)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("custom addresses");
    assertThat(NodeTicket.parse(NodeTicket.of(EndpointAddr.of(id)).toString()).addr().isEmpty()).isTrue();
  }

  @Test
  void scopeIdsAreNotPartOfTickets() {
    RandomAddrs gen = new RandomAddrs(11);
    PublicKey id = gen.key();
    EndpointAddr scoped = EndpointAddr.builder(id).ip("[fe80::1%3]:80").ip("[fe80::1%4]:80").ip("[fe80::1]:81").build();
    EndpointTicket ticket = EndpointTicket.of(scoped);
    assertThat(ticket.addr().ipAddrs()).extracting(SocketAddr::toString).containsExactly("[fe80::1]:80", "[fe80::1]:81");
    assertThat(EndpointTicket.parse(ticket.toString())).isEqualTo(ticket);
    assertThat(NodeTicket.parse(NodeTicket.of(scoped).toString()).addr()).isEqualTo(ticket.addr());
  }

  /** The addresses in the order they appear on the wire (no set in between). */
  private static List<TransportAddr> wireOrder(byte[] bytes) {
    PostcardReader r = new PostcardReader(bytes);
    r.variant("ticket variant");
    r.fixed(32, "id");
    int n = r.length("count");
    List<TransportAddr> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(AddrWire.readTransportAddr(r));
    }
    return out;
  }
}
