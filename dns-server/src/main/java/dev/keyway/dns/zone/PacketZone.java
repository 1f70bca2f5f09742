package dev.keyway.dns.zone;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.packet.SignedPacket;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The records of one signed packet in the form the answer path serves them: grouped by owner name
 * relative to the key and by type, each RRset already encoded as answer-section wire bytes whose
 * owner is a compression pointer to the question name ({@code C0 0C}). Answering a query is then a
 * name compare, a type compare and one array copy: no parse, no {@code Record} objects, no strings.
 *
 * <h2>What is served (iroh-dns-server's rules, plus RFC behaviour iroh lacks)</h2>
 * <ul>
 *   <li>Only records whose owner is the key or under it; others in the packet are ignored.
 *   <li>SOA and NS records in a packet are ignored: a publisher cannot claim zone apex data or
 *       delegate (iroh does the same).
 *   <li>Only class IN, and only data types: meta types a packet may carry (OPT, TSIG, TKEY)
 *       would make the answer malformed. TTLs are the packet's; an RRset whose records differ
 *       is served with the smallest for all (RFC 2181 §5.2), and a TTL above 2^31 - 1 counts as
 *       zero (RFC 2181 §8). Identical records in an RRset are served once.
 *   <li>Ancestors of published names that have no records themselves (empty non-terminals, e.g.
 *       {@code world.<z32>} when {@code _hello.world.<z32>} exists, or the key apex when only
 *       {@code _iroh.<z32>} exists) exist with no data, so they answer NODATA, not NXDOMAIN
 *       (RFC 8020).
 * </ul>
 *
 * <h2>Layout</h2>
 * Everything lives in one byte array, so a query touches one object and a few adjacent cache
 * lines instead of chasing a tree of small objects (100,000 zones do not fit in a CPU cache; each
 * pointer hop is a likely miss). Nodes follow one another:
 * <pre>
 * node:  nameLen(1) name(nameLen, lowercase wire labels before the key label) setCount(1) set*
 * set:   type(2) count(2) minTtl(4) wireLen(2) wire(wireLen)
 * </pre>
 * Nodes and sets are addressed by their offset in that array ({@code int}, -1 = none), so the
 * accessors allocate nothing.
 *
 * <p>Built once per packet (the zone cache holds it); immutable and thread-safe.
 */
public final class PacketZone {
  private static final byte[] POINTER_TO_QNAME = {(byte) 0xC0, 0x0C};
  private static final int SET_HEADER = 10;

  private final PublicKey key;
  private final long timestampMicros;
  private final byte[] blob;
  /**
   * Until when the zone cache trusts this zone (ticker nanoseconds). Set by the cache before it
   * publishes the zone (a concurrent map put, which orders it before every reader's get); kept
   * here rather than in a wrapper so a cache hit is one object fewer to fetch.
   */
  long expiresAt = Long.MAX_VALUE;

  private PacketZone(PublicKey key, long timestampMicros, byte[] blob) {
    this.key = key;
    this.timestampMicros = timestampMicros;
    this.blob = blob;
  }

  /** Indexes and encodes a packet's answer records. */
  public static PacketZone of(SignedPacket packet) {
    String keyLabel = packet.publicKey().toZ32();
    Map<String, Map<Integer, RRsetBuilder>> byName = new LinkedHashMap<>();
    for (Record r : packet.records()) {
      if (r.getDClass() != DClass.IN || r.getType() == Type.SOA || r.getType() == Type.NS
          || !Type.isRR(r.getType())) {
        continue;
      }
      String rel = relativeWireKey(r.getName(), keyLabel);
      if (rel == null) {
        continue;
      }
      byName.computeIfAbsent(rel, k -> new LinkedHashMap<>())
          .computeIfAbsent(r.getType(), RRsetBuilder::new)
          .add(r);
    }
    // Empty non-terminals: every label-aligned proper suffix of a name (the key apex included,
    // which is the empty suffix) that has no records of its own.
    if (!byName.isEmpty()) {
      for (String name : new ArrayList<>(byName.keySet())) {
        int pos = 0;
        while (pos < name.length()) {
          pos += 1 + name.charAt(pos);
          byName.putIfAbsent(name.substring(pos), Map.of());
        }
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Map.Entry<String, Map<Integer, RRsetBuilder>> e : byName.entrySet()) {
      byte[] name = e.getKey().getBytes(StandardCharsets.ISO_8859_1);
      out.write(name.length);
      out.writeBytes(name);
      out.write(e.getValue().size());
      for (RRsetBuilder set : e.getValue().values()) {
        set.writeTo(out);
      }
    }
    // Compact: a zone cache holds one per published key, and the point is never needed here.
    return new PacketZone(packet.publicKey().compact(), packet.timestampMicros(), out.toByteArray());
  }

  /** The key that signed the packet. */
  public PublicKey key() {
    return key;
  }

  /** The signed timestamp of the packet this zone was built from. */
  public long timestampMicros() {
    return timestampMicros;
  }

  /**
   * The node whose name relative to the key is {@code buf[off..off+len)}: the wire labels before
   * the key label, compared ASCII case-insensitively ({@code len == 0} is the key apex). Returns
   * its offset, or -1 if the name does not exist in this zone.
   */
  public int find(byte[] buf, int off, int len) {
    byte[] b = blob;
    int p = 0;
    while (p < b.length) {
      int nameLen = b[p] & 0xff;
      if (nameLen == len && equalsIgnoreCase(b, p + 1, buf, off, len)) {
        return p;
      }
      p = skipNode(p);
    }
    return -1;
  }

  /** The RRset of {@code type} at {@code node}, as an offset, or -1. */
  public int set(int node, int type) {
    byte[] b = blob;
    int sets = b[node + 1 + (b[node] & 0xff)] & 0xff;
    int p = node + 2 + (b[node] & 0xff);
    for (int i = 0; i < sets; i++) {
      if (u16(p) == type) {
        return p;
      }
      p += SET_HEADER + u16(p + 8);
    }
    return -1;
  }

  /** The first RRset at {@code node} in packet order (the minimal answer to ANY), or -1. */
  public int firstSet(int node) {
    int sets = blob[node + 1 + (blob[node] & 0xff)] & 0xff;
    return sets == 0 ? -1 : node + 2 + (blob[node] & 0xff);
  }

  /** Number of records in the RRset at {@code set}. */
  public int setCount(int set) {
    return u16(set + 2);
  }

  /** Smallest TTL of the RRset at {@code set}, seconds. */
  public long setMinTtl(int set) {
    return ((long) u16(set + 4) << 16) | u16(set + 6);
  }

  /** Encoded length in bytes of the RRset at {@code set}. */
  public int setLength(int set) {
    return u16(set + 8);
  }

  /** Copies the encoded RRset at {@code set} into {@code dst} at {@code off}; the new offset. */
  public int copySet(int set, byte[] dst, int off) {
    int len = u16(set + 8);
    System.arraycopy(blob, set + SET_HEADER, dst, off, len);
    return off + len;
  }

  /** Number of names (with records or empty non-terminals). */
  public int size() {
    int n = 0;
    for (int p = 0; p < blob.length; p = skipNode(p)) {
      n++;
    }
    return n;
  }

  /** Bytes held (the whole encoded zone). */
  public int bytes() {
    return blob.length;
  }

  private int skipNode(int p) {
    int q = p + 1 + (blob[p] & 0xff);
    int sets = blob[q] & 0xff;
    q++;
    for (int i = 0; i < sets; i++) {
      q += SET_HEADER + u16(q + 8);
    }
    return q;
  }

  private int u16(int p) {
    return ((blob[p] & 0xff) << 8) | (blob[p + 1] & 0xff);
  }

  private static boolean equalsIgnoreCase(byte[] lower, int lowerOff, byte[] buf, int off, int len) {
    for (int i = 0; i < len; i++) {
      int b = buf[off + i];
      if (b >= 'A' && b <= 'Z') {
        b += 32;
      }
      if (lower[lowerOff + i] != b) {
        return false;
      }
    }
    return true;
  }

  /**
   * The lowercased wire labels of {@code name} before the key label, as a Latin-1 string (one
   * char per byte, so it can be a map key); null if the name is not the key or under it.
   */
  private static String relativeWireKey(Name name, String keyLabel) {
    int labels = name.labels() - (name.isAbsolute() ? 1 : 0);
    if (labels < 1 || !name.getLabelString(labels - 1).equalsIgnoreCase(keyLabel)) {
      return null;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < labels - 1; i++) {
      for (byte b : name.getLabel(i)) { // length-prefixed label
        int c = b & 0xff;
        sb.append((char) (c >= 'A' && c <= 'Z' ? c + 32 : c));
      }
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("PacketZone[");
    for (int p = 0; p < blob.length; p = skipNode(p)) {
      int nameLen = blob[p] & 0xff;
      int q = p + 1;
      while (q < p + 1 + nameLen) {
        int l = blob[q] & 0xff;
        sb.append(new String(blob, q + 1, l, StandardCharsets.ISO_8859_1)).append('.');
        q += 1 + l;
      }
      sb.append("<key>");
      for (int s = firstSet(p), i = 0; s >= 0 && i < (blob[p + 1 + nameLen] & 0xff); i++) {
        sb.append(' ').append(Type.string(u16(s))).append('x').append(setCount(s));
        s += SET_HEADER + setLength(s);
      }
      sb.append("; ");
    }
    return sb.append(']').toString();
  }

  private static final class RRsetBuilder {
    private final int type;
    private final List<byte[]> rdatas = new ArrayList<>();
    private final ByteArrayOutputStream wire = new ByteArrayOutputStream();
    private long minTtl = Long.MAX_VALUE;

    RRsetBuilder(int type) {
      this.type = type;
    }

    void add(Record r) {
      byte[] full = r.toWire(Section.ANSWER); // owner (uncompressed), type, class, ttl, rdlen, rdata
      int ownerLen = r.getName().length();
      byte[] rdata = Arrays.copyOfRange(full, ownerLen + 10, full.length);
      for (byte[] seen : rdatas) {
        if (Arrays.equals(seen, rdata)) {
          return;
        }
      }
      rdatas.add(rdata);
      wire.writeBytes(POINTER_TO_QNAME);
      // type, class, ttl, rdlength, rdata exactly as encoded after the owner name
      wire.write(full, ownerLen, full.length - ownerLen);
      minTtl = Math.min(minTtl, ttl(r));
    }

    /** RFC 2181 §8: a TTL with the most significant bit set counts as zero. */
    static long ttl(Record r) {
      long ttl = r.getTTL();
      return ttl > 0x7fff_ffffL ? 0 : ttl;
    }

    void writeTo(ByteArrayOutputStream out) {
      byte[] w = wire.toByteArray();
      if (w.length > 0xffff || rdatas.size() > 0xffff) {
        throw new IllegalStateException("RRset larger than a DNS message"); // packets are <= 1000 B
      }
      // One TTL for the RRset: each record is pointer(2) type(2) class(2) ttl(4) rdlength(2) rdata.
      for (int p = 0; p < w.length; p += 12 + (((w[p + 10] & 0xff) << 8) | (w[p + 11] & 0xff))) {
        w[p + 6] = (byte) (minTtl >>> 24);
        w[p + 7] = (byte) (minTtl >>> 16);
        w[p + 8] = (byte) (minTtl >>> 8);
        w[p + 9] = (byte) minTtl;
      }
      out.write(type >>> 8);
      out.write(type);
      out.write(rdatas.size() >>> 8);
      out.write(rdatas.size());
      out.write((int) (minTtl >>> 24));
      out.write((int) (minTtl >>> 16));
      out.write((int) (minTtl >>> 8));
      out.write((int) minTtl);
      out.write(w.length >>> 8);
      out.write(w.length);
      out.writeBytes(w);
    }
  }
}
