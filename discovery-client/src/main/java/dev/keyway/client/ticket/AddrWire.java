package dev.keyway.client.ticket;

import dev.keyway.client.addr.AddrFormatException;
import dev.keyway.client.addr.CustomAddr;
import dev.keyway.client.addr.RelayUrl;
import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.addr.TransportAddr;
import dev.keyway.client.keys.Base32;
import dev.keyway.client.keys.KeyFormatException;
import dev.keyway.client.keys.PublicKey;
import java.util.Arrays;

/**
 * The postcard encodings of iroh's address types (serde derive, non-human-readable) and the
 * ticket text framing, shared by {@link EndpointTicket} and {@link NodeTicket}.
 */
final class AddrWire {
  private AddrWire() {}

  /** Ticket text: the kind prefix, then lowercase RFC 4648 base32 without padding. */
  static String toText(String prefix, byte[] bytes) {
    return prefix + Base32.encode(bytes);
  }

  /** Strips the exact (lowercase) prefix and base32-decodes the rest, in any case. */
  static byte[] fromText(String prefix, String ticket) {
    if (!ticket.startsWith(prefix)) {
      throw new TicketFormatException("not a '" + prefix + "' ticket: it must start with the lowercase prefix '"
          + prefix + "'");
    }
    try {
      return Base32.decode(ticket.substring(prefix.length()));
    } catch (KeyFormatException e) {
      throw new TicketFormatException("invalid ticket text after the '" + prefix + "' prefix: " + e.getMessage(), e);
    }
  }

  static PublicKey readId(PostcardReader r, String field) {
    int at = r.position();
    byte[] raw = r.fixed(PublicKey.LENGTH, field);
    try {
      return PublicKey.fromBytes(raw);
    } catch (KeyFormatException e) {
      throw new TicketFormatException("invalid " + field + " at byte " + at + ": " + e.getMessage(), e);
    }
  }

  static void expectEnd(PostcardReader r) {
    if (r.remaining() > 0) {
      throw new TicketFormatException(r.remaining() + " trailing bytes after ticket (from byte " + r.position() + ")");
    }
  }

  // TransportAddr: enum { Relay(RelayUrl) = 0, Ip(SocketAddr) = 1, Custom(CustomAddr) = 2 }

  static void writeTransportAddr(PostcardWriter w, TransportAddr addr) {
    if (addr instanceof TransportAddr.Relay relay) {
      w.varint(0).string(relay.url().toString());
    } else if (addr instanceof TransportAddr.Ip ip) {
      writeSocketAddr(w.varint(1), ip.addr());
    } else {
      writeCustomAddr(w.varint(2), ((TransportAddr.Custom) addr).addr());
    }
  }

  static TransportAddr readTransportAddr(PostcardReader r) {
    int at = r.position();
    long variant = r.variant("transport address variant");
    if (variant == 0) {
      return new TransportAddr.Relay(readRelayUrl(r));
    }
    if (variant == 1) {
      return new TransportAddr.Ip(readSocketAddr(r));
    }
    if (variant == 2) {
      return new TransportAddr.Custom(readCustomAddr(r));
    }
    throw new TicketFormatException("unknown transport address variant " + variant + " at byte " + at
        + " (known: 0 relay, 1 ip, 2 custom)");
  }

  // RelayUrl: its URL string.

  static RelayUrl readRelayUrl(PostcardReader r) {
    int at = r.position();
    String text = r.string("relay URL");
    try {
      return RelayUrl.parse(text);
    } catch (AddrFormatException e) {
      throw new TicketFormatException("invalid relay URL at byte " + at + ": " + e.getMessage(), e);
    }
  }

  // SocketAddr: enum { V4((Ipv4Addr, u16)) = 0, V6((Ipv6Addr, u16)) = 1 }; addresses as raw
  // octets, port as varint. Flow info and scope id are not encoded.

  static void writeSocketAddr(PostcardWriter w, SocketAddr addr) {
    w.varint(addr.isIpv4() ? 0 : 1).raw(addr.ip()).varint(addr.port());
  }

  static SocketAddr readSocketAddr(PostcardReader r) {
    int at = r.position();
    long variant = r.variant("socket address variant");
    byte[] ip;
    if (variant == 0) {
      ip = r.fixed(4, "IPv4 address");
    } else if (variant == 1) {
      ip = r.fixed(16, "IPv6 address");
    } else {
      throw new TicketFormatException("unknown socket address variant " + variant + " at byte " + at
          + " (known: 0 IPv4, 1 IPv6)");
    }
    return SocketAddr.of(ip, r.varintU16("port"));
  }

  // CustomAddr { id: u64, data: CustomAddrBytes } as released in iroh-base 0.97 to 1.0.3:
  // enum CustomAddrBytes { Inline { size: u8, data: [u8; 30] } = 0, Heap(Box<[u8]>) = 1 }.

  static void writeCustomAddr(PostcardWriter w, CustomAddr addr) {
    byte[] data = addr.data();
    w.varint(addr.id());
    if (data.length <= CustomAddr.INLINE_CAPACITY) {
      w.varint(0).u8(data.length).raw(Arrays.copyOf(data, CustomAddr.INLINE_CAPACITY));
    } else {
      w.varint(1).bytes(data);
    }
  }

  /**
   * Reads a custom address. Non-canonical forms iroh can produce or accept (short data stored as
   * Heap, non-zero inline padding) decode to the same canonical value, which re-encodes inline.
   */
  static CustomAddr readCustomAddr(PostcardReader r) {
    long id = r.varintU64("custom address id");
    int at = r.position();
    long variant = r.variant("custom address data variant");
    if (variant == 0) {
      int sizeAt = r.position();
      int size = r.u8("inline custom address size");
      byte[] inline = r.fixed(CustomAddr.INLINE_CAPACITY, "inline custom address data");
      if (size > CustomAddr.INLINE_CAPACITY) {
        throw new TicketFormatException("inline custom address size " + size + " at byte " + sizeAt
            + " exceeds " + CustomAddr.INLINE_CAPACITY);
      }
      return CustomAddr.of(id, Arrays.copyOf(inline, size));
    }
    if (variant == 1) {
      return CustomAddr.of(id, r.bytes("custom address data"));
    }
    throw new TicketFormatException("unknown custom address data variant " + variant + " at byte " + at
        + " (known: 0 inline, 1 heap)");
  }
}
