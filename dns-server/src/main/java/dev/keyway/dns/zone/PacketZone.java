package dev.keyway.dns.zone;

import dev.keyway.client.packet.SignedPacket;
import java.io.ByteArrayOutputStream;
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
 *   <li>Only class IN. TTLs are the packet's. Identical records in an RRset are served once.
 *   <li>Ancestors of published names that have no records themselves (empty non-terminals, e.g.
 *       {@code world.<z32>} when {@code _hello.world.<z32>} exists, or the key apex when only
 *       {@code _iroh.<z32>} exists) exist with no data, so they answer NODATA, not NXDOMAIN
 *       (RFC 8020).
 * </ul>
 *
 * <p>Built once per packet (the zone cache holds it); immutable and thread-safe.
 */
public final class PacketZone {
  private static final byte[] POINTER_TO_QNAME = {(byte) 0xC0, 0x0C};

  private final long timestampMicros;
  private final Node[] nodes;

  private PacketZone(long timestampMicros, Node[] nodes) {
    this.timestampMicros = timestampMicros;
    this.nodes = nodes;
  }

  /** Indexes and encodes a packet's answer records. */
  public static PacketZone of(SignedPacket packet) {
    String keyLabel = packet.publicKey().toZ32();
    Map<String, Map<Integer, RRsetBuilder>> byName = new LinkedHashMap<>();
    for (Record r : packet.records()) {
      if (r.getDClass() != DClass.IN || r.getType() == Type.SOA || r.getType() == Type.NS) {
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
    List<Node> nodes = new ArrayList<>();
    for (Map.Entry<String, Map<Integer, RRsetBuilder>> e : byName.entrySet()) {
      RRset[] sets = e.getValue().values().stream().map(RRsetBuilder::build).toArray(RRset[]::new);
      nodes.add(new Node(latin1(e.getKey()), sets));
    }
    // Empty non-terminals: every label-aligned proper suffix of a name (the key apex included,
    // which is the empty suffix) that has no records of its own.
    if (!byName.isEmpty()) {
      for (String name : new ArrayList<>(byName.keySet())) {
        byte[] wire = latin1(name);
        int pos = 0;
        while (pos < wire.length) {
          pos += 1 + (wire[pos] & 0xff);
          String suffix = name.substring(pos);
          if (!byName.containsKey(suffix)) {
            byName.put(suffix, Map.of());
            nodes.add(new Node(latin1(suffix), new RRset[0]));
          }
        }
      }
    }
    return new PacketZone(packet.timestampMicros(), nodes.toArray(Node[]::new));
  }

  /** The signed timestamp of the packet this zone was built from. */
  public long timestampMicros() {
    return timestampMicros;
  }

  /**
   * The node whose name relative to the key is {@code buf[off..off+len)}: the wire labels before
   * the key label, compared ASCII case-insensitively ({@code len == 0} is the key apex). Null if
   * the name does not exist in this zone.
   */
  public Node find(byte[] buf, int off, int len) {
    for (Node n : nodes) {
      if (n.name.length == len && equalsIgnoreCase(n.name, buf, off, len)) {
        return n;
      }
    }
    return null;
  }

  /** Number of names (with records or empty non-terminals). */
  public int size() {
    return nodes.length;
  }

  private static boolean equalsIgnoreCase(byte[] lower, byte[] buf, int off, int len) {
    for (int i = 0; i < len; i++) {
      int b = buf[off + i];
      if (b >= 'A' && b <= 'Z') {
        b += 32;
      }
      if (lower[i] != b) {
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
      byte[] label = name.getLabel(i); // length-prefixed
      for (byte b : label) {
        sb.append((char) (b & 0xff));
      }
    }
    // Lowercase ASCII letters only (label lengths are < 64, never letters).
    StringBuilder out = new StringBuilder(sb.length());
    for (int i = 0; i < sb.length(); i++) {
      char c = sb.charAt(i);
      out.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
    }
    return out.toString();
  }

  private static byte[] latin1(String s) {
    byte[] b = new byte[s.length()];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) s.charAt(i);
    }
    return b;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("PacketZone[");
    for (Node n : nodes) {
      sb.append(n).append(' ');
    }
    return sb.append(']').toString();
  }

  /** One owner name of the zone and its RRsets (none for an empty non-terminal). */
  public static final class Node {
    private final byte[] name;
    private final RRset[] sets;

    Node(byte[] name, RRset[] sets) {
      this.name = name;
      this.sets = sets;
    }

    /** The RRset of {@code type}, or null. */
    public RRset get(int type) {
      for (RRset s : sets) {
        if (s.type == type) {
          return s;
        }
      }
      return null;
    }

    /** The first RRset in packet order (the minimal answer to ANY, RFC 8482), or null. */
    public RRset first() {
      return sets.length == 0 ? null : sets[0];
    }

    /** Whether the name has no records (an empty non-terminal). */
    public boolean isEmpty() {
      return sets.length == 0;
    }

    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder();
      int pos = 0;
      while (pos < name.length) {
        int len = name[pos] & 0xff;
        sb.append(new String(name, pos + 1, len, java.nio.charset.StandardCharsets.ISO_8859_1)).append('.');
        pos += 1 + len;
      }
      sb.append("<key>");
      for (RRset s : sets) {
        sb.append(' ').append(Type.string(s.type)).append('x').append(s.count);
      }
      return sb.toString();
    }
  }

  /**
   * The records of one type at one name, encoded for the answer section: each record is
   * {@code C0 0C} (pointer to the question name), type, class IN, TTL, RDLENGTH, RDATA.
   */
  public static final class RRset {
    private final int type;
    private final byte[] wire;
    private final int count;
    private final long minTtl;

    RRset(int type, byte[] wire, int count, long minTtl) {
      this.type = type;
      this.wire = wire;
      this.count = count;
      this.minTtl = minTtl;
    }

    /** The dnsjava type code. */
    public int type() {
      return type;
    }

    /** Number of records. */
    public int count() {
      return count;
    }

    /** Encoded length in bytes. */
    public int length() {
      return wire.length;
    }

    /** Smallest TTL of the records, seconds. */
    public long minTtl() {
      return minTtl;
    }

    /** Copies the encoded records into {@code dst} at {@code off}; returns the new offset. */
    public int copyTo(byte[] dst, int off) {
      System.arraycopy(wire, 0, dst, off, wire.length);
      return off + wire.length;
    }
  }

  private static final class RRsetBuilder {
    private final int type;
    private final List<byte[]> rdatas = new ArrayList<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private long minTtl = Long.MAX_VALUE;

    RRsetBuilder(int type) {
      this.type = type;
    }

    void add(Record r) {
      byte[] full = r.toWire(Section.ANSWER); // owner (uncompressed), type, class, ttl, rdlen, rdata
      int rdataOff = r.getName().length() + 10;
      byte[] rdata = Arrays.copyOfRange(full, rdataOff, full.length);
      for (byte[] seen : rdatas) {
        if (Arrays.equals(seen, rdata)) {
          return;
        }
      }
      rdatas.add(rdata);
      out.writeBytes(POINTER_TO_QNAME);
      // type, class, ttl, rdlength, rdata exactly as encoded after the owner name
      out.write(full, r.getName().length(), full.length - r.getName().length());
      minTtl = Math.min(minTtl, r.getTTL());
    }

    RRset build() {
      return new RRset(type, out.toByteArray(), rdatas.size(), minTtl);
    }
  }
}
