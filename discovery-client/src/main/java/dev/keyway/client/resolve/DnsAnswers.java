package dev.keyway.client.resolve;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.lookup.LookupItem;
import dev.keyway.client.record.EndpointInfo;
import dev.keyway.client.record.InvalidTxtException;
import dev.keyway.client.record.IrohTxt;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/** The DNS side shared by {@link DnsLookup} and {@link DohLookup}: query names, queries, answers. */
final class DnsAnswers {
  /** EDNS payload size advertised (the DNS flag day 2020 value); avoids TCP for ~1 KB answers. */
  static final int EDNS_PAYLOAD = 1232;

  private DnsAnswers() {}

  /** What one DNS response means for the lookup. */
  sealed interface Verdict permits Found, NotFound, Retry {}

  record Found(LookupItem item) implements Verdict {}

  record NotFound(String why) implements Verdict {}

  /**
   * The server could not answer (SERVFAIL, REFUSED, …): another attempt may do better.
   * {@code refused} when the server said it will not answer this name (REFUSED): asking it again
   * cannot change that, though another server may answer.
   */
  record Retry(String why, boolean refused) implements Verdict {}

  /** {@code _iroh.<z32>.<origin>}, absolute. */
  static Name queryName(PublicKey id, Name origin) {
    try {
      return Name.concatenate(Name.fromString("_iroh." + id.toZ32()), origin);
    } catch (org.xbill.DNS.NameTooLongException | TextParseException e) {
      throw new IllegalArgumentException("origin " + origin + " is too long for an _iroh name", e);
    }
  }

  /**
   * Parses an origin, checking that {@code _iroh.<z32>.<origin>} fits in a DNS name (so that a
   * bad origin fails when the lookup is built, not at every lookup).
   */
  static Name origin(String origin) {
    Name name;
    try {
      name = Name.fromString(origin.endsWith(".") ? origin : origin + ".");
    } catch (TextParseException e) {
      throw new IllegalArgumentException("invalid DNS origin '" + origin + "': " + e.getMessage(), e);
    }
    // "_iroh" (1 + 5 bytes) and a z-base-32 key label (1 + 52) go in front of it
    if (name.length() + 6 + 53 > 255) {
      throw new IllegalArgumentException("DNS origin '" + origin + "' is too long: _iroh.<z32>."
          + " in front of it would pass the 255-byte limit of a DNS name (at most "
          + (255 - 59) + " bytes in wire form, this one has " + name.length() + ")");
    }
    return name;
  }

  /** A TXT query with RD set and EDNS(0); {@code id} 0 for DoH (RFC 8484 §4.1). */
  static Message query(Name name, int id, boolean edns) {
    Message m = Message.newQuery(Record.newRecord(name, Type.TXT, DClass.IN));
    m.getHeader().setID(id);
    m.getHeader().setFlag(Flags.RD);
    if (edns) {
      m.addRecord(new OPTRecord(EDNS_PAYLOAD, 0, 0), Section.ADDITIONAL);
    }
    return m;
  }

  /**
   * Reads a response as iroh does: NOERROR with TXT answers is the endpoint's info (every TXT
   * record of the answer section counts; the id comes from the query name); NOERROR without TXT
   * answers (NODATA) and NXDOMAIN are "not found"; other RCODEs are worth another attempt.
   *
   * @throws ResolveException if the TXT strings are not a valid iroh record set (an unknown
   *     attribute key fails the whole set, as in iroh)
   */
  static Verdict read(Name queryName, Message response, String provenance) {
    int rcode = response.getRcode();
    if (rcode == Rcode.NXDOMAIN) {
      return new NotFound("NXDOMAIN");
    }
    if (rcode != Rcode.NOERROR) {
      return new Retry("DNS error " + Rcode.string(rcode), rcode == Rcode.REFUSED);
    }
    // Only records of the name asked (or of the CNAME chain from it, as a recursive resolver
    // answers): a TXT of another name is not this node's, whatever a server adds.
    List<Record> answer = response.getSection(Section.ANSWER);
    java.util.Set<Name> names = new java.util.HashSet<>();
    names.add(queryName);
    for (boolean grew = true; grew; ) {
      grew = false;
      for (Record r : answer) {
        if (r instanceof org.xbill.DNS.CNAMERecord c && names.contains(c.getName())
            && names.size() < 16) {
          grew |= names.add(c.getTarget());
        }
      }
    }
    List<Record> txt = new ArrayList<>();
    long minTtl = Long.MAX_VALUE;
    for (Record r : answer) {
      if (r instanceof TXTRecord && names.contains(r.getName())) {
        txt.add(r);
        minTtl = Math.min(minTtl, r.getTTL());
      }
    }
    if (txt.isEmpty()) {
      return new NotFound("no TXT records (NODATA)");
    }
    EndpointInfo info;
    try {
      info = IrohTxt.fromDnsAnswer(queryName, txt);
    } catch (InvalidTxtException e) {
      throw new ResolveException("invalid _iroh record set at " + queryName + ": " + e.getMessage(), e);
    }
    return new Found(LookupItem.of(info, provenance).withTtl(Duration.ofSeconds(minTtl)));
  }

  static Optional<LookupItem> item(Verdict v) {
    return v instanceof Found f ? Optional.of(f.item()) : Optional.empty();
  }

  static int randomId(java.util.random.RandomGenerator random) {
    return random.nextInt(0x10000);
  }

}
