package dev.keyway.client.ticket;

import dev.keyway.client.addr.EndpointAddr;
import dev.keyway.client.addr.RelayUrl;
import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.addr.TransportAddr;
import dev.keyway.client.keys.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The legacy node ticket of iroh &le; 0.93 ({@code iroh-base} {@code NodeTicket}, prefix
 * {@code node}), which iroh 1.0 no longer accepts. keyway decodes it into the same
 * {@link EndpointAddr} as an {@link EndpointTicket}, and can encode one for peers that still run
 * an old iroh.
 *
 * <h2>Bytes</h2>
 * <pre>
 * 00                 ticket variant
 * 32 bytes           node id
 * 00 | 01 string     Option&lt;relay URL&gt;
 * varint n           number of direct addresses, then n socket addresses in order:
 *   00 4 bytes varint-port | 01 16 bytes varint-port
 * </pre>
 * A node ticket holds at most one relay URL and no custom addresses. Decoding rules are those of
 * {@link EndpointTicket} (exact lowercase prefix, strict postcard, no trailing bytes).
 */
public final class NodeTicket {
  /** The kind prefix of legacy node tickets. */
  public static final String PREFIX = "node";

  private final EndpointAddr addr;

  private NodeTicket(EndpointAddr addr) {
    this.addr = addr;
  }

  /**
   * The legacy ticket for {@code addr}, without IPv6 scope ids.
   *
   * @throws IllegalArgumentException if {@code addr} has more than one relay URL or any custom
   *     address, which the legacy format cannot represent
   */
  public static NodeTicket of(EndpointAddr addr) {
    Objects.requireNonNull(addr, "addr");
    if (addr.relayUrls().size() > 1) {
      throw new IllegalArgumentException("a legacy node ticket holds at most one relay URL, got " + addr.relayUrls());
    }
    if (!addr.customAddrs().isEmpty()) {
      throw new IllegalArgumentException("a legacy node ticket cannot hold custom addresses: " + addr.customAddrs());
    }
    return new NodeTicket(EndpointTicket.withoutScopes(addr));
  }

  /**
   * Decodes a legacy ticket string.
   *
   * @throws TicketFormatException naming what is wrong
   */
  public static NodeTicket parse(String ticket) {
    return fromBytes(AddrWire.fromText(PREFIX, ticket));
  }

  /**
   * Decodes the postcard bytes of a legacy ticket.
   *
   * @throws TicketFormatException naming what is wrong and at which byte
   */
  public static NodeTicket fromBytes(byte[] bytes) {
    PostcardReader r = new PostcardReader(bytes);
    long variant = r.variant("ticket variant");
    if (variant != 0) {
      throw new TicketFormatException("unknown node ticket variant " + variant + " at byte 0 (only 0 is defined)");
    }
    PublicKey id = AddrWire.readId(r, "node id");
    List<TransportAddr> addrs = new ArrayList<>();
    if (r.option("relay URL")) {
      addrs.add(new TransportAddr.Relay(AddrWire.readRelayUrl(r)));
    }
    int n = r.length("direct address count");
    for (int i = 0; i < n; i++) {
      addrs.add(new TransportAddr.Ip(AddrWire.readSocketAddr(r)));
    }
    AddrWire.expectEnd(r);
    return new NodeTicket(EndpointAddr.of(id, addrs));
  }

  /** The postcard bytes (the base32 payload of {@link #toString()}). */
  public byte[] toBytes() {
    List<RelayUrl> relays = addr.relayUrls();
    PostcardWriter w = new PostcardWriter().varint(0).raw(addr.id().toBytes()).option(!relays.isEmpty());
    if (!relays.isEmpty()) {
      w.string(relays.get(0).toString());
    }
    TreeSet<SocketAddr> direct = new TreeSet<>(addr.ipAddrs());
    w.varint(direct.size());
    for (SocketAddr ip : direct) {
      AddrWire.writeSocketAddr(w, ip);
    }
    return w.toByteArray();
  }

  /** The address in this ticket (at most one relay URL, only IP addresses besides). */
  public EndpointAddr addr() {
    return addr;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NodeTicket other && addr.equals(other.addr);
  }

  @Override
  public int hashCode() {
    return addr.hashCode();
  }

  /** The ticket string: {@code node} + lowercase base32. */
  @Override
  public String toString() {
    return AddrWire.toText(PREFIX, toBytes());
  }
}
