package dev.keyway.client.ticket;

import dev.keyway.client.addr.EndpointAddr;
import dev.keyway.client.addr.TransportAddr;
import dev.keyway.client.keys.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An iroh endpoint ticket ({@code iroh-tickets} 1.0, iroh &ge; 0.94): an {@link EndpointAddr} as
 * a copy-pasteable string, {@code endpoint} followed by lowercase unpadded RFC 4648 base32 of the
 * postcard bytes. Encoding is byte-identical to iroh's.
 *
 * <h2>Bytes</h2>
 * <pre>
 * 00                       ticket variant (the only one)
 * 32 bytes                 endpoint id
 * varint n                 number of addresses, then n addresses in TransportAddr order:
 *   00 varint-len URL        relay
 *   01 00 4 bytes varint     IPv4 address and port
 *   01 01 16 bytes varint    IPv6 address and port (no scope id, no flow info)
 *   02 varint-id data        custom: 00 size 30-bytes-zero-padded (size &le; 30) | 01 varint-len bytes
 * </pre>
 *
 * <h2>Decoding</h2>
 * The prefix must be exactly {@code endpoint} (lowercase); the base32 part is case-insensitive.
 * Duplicate or unsorted addresses are accepted (they form a set); {@link #toString()} is always
 * canonical. Unlike iroh (postcard ignores what follows a value), trailing bytes are an error, as
 * are non-canonical varints. IPv6 scope ids are not part of a ticket: {@link #of} drops them.
 */
public final class EndpointTicket {
  /** The kind prefix of endpoint tickets. */
  public static final String PREFIX = "endpoint";

  private final EndpointAddr addr;

  private EndpointTicket(EndpointAddr addr) {
    this.addr = addr;
  }

  /** The ticket for {@code addr}, without IPv6 scope ids (tickets cannot carry them). */
  public static EndpointTicket of(EndpointAddr addr) {
    return new EndpointTicket(withoutScopes(Objects.requireNonNull(addr, "addr")));
  }

  /**
   * Decodes a ticket string.
   *
   * @throws TicketFormatException naming what is wrong
   */
  public static EndpointTicket parse(String ticket) {
    return fromBytes(AddrWire.fromText(PREFIX, ticket));
  }

  /**
   * Decodes the postcard bytes of a ticket (the base32 payload).
   *
   * @throws TicketFormatException naming what is wrong and at which byte
   */
  public static EndpointTicket fromBytes(byte[] bytes) {
    PostcardReader r = new PostcardReader(bytes);
    long variant = r.variant("ticket variant");
    if (variant != 0) {
      throw new TicketFormatException("unknown endpoint ticket variant " + variant + " at byte 0 (only 0 is defined)");
    }
    PublicKey id = AddrWire.readId(r, "endpoint id");
    int n = r.length("address count");
    List<TransportAddr> addrs = new ArrayList<>(Math.min(n, 64));
    for (int i = 0; i < n; i++) {
      addrs.add(AddrWire.readTransportAddr(r));
    }
    AddrWire.expectEnd(r);
    return new EndpointTicket(EndpointAddr.of(id, addrs));
  }

  /** The postcard bytes (the base32 payload of {@link #toString()}). */
  public byte[] toBytes() {
    PostcardWriter w = new PostcardWriter().varint(0).raw(addr.id().toBytes()).varint(addr.addrs().size());
    for (TransportAddr a : addr.addrs()) {
      AddrWire.writeTransportAddr(w, a);
    }
    return w.toByteArray();
  }

  /** The endpoint address in this ticket. */
  public EndpointAddr addr() {
    return addr;
  }

  static EndpointAddr withoutScopes(EndpointAddr addr) {
    if (addr.ipAddrs().stream().allMatch(ip -> ip.scopeId() == 0)) {
      return addr;
    }
    List<TransportAddr> out = new ArrayList<>();
    for (TransportAddr a : addr.addrs()) {
      out.add(a instanceof TransportAddr.Ip ip ? new TransportAddr.Ip(ip.addr().withoutScope()) : a);
    }
    return EndpointAddr.of(addr.id(), out);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EndpointTicket other && addr.equals(other.addr);
  }

  @Override
  public int hashCode() {
    return addr.hashCode();
  }

  /** The ticket string: {@code endpoint} + lowercase base32. */
  @Override
  public String toString() {
    return AddrWire.toText(PREFIX, toBytes());
  }
}
