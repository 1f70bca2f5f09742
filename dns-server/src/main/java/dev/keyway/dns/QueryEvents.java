package dev.keyway.dns;

import dev.keyway.dns.answer.Answer;
import dev.keyway.dns.answer.Transport;
import java.nio.ByteBuffer;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.DNSInput;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

/**
 * The structured event of one DNS query, the same over UDP, TCP and DoH: logger
 * {@code events.keyway.dns.query}, DEBUG, no message, fields
 * <pre>
 * event="query" transport="udp|tcp|https" client="ip:port" qname="name.zone." qtype="TXT"
 * status="ANSWER" truncated="false" bytes="312" duration_us="41"
 * </pre>
 * {@code client} is {@code ip:port} ({@code [ipv6]:port}), as in every keyway event;
 * {@code qname} is in presentation format (empty when the question did not parse);
 * {@code qtype} the type's mnemonic ({@code TYPE65280} for one without; empty when none);
 * {@code status} how it was answered ({@link dev.keyway.dns.answer.Status});
 * {@code truncated} whether the response sent has TC=1; {@code bytes} the response size sent
 * (0 when none was: a dropped query, or a UDP response dropped by rate limiting or a full
 * socket buffer); {@code duration_us} from the query read to its response handed to the
 * transport.
 *
 * <p>This is the hot path of a DNS server: a transport calls {@link #enabled()} first and does
 * nothing else when it is false; the name is parsed from the query only for an event written.
 */
public final class QueryEvents {
  private static final Logger EVENTS = LoggerFactory.getLogger("events.keyway.dns.query");

  private QueryEvents() {}

  /** Whether query events are written (the events logger is at DEBUG). */
  public static boolean enabled() {
    return EVENTS.isDebugEnabled();
  }

  /**
   * Writes the event of one query.
   *
   * @param client the client's address, as {@link dev.keyway.relay.http.ClientAddresses} writes it
   * @param query the buffer holding the query message at {@code offset}, {@code length} bytes
   * @param answer the answer
   * @param sentBytes the size of the response sent, 0 for none
   * @param truncated whether the response sent has TC=1
   * @param nanos time from the query read to its response handed to the transport
   */
  public static void query(Transport transport, String client, byte[] query, int offset,
      int length, Answer answer, int sentBytes, boolean truncated, long nanos) {
    int qtype = answer.qtype();
    EVENTS.atDebug()
        .addKeyValue("event", "query")
        .addKeyValue("transport", transport.name().toLowerCase(Locale.ROOT))
        .addKeyValue("client", client)
        .addKeyValue("qname", qname(query, offset, length))
        .addKeyValue("qtype", qtype < 0 ? "" : Type.string(qtype))
        .addKeyValue("status", answer.status())
        .addKeyValue("truncated", truncated)
        .addKeyValue("bytes", sentBytes)
        .addKeyValue("duration_us", nanos / 1_000)
        .log();
  }

  /** The first question's name in presentation format, or "" if there is none that parses. */
  static String qname(byte[] query, int offset, int length) {
    if (query == null || length < 13 || offset < 0 || offset + length > query.length) {
      return "";
    }
    if (((query[offset + 4] & 0xff) << 8 | (query[offset + 5] & 0xff)) == 0) {
      return ""; // QDCOUNT 0
    }
    // Plain labels only, as the answerer reads a question: a compression pointer (which could
    // point into the header and make a name of the client-chosen id) is "no name".
    int p = offset + 12;
    int end = offset + length;
    for (int total = 0; ; ) {
      if (p >= end) {
        return "";
      }
      int len = query[p] & 0xff;
      total += 1 + len;
      if (len > 63 || total > 255) {
        return "";
      }
      if (len == 0) {
        break;
      }
      p += 1 + len;
    }
    try {
      DNSInput in = new DNSInput(ByteBuffer.wrap(query, offset, length).slice());
      in.jump(12);
      return new Name(in).toString();
    } catch (Exception e) {
      return "";
    }
  }
}
