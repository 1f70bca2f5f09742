package dev.keyway.gossip.net;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import com.fasterxml.jackson.dataformat.cbor.CBORParser;
import dev.keyway.client.addr.RelayUrl;
import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.addr.TransportAddr;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The peer data a node attaches to its membership messages: how to reach it. CBOR, an array of
 * {@code [kind, text]} pairs, kind 0 for an IP socket address ({@code 1.2.3.4:5}, {@code [::1]:5})
 * and 1 for a relay URL; unknown kinds and unparsable entries are skipped when reading, so newer
 * nodes may add kinds. Empty data means "no addresses".
 */
public final class PeerAddrs {
  private static final CBORFactory CBOR = new CBORFactory();
  private static final int IP = 0;
  private static final int RELAY = 1;
  /** At most this many entries are read, whatever the data holds. */
  static final int MAX_ENTRIES = 16;

  private PeerAddrs() {}

  /** Encodes the IP and relay addresses of {@code addrs} (at most {@value #MAX_ENTRIES}). */
  public static byte[] encode(List<? extends TransportAddr> addrs) {
    List<TransportAddr> kept = new ArrayList<>();
    for (TransportAddr a : addrs) {
      if ((a instanceof TransportAddr.Ip || a instanceof TransportAddr.Relay) && kept.size() < MAX_ENTRIES) {
        kept.add(a);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (CBORGenerator g = CBOR.createGenerator(out)) {
      g.writeStartArray(null, kept.size());
      for (TransportAddr a : kept) {
        g.writeStartArray(null, 2);
        g.writeNumber(a instanceof TransportAddr.Ip ? IP : RELAY);
        g.writeString(a.value());
        g.writeEndArray();
      }
      g.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Decodes peer data; anything unreadable yields what was read so far. */
  public static List<TransportAddr> decode(byte[] data) {
    List<TransportAddr> out = new ArrayList<>();
    if (data == null || data.length == 0) {
      return out;
    }
    try (CBORParser p = CBOR.createParser(data)) {
      if (p.nextToken() != JsonToken.START_ARRAY) {
        return out;
      }
      while (p.nextToken() == JsonToken.START_ARRAY && out.size() < MAX_ENTRIES) {
        if (p.nextToken() != JsonToken.VALUE_NUMBER_INT) {
          return out;
        }
        int kind = p.getIntValue();
        if (p.nextToken() != JsonToken.VALUE_STRING) {
          return out;
        }
        String text = p.getText();
        if (p.nextToken() != JsonToken.END_ARRAY) {
          return out;
        }
        try {
          if (kind == IP) {
            out.add(new TransportAddr.Ip(SocketAddr.parse(text)));
          } else if (kind == RELAY) {
            out.add(new TransportAddr.Relay(RelayUrl.parse(text)));
          }
        } catch (IllegalArgumentException e) {
          // skip this entry
        }
      }
    } catch (IOException e) {
      // return what was read
    }
    return out;
  }
}
