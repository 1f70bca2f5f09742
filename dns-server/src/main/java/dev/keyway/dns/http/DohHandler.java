package dev.keyway.dns.http;

import dev.keyway.dns.DnsMetrics;
import dev.keyway.dns.QueryEvents;
import dev.keyway.dns.answer.Answer;
import dev.keyway.dns.answer.Transport;
import dev.keyway.dns.answer.ZoneAnswerer;
import dev.keyway.relay.http.ClientAddresses;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * {@code GET/POST /dns-query}: DNS over HTTPS (RFC 8484) and the Google-style JSON API, as
 * iroh-dns-server serves them, answered by the same {@link ZoneAnswerer} as UDP and TCP.
 *
 * <ul>
 *   <li>GET that accepts {@code application/dns-message} (no {@code Accept}, that type, or a
 *       wildcard such as {@code *}{@code /*} with {@code ?dns=}): the query is the base64url
 *       {@code ?dns=} parameter (padding optional); the body is the DNS response.
 *   <li>GET that prefers {@code application/dns-json} or {@code application/x-javascript} (or a
 *       wildcard with {@code ?name=} and no {@code ?dns=}): the query
 *       is {@code ?name=} (required), {@code type=} (number or mnemonic, default A), {@code cd},
 *       {@code do}, {@code rd} (default true); the body is JSON: {@code Status}, {@code TC},
 *       {@code RD}, {@code RA}, {@code AD}, {@code CD}, {@code Question}, {@code Answer} (omitted
 *       when empty; TXT data is the character-strings concatenated, unquoted), plus
 *       {@code Authority} (keyway: the SOA of negative answers).
 *   <li>an {@code Accept} that allows neither: 406. Media ranges, wildcards, case and quality
 *       values count as RFC 9110 says (iroh matches the header string exactly and answers 406
 *       to curl's and browsers' default {@code *}{@code /*}; RFC 8484 §4.1 wants DoH clients
 *       served whatever they send).
 *   <li>POST: the body is the DNS query, whatever the request's {@code Content-Type} (iroh does
 *       not check it); the response is {@code application/dns-message}.
 * </ul>
 * DNS-level outcomes are in the RCODE with HTTP 200 (RFC 8484 §4.2.1); 400 is for bytes that
 * cannot be a DNS query at all (under 12 bytes, or a response). Responses with answers carry
 * {@code Cache-Control: max-age=N, s-maxage=N} with N the smallest answer TTL (iroh sends only
 * {@code s-maxage}, which private caches ignore, and on GET only), negative answers (NXDOMAIN,
 * NODATA) the same with the negative-caching TTL (RFC 8484 §5.1; iroh sends none, so an HTTP
 * cache could keep "no such node" for as long as it likes). A GET's answer also says
 * {@code Vary: Accept}, since the same URL gives wire format or JSON by that header.
 * Every query answered has a {@link QueryEvents query event}, {@code transport="https"}.
 */
public final class DohHandler {
  static final String DNS_MESSAGE = "application/dns-message";
  static final String DNS_JSON = "application/dns-json";
  /** Largest POST body read: the largest DNS message. */
  public static final int MAX_BODY = Transport.MAX_MESSAGE;

  private final ZoneAnswerer answerer;
  private final DnsMetrics metrics;
  private final LongSupplier nanoClock;

  public DohHandler(ZoneAnswerer answerer, DnsMetrics metrics, LongSupplier nanoClock) {
    this.answerer = answerer;
    this.metrics = metrics;
    this.nanoClock = nanoClock;
  }

  /** {@code GET /dns-query}. */
  public void get(RoutingContext ctx) {
    ctx.response().headers().add("vary", "accept");
    if (wantsWire(ctx)) {
      String dns = ctx.request().getParam("dns");
      if (dns == null) {
        throw ApiError.badRequest("missing query parameter dns").asFailure();
      }
      byte[] query;
      try {
        query = Base64.getUrlDecoder().decode(dns);
      } catch (IllegalArgumentException e) {
        throw ApiError.badRequest("dns parameter is not base64url: " + e.getMessage()).asFailure();
      }
      sendWire(ctx, answer(ctx, query));
    } else {
      sendJson(ctx, answer(ctx, jsonQuery(ctx.request().params())));
    }
  }

  /**
   * Wire format or JSON for a GET, by its {@code Accept} header; 406 when it accepts neither.
   * The better quality wins; a tie (only wildcards, e.g. curl's and browsers' {@code *}{@code /*})
   * goes to JSON when the request has {@code ?name=} and no {@code ?dns=}, else to wire format.
   */
  private static boolean wantsWire(RoutingContext ctx) {
    String accept = ctx.request().getHeader("accept");
    if (accept == null) {
      return true;
    }
    double wire = AcceptHeader.quality(accept, DNS_MESSAGE);
    double json = Math.max(AcceptHeader.quality(accept, DNS_JSON),
        AcceptHeader.quality(accept, "application/x-javascript"));
    if (wire <= 0 && json <= 0) {
      throw ApiError.notAcceptable().asFailure();
    }
    if (wire != json) {
      return wire > json;
    }
    return ctx.request().getParam("dns") != null || ctx.request().getParam("name") == null;
  }

  /** {@code POST /dns-query}. */
  public void post(RoutingContext ctx) {
    sendWire(ctx, answer(ctx, RawBody.of(ctx).getBytes()));
  }

  private Answer answer(RoutingContext ctx, byte[] query) {
    if (query.length < 12 || (query[2] & 0x80) != 0) {
      throw ApiError.badRequest("Invalid DNS message: "
          + (query.length < 12 ? "shorter than a DNS header" : "expected a query, got a response"))
          .asFailure();
    }
    long start = nanoClock.getAsLong();
    Answer a = answerer.answer(query, Transport.HTTPS);
    long nanos = nanoClock.getAsLong() - start;
    metrics.query(Transport.HTTPS, a, nanos);
    if (QueryEvents.enabled()) {
      // bytes: the DNS response's size (a JSON answer is rendered from it)
      QueryEvents.query(Transport.HTTPS, ClientAddresses.format(ctx.request().remoteAddress()),
          query, 0, query.length, a, a.wire() == null ? 0 : a.wire().length, a.truncated(), nanos);
    }
    return a;
  }

  private static void cacheControl(RoutingContext ctx, Answer a) {
    if (a.minTtl() >= 0) {
      ctx.response().putHeader("cache-control", "max-age=" + a.minTtl() + ", s-maxage=" + a.minTtl());
    }
  }

  private static void sendWire(RoutingContext ctx, Answer a) {
    cacheControl(ctx, a);
    ctx.response().putHeader("content-type", DNS_MESSAGE).end(Buffer.buffer(a.wire()));
  }

  private static void sendJson(RoutingContext ctx, Answer a) {
    Message m;
    try {
      m = new Message(a.wire());
    } catch (IOException e) {
      throw new IllegalStateException("our own response does not parse", e);
    }
    cacheControl(ctx, a);
    ctx.response().putHeader("content-type", DNS_JSON).end(toJson(m).encode());
  }

  /** Builds the DNS query of the JSON API's parameters (iroh's {@code encode_query_as_request}). */
  static byte[] jsonQuery(MultiMap params) {
    String name = params.get("name");
    if (name == null || name.isEmpty()) {
      throw ApiError.badRequest("missing query parameter name").asFailure();
    }
    int type = Type.A;
    String t = params.get("type");
    if (t != null) {
      try {
        type = Integer.parseInt(t);
        if (type < 0 || type > 65535) {
          throw ApiError.badRequest("type " + t + " is not 0..65535").asFailure();
        }
      } catch (NumberFormatException e) {
        type = Type.value(t.toUpperCase(Locale.ROOT));
        if (type < 0) {
          throw ApiError.badRequest("unknown record type " + t).asFailure();
        }
      }
    }
    Name qname;
    try {
      qname = Name.fromString(name, Name.root);
    } catch (TextParseException e) {
      throw ApiError.badRequest("invalid name " + name + ": " + e.getMessage()).asFailure();
    }
    Message m = Message.newQuery(Record.newRecord(qname, type, DClass.IN));
    m.getHeader().setID(0);
    if (!bool(params, "rd", true)) {
      m.getHeader().unsetFlag(Flags.RD);
    }
    if (bool(params, "cd", false)) {
      m.getHeader().setFlag(Flags.CD);
    }
    if (bool(params, "do", false)) {
      m.addRecord(new OPTRecord(4096, 0, 0, ExtendedFlags.DO), Section.ADDITIONAL);
    }
    return m.toWire();
  }

  private static boolean bool(MultiMap params, String key, boolean dflt) {
    String v = params.get(key);
    if (v == null || v.isEmpty()) {
      return dflt;
    }
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true", "1" -> true;
      case "false", "0" -> false;
      default -> throw ApiError.badRequest(key + " must be true or false, got " + v).asFailure();
    };
  }

  /** Google-style JSON of a response, in iroh-dns-server's shape. */
  static JsonObject toJson(Message m) {
    JsonObject o = new JsonObject()
        .put("Status", m.getRcode())
        .put("TC", m.getHeader().getFlag(Flags.TC))
        .put("RD", m.getHeader().getFlag(Flags.RD))
        .put("RA", m.getHeader().getFlag(Flags.RA))
        .put("AD", m.getHeader().getFlag(Flags.AD))
        .put("CD", m.getHeader().getFlag(Flags.CD));
    JsonArray question = new JsonArray();
    for (Record q : m.getSection(Section.QUESTION)) {
      question.add(new JsonObject().put("name", q.getName().toString()).put("type", q.getType()));
    }
    o.put("Question", question);
    List<Record> answers = m.getSection(Section.ANSWER);
    if (!answers.isEmpty()) {
      o.put("Answer", records(answers));
    }
    List<Record> authority = m.getSection(Section.AUTHORITY);
    if (!authority.isEmpty()) {
      o.put("Authority", records(authority));
    }
    o.putNull("Comment");
    o.putNull("edns_client_subnet");
    return o;
  }

  private static JsonArray records(List<Record> records) {
    JsonArray out = new JsonArray();
    for (Record r : records) {
      out.add(new JsonObject()
          .put("name", r.getName().toString())
          .put("type", r.getType())
          .put("TTL", r.getTTL())
          .put("data", data(r)));
    }
    return out;
  }

  private static String data(Record r) {
    if (r instanceof TXTRecord txt) {
      return String.join("", txt.getStrings());
    }
    return r.rdataToString();
  }
}
