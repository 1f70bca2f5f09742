package dev.keyway.dns.answer;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.xbill.DNS.Name;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Tokenizer;

/**
 * What the answering function serves besides the packets: the origins (in match order), the
 * static apex records of every origin, and the largest UDP payload we accept and advertise.
 * Validated on construction, then immutable.
 *
 * @param origins zone origins, matched in this order (iroh: {@code [dns] origins})
 * @param defaultSoa SOA RDATA in presentation form, {@code mname rname serial refresh retry
 *     expire minimum} (iroh: {@code [dns] default_soa}); names are taken as absolute
 * @param rrA optional A record of every origin apex ({@code rr_a})
 * @param rrAaaa optional AAAA record of every origin apex ({@code rr_aaaa})
 * @param rrNs optional NS target of every origin apex ({@code rr_ns})
 * @param udpPayloadSize our EDNS UDP payload size: the most we send over UDP and what our OPT
 *     record advertises (512..4096; 1232 is the DNS Flag Day 2020 value)
 */
public record ZoneSettings(
    List<String> origins,
    String defaultSoa,
    Inet4Address rrA,
    Inet6Address rrAaaa,
    String rrNs,
    int udpPayloadSize) {

  /** iroh-dns-server's built-in origins. */
  public static final List<String> DEFAULT_ORIGINS = List.of("irohdns.example.", ".");
  /** iroh-dns-server's built-in SOA. */
  public static final String DEFAULT_SOA =
      "irohdns.example hostmaster.irohdns.example 0 10800 3600 604800 3600";
  /** DNS Flag Day 2020: avoids IP fragmentation on common paths. */
  public static final int DEFAULT_UDP_PAYLOAD = 1232;

  public ZoneSettings {
    Objects.requireNonNull(origins, "origins");
    Objects.requireNonNull(defaultSoa, "defaultSoa");
    if (origins.isEmpty()) {
      throw new IllegalArgumentException("at least one origin is required");
    }
    origins = List.copyOf(origins);
    for (String o : origins) {
      parseName("origin", o);
    }
    parseSoa(defaultSoa);
    if (rrNs != null) {
      parseName("rr_ns", rrNs);
    }
    if (udpPayloadSize < 512 || udpPayloadSize > 4096) {
      throw new IllegalArgumentException(
          "udp_payload_size must be 512..4096, got " + udpPayloadSize);
    }
  }

  /** The origins as absolute names, in match order. */
  public List<Name> originNames() {
    List<Name> names = new ArrayList<>();
    for (String o : origins) {
      names.add(parseName("origin", o));
    }
    return names;
  }

  /** The SOA RDATA fields (owner and TTL are placeholders). */
  public SOARecord soa() {
    return parseSoa(defaultSoa);
  }

  /** The NS target, or null. */
  public Name nsName() {
    return rrNs == null ? null : parseName("rr_ns", rrNs);
  }

  static Name parseName(String what, String text) {
    // dnsjava takes any byte in a label ("not a name" is one label with spaces); a zone's own
    // names are host names: letters, digits, '-' ('_' too, for service labels).
    if (!text.trim().chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.'))) {
      throw new IllegalArgumentException(what + " '" + text + "' is not a domain name: only letters, digits, '-',"
          + " '_' and dots may be used");
    }
    try {
      return Name.fromString(text.trim(), Name.root);
    } catch (TextParseException e) {
      throw new IllegalArgumentException(what + " '" + text + "' is not a domain name: "
          + e.getMessage(), e);
    }
  }

  private static SOARecord parseSoa(String text) {
    try {
      Tokenizer t = new Tokenizer(text);
      Name mname = t.getName(Name.root);
      Name rname = t.getName(Name.root);
      long serial = t.getUInt32();
      long refresh = t.getTTLLike();
      long retry = t.getTTLLike();
      long expire = t.getTTLLike();
      long minimum = t.getTTLLike();
      if (t.get().type != Tokenizer.EOF) {
        throw new IllegalArgumentException("default_soa '" + text + "' has extra fields");
      }
      return new SOARecord(Name.root, org.xbill.DNS.DClass.IN, 0, mname, rname, serial, refresh,
          retry, expire, minimum);
    } catch (IOException | RuntimeException e) {
      if (e instanceof IllegalArgumentException iae && iae.getMessage().startsWith("default_soa")) {
        throw iae;
      }
      throw new IllegalArgumentException("default_soa '" + text + "' is not 'mname rname serial"
          + " refresh retry expire minimum': " + e.getMessage(), e);
    }
  }
}
