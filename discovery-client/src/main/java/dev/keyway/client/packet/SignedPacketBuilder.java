package dev.keyway.client.packet;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.InvalidPacketException.Reason;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Collects answer records with owner names relative to the signer's key and signs them into a
 * {@link SignedPacket}, as pkarr's {@code SignedPacketBuilder} does.
 *
 * <p>Owner names are normalised when signing, under the key's z-base-32 form {@code <z32>}:
 * {@code foo} becomes {@code foo.<z32>}; {@code @}, {@code .} and {@code ""} become
 * {@code <z32>}; one trailing dot is ignored; a name whose last label already is {@code <z32>}
 * is kept. The DNS message is written like pkarr and iroh write it (ID 0, flags 0x8000, answers
 * only, names compressed) and must not exceed 1000 bytes. Records keep the order they were
 * added in. Not thread-safe; reusable after {@link #sign}.
 *
 * <p>Encoding is dnsjava's {@code Message.toWire()}, which matches simple-dns byte for byte for
 * iroh's records. One known difference: dnsjava's compression matches names case-insensitively,
 * so {@code FOO.<z32>} written after {@code foo.<z32>} becomes a pointer and reads back as
 * {@code foo.<z32>}; simple-dns keeps the case. DNS treats both as the same name.
 */
public final class SignedPacketBuilder {
  /** Largest TTL: RFC 2181 §8 keeps the top bit clear, and dnsjava enforces it. */
  public static final long MAX_TTL = 0x7FFF_FFFFL;

  private final List<Entry> entries = new ArrayList<>();

  SignedPacketBuilder() {}

  /** Adds a TXT record with one character-string per argument, each at most 255 UTF-8 bytes. */
  public SignedPacketBuilder txt(String name, long ttl, String... strings) {
    byte[][] encoded = new byte[strings.length][];
    int size = 0;
    for (int i = 0; i < strings.length; i++) {
      encoded[i] = strings[i].getBytes(StandardCharsets.UTF_8);
      if (encoded[i].length > 255) {
        throw new IllegalArgumentException("TXT character-string is " + encoded[i].length
            + " bytes in UTF-8; at most 255 fit in one string");
      }
      size += 1 + encoded[i].length;
    }
    byte[] rdata = new byte[size];
    int pos = 0;
    for (byte[] s : encoded) {
      rdata[pos++] = (byte) s.length;
      System.arraycopy(s, 0, rdata, pos, s.length);
      pos += s.length;
    }
    return rdata(name, ttl, Type.TXT, rdata);
  }

  /** Adds an A record. */
  public SignedPacketBuilder a(String name, long ttl, Inet4Address address) {
    return rdata(name, ttl, Type.A, address.getAddress());
  }

  /** Adds an AAAA record. */
  public SignedPacketBuilder aaaa(String name, long ttl, Inet6Address address) {
    return rdata(name, ttl, Type.AAAA, address.getAddress());
  }

  /** Adds an A or AAAA record, by the address family. */
  public SignedPacketBuilder address(String name, long ttl, InetAddress address) {
    int type = address instanceof Inet4Address ? Type.A : Type.AAAA;
    return rdata(name, ttl, type, address.getAddress());
  }

  /**
   * Adds a CNAME record. The target is taken as written (a relative target is made absolute
   * under the root, not under the key), as pkarr leaves RDATA names alone.
   */
  public SignedPacketBuilder cname(String name, long ttl, String target) {
    return rdata(name, ttl, Type.CNAME, absolute(target).toWire());
  }

  /** Adds a record of any type from its uncompressed RDATA bytes. */
  public SignedPacketBuilder rdata(String name, long ttl, int type, byte[] rdata) {
    Objects.requireNonNull(name, "name");
    checkTtl(ttl);
    Record template;
    try {
      // dnsjava returns null for RDATA it cannot read and ignores bytes it does not read.
      template = Record.newRecord(Name.root, type, DClass.IN, ttl, rdata);
    } catch (RuntimeException e) {
      template = null;
    }
    if (template == null || template.rdataToWireCanonical().length != rdata.length) {
      throw new InvalidPacketException(Reason.BAD_DNS,
          rdata.length + " bytes are not the RDATA of one " + Type.string(type) + " record");
    }
    entries.add(new Entry(name, template));
    return this;
  }

  /**
   * Adds a dnsjava record; its owner name is read as text ({@code foo.} counts as {@code foo})
   * and normalised like every other name.
   */
  public SignedPacketBuilder record(Record record) {
    checkTtl(record.getTTL());
    entries.add(new Entry(record.getName().toString(), record));
    return this;
  }

  /**
   * Encodes the records and signs them with {@code secretKey} at {@code timestampMicros}.
   *
   * @throws InvalidPacketException {@link Reason#TOO_LARGE} if the DNS message would exceed 1000
   *     bytes, {@link Reason#BAD_DNS} for an owner name that is not a valid DNS name,
   *     {@link Reason#BAD_TIMESTAMP} for a negative timestamp
   */
  public SignedPacket sign(SecretKey secretKey, long timestampMicros) {
    String origin = secretKey.publicKey().toZ32();
    List<Record> records = new ArrayList<>(entries.size());
    for (Entry e : entries) {
      records.add(e.template.withName(absolute(PkarrNames.normalize(origin, e.name))));
    }
    byte[] dns = DnsMessages.encodeReply(records);
    if (dns.length > SignedPacket.MAX_DNS_BYTES) {
      throw new InvalidPacketException(Reason.TOO_LARGE,
          "DNS message of " + records.size() + " records is " + dns.length
              + " bytes when encoded; a signed packet holds at most "
              + SignedPacket.MAX_DNS_BYTES);
    }
    return SignedPacket.signDns(secretKey, timestampMicros, dns);
  }

  private static Name absolute(String text) {
    try {
      return Name.fromString(text, Name.root);
    } catch (TextParseException e) {
      throw new InvalidPacketException(Reason.BAD_DNS,
          "invalid DNS name '" + text + "': " + e.getMessage(), e);
    }
  }

  private static void checkTtl(long ttl) {
    if (ttl < 0 || ttl > MAX_TTL) {
      throw new IllegalArgumentException("TTL must be 0.." + MAX_TTL + " seconds, got " + ttl);
    }
  }

  private record Entry(String name, Record template) {}
}
