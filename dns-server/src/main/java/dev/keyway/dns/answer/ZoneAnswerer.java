package dev.keyway.dns.answer;

import dev.keyway.dns.zone.PacketZone;
import dev.keyway.dns.zone.ZoneCache;
import dev.keyway.dns.zone.ZoneKey;
import java.util.List;
import java.util.Objects;
import org.xbill.DNS.Name;
import org.xbill.DNS.SOARecord;

/**
 * The answering function: one DNS query in wire form to one response in wire form, over the
 * published packets. UDP, TCP and DoH all call {@link #answer}; they only frame, limit and count.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li><b>Names.</b> Origins are matched in configuration order (as iroh-dns-server), except
 *       that a name equal to any origin is that origin's apex: SOA, NS, A and AAAA from
 *       {@link ZoneSettings}. A name between two origins (e.g. {@code example.} with origins
 *       {@code irohdns.example.} and {@code .}) is an empty non-terminal: NODATA. The NS host
 *       ({@code rr_ns}), when it lies under an origin, is this server: it has the apex A and
 *       AAAA records, so a delegation to {@code ns1.<origin>} is not lame, and the apex NS
 *       answer carries them as additional data (left out, not truncated, if they do not fit).
 *       {@code <rel>.<z32>.<origin>} is served from the packet signed by {@code <z32>}: its
 *       records whose owner is
 *       {@code <rel>.<z32>}, with the packet's TTLs, the owner rebased onto the origin (written
 *       as a pointer to the question, so the client's letter case is kept). All record types
 *       are served; SOA and NS records inside packets are not (see {@link PacketZone}).
 *   <li><b>Negative answers (RFC 2308).</b> NXDOMAIN when the name does not exist (no packet for
 *       the key, not a valid key, no such owner); NODATA (NOERROR, empty answer) when it exists
 *       without the type. Both carry the origin's SOA in the authority section with TTL
 *       min(SOA TTL, SOA MINIMUM). (iroh-dns-server answers NXDOMAIN for both.) A CNAME at the
 *       name answers any other type (RFC 1034 §3.6.2); the resolver follows it.
 *   <li><b>Refusals and errors.</b> REFUSED outside our origins, for classes other than IN (or
 *       ANY), and for AXFR/IXFR, with an Extended DNS Error to EDNS queries (RFC 8914: 20 not
 *       authoritative, 21 not supported, 18 prohibited). NOTIMP for opcodes other than QUERY. FORMERR for anything that
 *       does not parse, a question count other than 1, more than one OPT record, an OPT record
 *       not at the root or outside the additional section, or a query for type OPT. BADVERS for EDNS versions above 0. SERVFAIL
 *       when the store fails. A message with QR=1 is never answered, nor one shorter than a
 *       header (12 bytes).
 *   <li><b>ANY</b> is answered with one RRset of the name (RFC 8482 §4.1), SOA at an apex.
 *   <li><b>Flags.</b> AA on answers and negative answers, except to QCLASS ANY (RFC 1034
 *       §3.7.1); ID, opcode, RD and CD copied; RA never.
 *       The question is echoed byte for byte (DNS 0x20 case randomisation survives).
 *   <li><b>EDNS(0) (RFC 6891).</b> A query with OPT gets an OPT back: our UDP payload size,
 *       version 0, the DO bit copied, no options but the Extended DNS Error of a refusal.
 *   <li><b>Size (RFC 1035 §4.2.1, RFC 6891 §7, RFC 7766).</b> Over UDP a response may be as large
 *       as the client's EDNS payload size (at least 512, at most ours), or 512 without EDNS.
 *       A larger one is replaced by header + question (+ OPT) with TC=1 and empty sections, so
 *       the client retries over TCP; the question is always kept (dnsjava's own truncation drops
 *       it). Over TCP and HTTPS the limit is 65535.
 * </ul>
 *
 * <p>The function holds no per-query state and is thread-safe. Its only input besides the query
 * is the zone cache; a miss there reads the store (a short local read).
 */
public final class ZoneAnswerer {
  /** Apex record TTLs, as iroh-dns-server: SOA 14 days, NS 12 hours, A/AAAA 1 hour. */
  static final long SOA_TTL = 14 * 24 * 3600;
  static final long NS_TTL = 12 * 3600;
  static final long A_TTL = 3600;

  private static final int HEADER = 12;
  private static final int OPT_LENGTH = 11;
  /** An Extended DNS Error option (RFC 8914) with no extra text: code, length, info-code. */
  private static final int EDE_LENGTH = 6;
  private static final int OPTION_EDE = 15;
  /** RFC 8914 info-codes of the refusals: a zone transfer, a class, a name not ours. */
  static final int EDE_PROHIBITED = 18;
  static final int EDE_NOT_AUTHORITATIVE = 20;
  static final int EDE_NOT_SUPPORTED = 21;
  private static final int MAX_NAME = 255;

  static final int TYPE_A = 1;
  static final int TYPE_NS = 2;
  static final int TYPE_CNAME = 5;
  static final int TYPE_SOA = 6;
  static final int TYPE_AAAA = 28;
  static final int TYPE_OPT = 41;
  static final int TYPE_IXFR = 251;
  static final int TYPE_AXFR = 252;
  static final int TYPE_ANY = 255;
  static final int CLASS_IN = 1;
  static final int CLASS_ANY = 255;

  private final ZoneCache zones;
  private final Origin[] origins;
  private final int udpPayloadSize;
  private final byte[] apexSoa;
  private final byte[] apexNs;
  private final byte[] apexA;
  private final byte[] apexAaaa;
  /**
   * The NS host ({@code rr_ns}) when it lies under one of our origins and an apex address is
   * configured: it is this server, so it answers A/AAAA with the apex addresses (else the
   * delegation would name a host that our own zone says does not exist). Null otherwise.
   */
  private final Origin nsHost;
  /**
   * Additional data of the apex NS answer when {@link #nsHost} is set: the NS host's A and AAAA
   * records from type to RDATA (the owner, a pointer to the NS RDATA, is written per answer), as
   * NSD and BIND add them (RFC 1034 §4.3.2 step 6). Empty otherwise.
   */
  private final byte[][] nsGlue;
  /** Type..RDATA of the SOA in negative answers (owner written per query). */
  private final byte[] negativeSoaTail;
  private final long negativeTtl;

  public ZoneAnswerer(ZoneSettings settings, ZoneCache zones) {
    this.zones = Objects.requireNonNull(zones, "zones");
    List<Name> names = settings.originNames();
    this.origins = new Origin[names.size()];
    for (int i = 0; i < origins.length; i++) {
      origins[i] = new Origin(names.get(i));
    }
    this.udpPayloadSize = settings.udpPayloadSize();
    SOARecord soa = settings.soa();
    WireWriter rdata = new WireWriter();
    rdata.name(soa.getHost());
    rdata.name(soa.getAdmin());
    rdata.u32(soa.getSerial());
    rdata.u32(soa.getRefresh());
    rdata.u32(soa.getRetry());
    rdata.u32(soa.getExpire());
    rdata.u32(soa.getMinimum());
    byte[] soaRdata = rdata.toBytes();
    this.apexSoa = pointerRecord(TYPE_SOA, SOA_TTL, soaRdata);
    this.negativeTtl = Math.min(SOA_TTL, soa.getMinimum());
    this.negativeSoaTail = tail(TYPE_SOA, negativeTtl, soaRdata);
    Name ns = settings.nsName();
    this.apexNs = ns == null ? null : pointerRecord(TYPE_NS, NS_TTL, new WireWriter().name(ns).toBytes());
    this.apexA = settings.rrA() == null ? null
        : pointerRecord(TYPE_A, A_TTL, settings.rrA().getAddress());
    this.apexAaaa = settings.rrAaaa() == null ? null
        : pointerRecord(TYPE_AAAA, A_TTL, settings.rrAaaa().getAddress());
    Origin host = ns == null || (apexA == null && apexAaaa == null) ? null : new Origin(ns);
    boolean inZone = false;
    for (Origin o : origins) {
      inZone |= host != null && host.labels > o.labels && host.isUnder(o);
    }
    this.nsHost = inZone ? host : null;
    List<byte[]> glue = new java.util.ArrayList<>(2);
    if (nsHost != null && settings.rrA() != null) {
      glue.add(tail(TYPE_A, A_TTL, settings.rrA().getAddress()));
    }
    if (nsHost != null && settings.rrAaaa() != null) {
      glue.add(tail(TYPE_AAAA, A_TTL, settings.rrAaaa().getAddress()));
    }
    this.nsGlue = glue.toArray(new byte[0][]);
  }

  /** The TTL of the SOA in negative answers: how long resolvers may cache a miss. */
  public long negativeTtl() {
    return negativeTtl;
  }

  /** Largest UDP payload we send and advertise. */
  public int udpPayloadSize() {
    return udpPayloadSize;
  }

  /** Answers a query held in a whole array. */
  public Answer answer(byte[] query, Transport transport) {
    return answer(query, 0, query.length, transport);
  }

  /**
   * Answers the query in {@code buf[off..off+len)}. Never throws for any input bytes: malformed
   * input yields FORMERR (or a drop, see the class comment), a failing store SERVFAIL.
   */
  public Answer answer(byte[] buf, int off, int len, Transport transport) {
    return answer(buf, off, len, transport, false);
  }

  /**
   * The response a rate limiter "slips" instead of dropping one (RFC-less but BIND/Knot RRL
   * practice): the same header and question, TC=1, no records, so a genuine client retries over
   * TCP.
   */
  public Answer answerTruncated(byte[] buf, int off, int len) {
    return answer(buf, off, len, Transport.UDP, true);
  }

  private Answer answer(byte[] buf, int off, int len, Transport transport, boolean forceTc) {
    if (len < HEADER) {
      // Not a DNS message: dropped, as NSD and hickory (iroh) drop it. An answer would be larger
      // than the datagram, sent to whatever source it claims.
      return Answer.DROPPED;
    }
    int flags = u16(buf, off + 2);
    if ((flags & 0x8000) != 0) {
      return Answer.DROPPED; // a response: answering it could start a loop
    }
    boolean isQuery = ((flags >>> 11) & 0xF) == 0;
    int qdcount = u16(buf, off + 4);
    int end = off + len;
    Query q = new Query(buf, off, flags);
    q.forceTruncation = forceTc;
    Status malformed = isQuery ? Status.FORMERR : Status.NOTIMP;
    if (qdcount != 1) {
      // Still look for an OPT record: a query with one gets one back, even a FORMERR (RFC 6891
      // §7; FORMERR without OPT would say "no EDNS here").
      int p = off + HEADER;
      for (int i = 0; i < qdcount && p >= 0; i++) {
        p = skipName(buf, p, end);
        p = p < 0 || p + 4 > end ? -1 : p + 4;
      }
      if (p >= 0) {
        readRecords(q, buf, p, end);
      }
      return q.reply(malformed, transport);
    }
    // ---- question ----
    int p = off + HEADER;
    int labels = 0;
    int nameLen = 0;
    while (true) {
      if (p >= end) {
        return q.reply(malformed, transport);
      }
      int l = buf[p] & 0xff;
      if (l == 0) {
        p++;
        nameLen++;
        break;
      }
      if (l > 63) { // compression pointer or extended label type: not valid in a question here
        return q.reply(malformed, transport);
      }
      labels++;
      nameLen += l + 1;
      p += l + 1;
      if (nameLen >= MAX_NAME) {
        return q.reply(malformed, transport);
      }
    }
    if (p + 4 > end) {
      return q.reply(malformed, transport);
    }
    q.qnameLen = nameLen;
    q.labels = labels;
    q.qtype = u16(buf, p);
    q.qclass = u16(buf, p + 2);
    q.hasQuestion = true;
    p += 4;
    if (!readRecords(q, buf, p, end)) {
      return q.reply(malformed, transport);
    }
    if (!isQuery) {
      return q.reply(Status.NOTIMP, transport);
    }
    if (q.edns && q.ednsVersion != 0) {
      return q.reply(Status.BADVERS, transport);
    }
    if (q.qtype == TYPE_OPT) {
      return q.reply(Status.FORMERR, transport);
    }
    return lookup(q, transport);
  }

  /**
   * Reads the answer, authority and additional sections of a query from {@code p}: skips the
   * first two (unusual in a query) and takes the OPT record of the additional section into
   * {@code q}. Returns false when they are malformed: a name or record past the end, bytes
   * after the last record, an OPT record outside the additional section or not owned by the root, a second OPT record, or EDNS options that do not exactly fill
   * the OPT record (RFC 6891 §6.1.2, §7). An OPT record seen before the fault is kept, so the
   * FORMERR carries an OPT record back.
   */
  private static boolean readRecords(Query q, byte[] buf, int p, int end) {
    int off = q.off;
    int skip = u16(buf, off + 6) + u16(buf, off + 8);
    int additional = u16(buf, off + 10);
    for (int i = 0; i < skip + additional; i++) {
      int nameStart = p;
      p = skipName(buf, p, end);
      if (p < 0 || p + 10 > end) {
        return false;
      }
      int type = u16(buf, p);
      int rdlen = u16(buf, p + 8);
      int next = p + 10 + rdlen;
      if (i < skip && type == TYPE_OPT) {
        return false; // OPT belongs in the additional section only (RFC 6891 §6.1.1), as Knot checks
      }
      if (i >= skip && type == TYPE_OPT) {
        if (q.edns) {
          return false; // a second OPT record
        }
        q.edns = true;
        q.ednsPayload = u16(buf, p + 2);
        long ttl = u32(buf, p + 4);
        q.ednsVersion = (int) ((ttl >>> 16) & 0xff);
        q.dnssecOk = (ttl & 0x8000) != 0;
        if (p != nameStart + 1 || buf[nameStart] != 0 || next > end
            || !optionsFill(buf, p + 10, next)) {
          return false;
        }
      }
      if (next > end) {
        return false;
      }
      p = next;
    }
    return p == end; // bytes after the last record: FORMERR, as Knot and BIND answer
  }

  /** Whether the EDNS options (code, length, value) exactly fill {@code buf[p..end)}. */
  private static boolean optionsFill(byte[] buf, int p, int end) {
    while (p < end) {
      if (p + 4 > end) {
        return false;
      }
      p += 4 + u16(buf, p + 2);
    }
    return p == end;
  }

  private Answer lookup(Query q, Transport transport) {
    byte[] buf = q.buf;
    int qname = q.off + HEADER;
    int[] labelOff = labelOffsets(buf, qname, q.labels, q.qnameLen);
    Origin origin = null;
    for (Origin o : origins) {
      if (o.matches(buf, qname, labelOff, q.labels)) {
        if (origin == null || o.labels == q.labels) {
          origin = o; // the first in configuration order, unless a later one has the name as apex
        }
        if (o.labels == q.labels) {
          break;
        }
      }
    }
    // Refusals say why in an Extended DNS Error when the query has EDNS (RFC 8914), as NSD,
    // Knot and BIND do: a resolver logs it, and dig shows it.
    if (origin == null) {
      q.ede = EDE_NOT_AUTHORITATIVE;
      return q.reply(Status.REFUSED, transport);
    }
    if (q.qclass != CLASS_IN && q.qclass != CLASS_ANY) {
      q.ede = EDE_NOT_SUPPORTED;
      return q.reply(Status.REFUSED, transport);
    }
    if (q.qtype == TYPE_AXFR || q.qtype == TYPE_IXFR) {
      q.ede = EDE_PROHIBITED;
      return q.reply(Status.REFUSED, transport);
    }
    q.originLabel = q.labels - origin.labels;
    if (q.originLabel == 0) {
      return apex(q, transport);
    }
    if (nsHost != null && nsHost.labels == q.labels && nsHost.matches(buf, qname, labelOff, q.labels)) {
      return nsHostAddress(q, labelOff, transport);
    }
    if (nsHost != null && nsHost.isBelow(buf, qname, labelOff, q.labels)) {
      // An ancestor of the NS host (dns in ns1.dns.<origin>) exists too: NXDOMAIN would tell
      // RFC 8020 resolvers that the NS host does not, and the delegation would go lame.
      return q.negative(Status.NODATA, labelOff, transport);
    }
    for (Origin o : origins) {
      if (o.isBelow(buf, qname, labelOff, q.labels)) {
        // An ancestor of another origin exists (an empty non-terminal): NXDOMAIN here would tell
        // resolvers (RFC 8020) that the other origin and all of its names do not exist either.
        return q.negative(Status.NODATA, labelOff, transport);
      }
    }
    int keyLabel = q.originLabel - 1;
    int keyOff = labelOff[keyLabel];
    ZoneKey key = ZoneKey.fromLabel(buf, qname + keyOff + 1, buf[qname + keyOff] & 0xff);
    if (key == null) {
      return q.negative(Status.NXDOMAIN, labelOff, transport);
    }
    PacketZone zone;
    try {
      zone = zones.find(key);
    } catch (RuntimeException storeFailure) {
      return q.reply(Status.SERVFAIL, transport);
    }
    if (zone == null) {
      return q.negative(Status.NXDOMAIN, labelOff, transport);
    }
    int node = zone.find(buf, qname, keyOff);
    if (node < 0) {
      return q.negative(Status.NXDOMAIN, labelOff, transport);
    }
    int set;
    if (q.qtype == TYPE_ANY) {
      set = zone.firstSet(node);
    } else {
      set = zone.set(node, q.qtype);
      if (set < 0 && q.qtype != TYPE_CNAME) {
        set = zone.set(node, TYPE_CNAME);
      }
    }
    if (set < 0) {
      return q.negative(Status.NODATA, labelOff, transport);
    }
    q.zone = zone;
    q.set = set;
    return q.write(Status.ANSWER, transport);
  }

  private Answer apex(Query q, Transport transport) {
    byte[] record = switch (q.qtype) {
      case TYPE_SOA, TYPE_ANY -> apexSoa;
      case TYPE_NS -> apexNs;
      case TYPE_A -> apexA;
      case TYPE_AAAA -> apexAaaa;
      default -> null;
    };
    if (record == null) {
      return q.negative(Status.NODATA, labelOffsets(q.buf, q.off + HEADER, q.labels, q.qnameLen),
          transport);
    }
    q.apexRecord = record;
    q.apexTtl = q.qtype == TYPE_NS ? NS_TTL
        : (q.qtype == TYPE_A || q.qtype == TYPE_AAAA) ? A_TTL : SOA_TTL;
    q.glue = q.qtype == TYPE_NS && nsGlue.length > 0;
    return q.write(Status.ANSWER, transport);
  }

  private Answer nsHostAddress(Query q, int[] labelOff, Transport transport) {
    byte[] record = switch (q.qtype) {
      case TYPE_A -> apexA;
      case TYPE_AAAA -> apexAaaa;
      case TYPE_ANY -> apexA != null ? apexA : apexAaaa;
      default -> null;
    };
    if (record == null) {
      return q.negative(Status.NODATA, labelOff, transport);
    }
    q.apexRecord = record;
    q.apexTtl = A_TTL;
    return q.write(Status.ANSWER, transport);
  }

  // ------------------------------------------------------------------------------------------
  // The response writer. Everything below builds bytes; the decisions are made above.

  /** Per-query state: the parsed question and what goes into each section. */
  private final class Query {
    final byte[] buf;
    final int off;
    final int flags;
    boolean hasQuestion;
    int qnameLen;
    int labels;
    int qtype = -1;
    int qclass;
    boolean edns;
    int ednsPayload;
    int ednsVersion;
    boolean dnssecOk;
    int originLabel;
    /** The zone and RRset offset of the answer, when it comes from a packet. */
    PacketZone zone;
    int set = -1;
    byte[] apexRecord;
    long apexTtl;
    /** Offset of the SOA owner in the message (pointer target), -1 for the root name. */
    int soaOwner = -2;
    /** Add {@link #nsGlue} to the additional section (apex NS), when it fits. */
    boolean glue;
    /** Extended DNS Error info-code to put in the OPT record, or -1 for none. */
    int ede = -1;
    boolean forceTruncation;

    Query(byte[] buf, int off, int flags) {
      this.buf = buf;
      this.off = off;
      this.flags = flags;
    }

    Answer reply(Status status, Transport transport) {
      return write(status, transport);
    }

    Answer negative(Status status, int[] labelOff, Transport transport) {
      soaOwner = originLabel == labels ? -1 : HEADER + labelOff[originLabel];
      return write(status, transport);
    }

    Answer write(Status status, Transport transport) {
      int question = hasQuestion ? qnameLen + 4 : 0;
      int answerBytes = zone != null ? zone.setLength(set) : apexRecord != null ? apexRecord.length : 0;
      int answerCount = zone != null ? zone.setCount(set) : apexRecord != null ? 1 : 0;
      int authorityBytes = soaOwner == -2 ? 0 : (soaOwner == -1 ? 1 : 2) + negativeSoaTail.length;
      int optBytes = edns ? OPT_LENGTH + (ede >= 0 ? EDE_LENGTH : 0) : 0;
      int glueBytes = 0;
      if (glue) {
        for (byte[] g : nsGlue) {
          glueBytes += 2 + g.length;
        }
      }
      int size = HEADER + question + answerBytes + authorityBytes + glueBytes + optBytes;
      int limit = transport != Transport.UDP ? Transport.MAX_MESSAGE
          : edns ? Math.min(Math.max(ednsPayload, 512), udpPayloadSize) : 512;
      if (glue && size > limit && size - glueBytes <= limit) {
        // Additional data is optional: left out, never the cause of TC (RFC 2181 §9).
        glue = false;
        size -= glueBytes;
      }
      boolean truncated = size > limit || forceTruncation;
      if (truncated) {
        size = HEADER + question + optBytes;
        answerCount = 0;
      }
      byte[] out = new byte[size];
      out[0] = buf[off];
      out[1] = buf[off + 1];
      int rcode = status.rcode();
      // Never AA for QCLASS * (RFC 1034 §3.7.1: such answers cannot be authoritative), as NSD.
      boolean aa = status.authoritative() && qclass != CLASS_ANY;
      int rflags = 0x8000 | (flags & 0x7800) | (aa ? 0x0400 : 0)
          | (truncated ? 0x0200 : 0) | (flags & 0x0100) | (flags & 0x0010) | (rcode & 0xF);
      putU16(out, 2, rflags);
      putU16(out, 4, hasQuestion ? 1 : 0);
      putU16(out, 6, answerCount);
      putU16(out, 8, truncated || soaOwner == -2 ? 0 : 1);
      putU16(out, 10, (edns ? 1 : 0) + (glue && !truncated ? nsGlue.length : 0));
      int p = HEADER;
      if (hasQuestion) {
        System.arraycopy(buf, off + HEADER, out, p, question);
        p += question;
      }
      long minTtl = -1;
      if (!truncated) {
        if (zone != null) {
          p = zone.copySet(set, out, p);
          minTtl = zone.setMinTtl(set);
        } else if (apexRecord != null) {
          System.arraycopy(apexRecord, 0, out, p, apexRecord.length);
          p += apexRecord.length;
          minTtl = apexTtl;
        }
        if (soaOwner != -2) {
          if (soaOwner == -1) {
            out[p++] = 0;
          } else {
            putU16(out, p, 0xC000 | soaOwner);
            p += 2;
          }
          System.arraycopy(negativeSoaTail, 0, out, p, negativeSoaTail.length);
          p += negativeSoaTail.length;
          if (minTtl < 0) {
            minTtl = negativeTtl; // how long the "no" may be cached (RFC 2308 §5, RFC 8484 §5.1)
          }
        }
        if (glue) {
          // Owner: the NS record's RDATA, 12 bytes into it (owner pointer, type, class, TTL, length).
          int nsTarget = HEADER + question + 12;
          for (byte[] g : nsGlue) {
            putU16(out, p, 0xC000 | nsTarget);
            System.arraycopy(g, 0, out, p + 2, g.length);
            p += 2 + g.length;
          }
          minTtl = Math.min(minTtl, A_TTL);
        }
      }
      if (edns) {
        // OPT: root owner, type 41, class = our payload size, TTL = ext-rcode|version|DO|Z.
        out[p] = 0;
        putU16(out, p + 1, TYPE_OPT);
        putU16(out, p + 3, udpPayloadSize);
        out[p + 5] = (byte) (rcode >>> 4);
        out[p + 6] = 0;
        out[p + 7] = (byte) (dnssecOk ? 0x80 : 0);
        out[p + 8] = 0;
        if (ede >= 0) {
          putU16(out, p + 9, EDE_LENGTH);
          putU16(out, p + 11, OPTION_EDE);
          putU16(out, p + 13, 2);
          putU16(out, p + 15, ede);
        } else {
          putU16(out, p + 9, 0);
        }
      }
      return new Answer(out, status, truncated, minTtl, qtype);
    }
  }

  /** Offsets of each label in the question name (relative to its start); [labels] = the root. */
  private static int[] labelOffsets(byte[] buf, int qname, int labels, int nameLen) {
    int[] offs = new int[labels + 1];
    int p = 0;
    for (int i = 0; i < labels; i++) {
      offs[i] = p;
      p += 1 + (buf[qname + p] & 0xff);
    }
    offs[labels] = nameLen - 1;
    return offs;
  }

  /** Skips a possibly compressed name; returns the offset after it, or -1 if malformed. */
  private static int skipName(byte[] buf, int p, int end) {
    while (p < end) {
      int l = buf[p] & 0xff;
      if (l == 0) {
        return p + 1;
      }
      if ((l & 0xC0) == 0xC0) {
        return p + 2 <= end ? p + 2 : -1;
      }
      if (l > 63) {
        return -1;
      }
      p += l + 1;
    }
    return -1;
  }

  private static byte[] pointerRecord(int type, long ttl, byte[] rdata) {
    byte[] t = tail(type, ttl, rdata);
    byte[] r = new byte[2 + t.length];
    r[0] = (byte) 0xC0;
    r[1] = 0x0C;
    System.arraycopy(t, 0, r, 2, t.length);
    return r;
  }

  private static byte[] tail(int type, long ttl, byte[] rdata) {
    WireWriter w = new WireWriter();
    w.u16(type).u16(CLASS_IN).u32(ttl).u16(rdata.length).bytes(rdata);
    return w.toBytes();
  }

  static int u16(byte[] b, int p) {
    return ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
  }

  static long u32(byte[] b, int p) {
    return ((long) u16(b, p) << 16) | u16(b, p + 2);
  }

  static void putU16(byte[] b, int p, int v) {
    b[p] = (byte) (v >>> 8);
    b[p + 1] = (byte) v;
  }

  /** An origin: its lowercase wire labels without the root byte. */
  private static final class Origin {
    final byte[] wire;
    final int labels;
    /** Offset in {@link #wire} where each label starts, and {@code wire.length} last. */
    final int[] starts;

    Origin(Name name) {
      byte[] full = name.toWireCanonical(); // lowercase, ends with the root byte
      this.wire = java.util.Arrays.copyOf(full, full.length - 1);
      this.labels = name.labels() - 1;
      this.starts = new int[labels + 1];
      for (int i = 0, p = 0; i <= labels; i++) {
        starts[i] = p;
        p += i < labels ? 1 + (wire[p] & 0xff) : 0;
      }
    }

    /** Whether this name is {@code other} or lies below it. */
    boolean isUnder(Origin other) {
      int start = labels - other.labels;
      return start >= 0 && java.util.Arrays.equals(wire, starts[start], wire.length,
          other.wire, 0, other.wire.length);
    }

    /** Whether this origin lies strictly below the query name (which is then its ancestor). */
    boolean isBelow(byte[] buf, int qname, int[] labelOff, int qlabels) {
      if (labels <= qlabels) {
        return false;
      }
      int start = starts[labels - qlabels];
      return wire.length - start == labelOff[qlabels] && equalsLowercase(buf, qname, start);
    }

    boolean matches(byte[] buf, int qname, int[] labelOff, int qlabels) {
      if (qlabels < labels) {
        return false;
      }
      int start = labelOff[qlabels - labels];
      return labelOff[qlabels] - start == wire.length && equalsLowercase(buf, qname + start, 0);
    }

    /** Compares {@code wire[from..]} with the bytes at {@code buf[at..]}, ASCII case folded. */
    private boolean equalsLowercase(byte[] buf, int at, int from) {
      for (int i = from; i < wire.length; i++) {
        int b = buf[at + i - from];
        if (b >= 'A' && b <= 'Z') {
          b += 32;
        }
        if (b != wire[i]) {
          return false;
        }
      }
      return true;
    }
  }
}
