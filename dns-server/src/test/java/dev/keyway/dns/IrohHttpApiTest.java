package dev.keyway.dns;

import static dev.keyway.dns.testing.DnsTools.dig;
import static dev.keyway.dns.testing.DnsTools.kdig;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.dns.testing.DnsTools.Result;
import dev.keyway.dns.testing.Packets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * The whole server (real H2 store, real sockets) through its HTTP API: publish with
 * {@code PUT /pkarr}, then resolve with dig, DoH and JSON; iroh's status codes and bodies.
 */
class IrohHttpApiTest {
  @TempDir static Path dir;
  static IrohDnsServer server;
  static HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  static final SplittableRandom random = new SplittableRandom(21);
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void start() {
    String toml = """
        pkarr_put_rate_limit = "disabled"
        data_dir = "%s"
        [http]
        port = 0
        bind_addr = "127.0.0.1"
        [dns]
        port = 0
        bind_addr = "127.0.0.1"
        origins = ["dns.example.", "."]
        default_soa = "ns1.dns.example. hostmaster.dns.example. 1 10800 3600 604800 30"
        default_ttl = 30
        [metrics]
        disabled = false
        bind_addr = "127.0.0.1:0"
        """.formatted(dir.resolve("data"));
    server = IrohDnsServer.builder(DnsServerConfig.fromToml(toml, dir, Map.of())).build().start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static URI url(String path) {
    return URI.create("http://127.0.0.1:" + server.httpPort() + path);
  }

  static HttpResponse<byte[]> send(HttpRequest.Builder b) throws Exception {
    return client.send(b.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static HttpResponse<byte[]> put(SecretKey key, byte[] body) throws Exception {
    return put(key.publicKey().toZ32(), body);
  }

  static HttpResponse<byte[]> put(String z32, byte[] body) throws Exception {
    return send(HttpRequest.newBuilder(url("/pkarr/" + z32)).PUT(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  static JsonNode json(HttpResponse<byte[]> r) throws Exception {
    return JSON.readTree(r.body());
  }

  @Test
  void publishThenResolveOverDnsDohAndJson() throws Exception {
    SecretKey key = Packets.key(random);
    String z = key.publicKey().toZ32();
    String name = "_iroh." + z + ".dns.example.";
    assertThat(dig(server.dnsPort(), name, "TXT").status()).isEqualTo("NXDOMAIN");
    SignedPacket p = Packets.iroh(key, Packets.recent(1_000), "https://relay.example./", "192.0.2.5:1234");
    HttpResponse<byte[]> r = put(key, p.toRelayPayload());
    assertThat(r.statusCode()).isEqualTo(204);
    // visible to the very next query, over UDP and TCP
    Result d = dig(server.dnsPort(), name, "TXT");
    assertThat(d.status()).isEqualTo("NOERROR");
    assertThat(d.txt()).containsExactly("relay=https://relay.example./", "addr=192.0.2.5:1234");
    assertThat(kdig(server.dnsPort(), "+tcp", name, "TXT").txt()).hasSize(2);
    // a newer packet replaces it, an older one is ignored but still 204 (iroh)
    SignedPacket newer = Packets.iroh(key, Packets.recent(2_000), "https://new.example./", "192.0.2.6:1");
    assertThat(put(key, newer.toRelayPayload()).statusCode()).isEqualTo(204);
    assertThat(dig(server.dnsPort(), name, "TXT").txt()).contains("relay=https://new.example./");
    assertThat(put(key, p.toRelayPayload()).statusCode()).isEqualTo(204);
    assertThat(dig(server.dnsPort(), name, "TXT").txt()).contains("relay=https://new.example./");
    // GET returns the stored payload
    HttpResponse<byte[]> get = send(HttpRequest.newBuilder(url("/pkarr/" + z)).GET());
    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(get.headers().firstValue("content-type")).hasValue("application/x-pkarr-signed-packet");
    assertThat(get.body()).isEqualTo(newer.toRelayPayload());

    // DoH GET with base64url, no padding
    byte[] q = Message.newQuery(Record.newRecord(Name.fromString(name), Type.TXT, DClass.IN)).toWire();
    String b64 = Base64.getUrlEncoder().withoutPadding().encodeToString(q);
    HttpResponse<byte[]> doh = send(HttpRequest.newBuilder(url("/dns-query?dns=" + b64))
        .header("accept", "application/dns-message").GET());
    assertThat(doh.statusCode()).isEqualTo(200);
    assertThat(doh.headers().firstValue("content-type")).hasValue("application/dns-message");
    assertThat(doh.headers().firstValue("cache-control")).hasValue("max-age=30, s-maxage=30");
    assertThat(doh.headers().allValues("vary")).anyMatch(v -> v.toLowerCase().contains("accept"));
    Message m = new Message(doh.body());
    assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(m.getSection(Section.ANSWER)).hasSize(2);
    // no Accept header = dns-message too
    assertThat(send(HttpRequest.newBuilder(url("/dns-query?dns=" + b64)).GET()).statusCode()).isEqualTo(200);
    // DoH POST
    HttpResponse<byte[]> post = send(HttpRequest.newBuilder(url("/dns-query"))
        .header("content-type", "application/dns-message")
        .POST(HttpRequest.BodyPublishers.ofByteArray(q)));
    assertThat(post.statusCode()).isEqualTo(200);
    assertThat(new Message(post.body()).getSection(Section.ANSWER)).hasSize(2);
    // JSON, through the root origin as in iroh's test_doh
    HttpResponse<byte[]> js = send(HttpRequest.newBuilder(url("/dns-query?name=_iroh." + z + ".&type=txt"))
        .header("accept", "application/dns-json").GET());
    assertThat(js.statusCode()).isEqualTo(200);
    assertThat(js.headers().firstValue("content-type")).hasValue("application/dns-json");
    JsonNode body = json(js);
    assertThat(body.get("Status").asInt()).isZero();
    assertThat(body.get("Question").get(0).get("type").asInt()).isEqualTo(16);
    JsonNode answer = body.get("Answer");
    assertThat(answer).hasSize(2);
    assertThat(answer.get(0).get("name").asText()).isEqualTo(
        Packets.txtVector("doh_json_pattern").get("answer_name_pattern").asText().replace("<z32>", z));
    assertThat(answer.get(0).get("data").asText()).isEqualTo("relay=https://new.example./");
    assertThat(answer.get(0).get("TTL").asInt()).isEqualTo(30);
  }

  @Test
  void dohNegativeAnswersAndErrors() throws Exception {
    String missing = "_iroh." + Packets.key(random).publicKey().toZ32() + ".dns.example.";
    HttpResponse<byte[]> js = send(HttpRequest.newBuilder(url("/dns-query?name=" + missing + "&type=16"))
        .header("accept", "application/x-javascript").GET());
    assertThat(js.statusCode()).isEqualTo(200);
    assertThat(json(js).get("Status").asInt()).isEqualTo(Rcode.NXDOMAIN);
    assertThat(json(js).has("Answer")).isFalse();
    assertThat(json(js).get("Authority").get(0).get("type").asInt()).isEqualTo(Type.SOA);
    // A negative answer may be cached only as long as its SOA's negative TTL (RFC 8484 §5.1).
    int negativeTtl = json(js).get("Authority").get(0).get("TTL").asInt();
    assertThat(negativeTtl).isPositive();
    assertThat(js.headers().firstValue("cache-control"))
        .hasValue("max-age=" + negativeTtl + ", s-maxage=" + negativeTtl);
    // Accept as RFC 9110 reads it (iroh wants the exact string): wildcards, case, lists, q=0
    byte[] q = Message.newQuery(Record.newRecord(Name.fromString(missing), Type.TXT, DClass.IN)).toWire();
    String dns = "/dns-query?dns=" + Base64.getUrlEncoder().withoutPadding().encodeToString(q);
    for (String accept : List.of("*/*", "application/*", "Application/DNS-Message",
        "application/dns-message, */*", "text/html, application/dns-message;q=0.5",
        "application/dns-json;q=0.2, application/dns-message;q=0.9")) {
      HttpResponse<byte[]> r = send(HttpRequest.newBuilder(url(dns)).header("accept", accept).GET());
      assertThat(r.statusCode()).as(accept).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type")).as(accept).hasValue("application/dns-message");
      assertThat(new Message(r.body()).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    }
    for (String accept : List.of("*/*", "application/dns-message;q=0.1, application/dns-json")) {
      HttpResponse<byte[]> r = send(HttpRequest.newBuilder(url("/dns-query?name=" + missing + "&type=16"))
          .header("accept", accept).GET());
      assertThat(r.headers().firstValue("content-type")).as(accept).hasValue("application/dns-json");
      assertThat(json(r).get("Status").asInt()).isEqualTo(Rcode.NXDOMAIN);
    }
    // nothing acceptable: 406; missing/garbled parameters: 400 with iroh's body
    for (String accept : List.of("text/html", "application/dns-message;q=0", "*/*;q=0",
        "application/json")) {
      assertThat(send(HttpRequest.newBuilder(url(dns)).header("accept", accept).GET())
          .statusCode()).as(accept).isEqualTo(406);
    }
    HttpResponse<byte[]> noParam = send(HttpRequest.newBuilder(url("/dns-query")).GET());
    assertThat(noParam.statusCode()).isEqualTo(400);
    assertThat(json(noParam).get("status").asText()).isEqualTo("400");
    assertThat(send(HttpRequest.newBuilder(url("/dns-query?dns=***")).GET()).statusCode()).isEqualTo(400);
    assertThat(send(HttpRequest.newBuilder(url("/dns-query?name=x.&type=NOPE"))
        .header("accept", "application/dns-json").GET()).statusCode()).isEqualTo(400);
    byte[] response = Message.newQuery(Record.newRecord(Name.fromString("dns.example."), Type.SOA, DClass.IN)).toWire();
    response[2] |= (byte) 0x80;
    assertThat(send(HttpRequest.newBuilder(url("/dns-query"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(response))).statusCode()).isEqualTo(400);
  }

  /**
   * keyway: a packet signed longer ago than the eviction age is stored and served: the store
   * keeps a packet for that age after its last PUT (iroh-dns-server removes it seconds later).
   */
  @Test
  void packetsSignedLongAgoAreKeptWhilePublished() throws Exception {
    SecretKey k = Packets.key(random);
    long eightDaysAgo = (System.currentTimeMillis() - Duration.ofDays(8).toMillis()) * 1_000L;
    byte[] payload = Packets.iroh(k, eightDaysAgo, "https://old.example./", "192.0.2.1:1")
        .toRelayPayload();
    assertThat(put(k, payload).statusCode()).isEqualTo(204);
    HttpResponse<byte[]> got =
        send(HttpRequest.newBuilder(url("/pkarr/" + k.publicKey().toZ32())).GET());
    assertThat(got.statusCode()).isEqualTo(200);
    assertThat(got.body()).isEqualTo(payload);
  }

  /**
   * A request answered without the 100 Continue its client waits for (here a 404 and a 405,
   * routes that read no body) closes its connection: the client may never send the body, and
   * its next request would be read as that body. A PUT to a real route gets its 100 as before.
   */
  @Test
  void anAnswerWithoutTheContinueClosesTheConnection() throws Exception {
    for (String target : new String[] {"PUT /nowhere", "PUT /healthz"}) {
      String answer = rawExchange(target + " HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
          + "Content-Length: 200\r\n\r\n");
      assertThat(answer).as(target).doesNotContain("100 Continue")
          .containsIgnoringCase("connection: close");
      assertThat(answer.substring(9, 12)).as(target).isIn("404", "405");
    }
  }

  /** Sends {@code request} on a new connection and reads until the server closes it. */
  private static String rawExchange(String request) throws Exception {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.httpPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(),
          java.nio.charset.StandardCharsets.ISO_8859_1);
    }
  }

  /**
   * keyway: a packet signed more than pkarr_max_future_skew (1 h) ahead is refused, as the relay
   * does; iroh-dns-server stores it, and it then outranks every honest update of the key.
   */
  @Test
  void packetsFromTheFarFutureAre400() throws Exception {
    SecretKey k = Packets.key(random);
    long twoHoursAhead = (System.currentTimeMillis() + Duration.ofHours(2).toMillis()) * 1_000L;
    HttpResponse<byte[]> future = put(k, Packets.iroh(k, twoHoursAhead, "https://future.example./",
        "192.0.2.1:1").toRelayPayload());
    assertThat(future.statusCode()).isEqualTo(400);
    assertThat(json(future).get("detail").asText()).contains("ahead of this server's clock", "at most 3600 s");
    assertThat(send(HttpRequest.newBuilder(url("/pkarr/" + k.publicKey().toZ32())).GET())
        .statusCode()).isEqualTo(404);
    long halfAnHourAhead = (System.currentTimeMillis() + Duration.ofMinutes(30).toMillis()) * 1_000L;
    assertThat(put(k, Packets.iroh(k, halfAnHourAhead, "https://soon.example./", "192.0.2.1:1")
        .toRelayPayload()).statusCode()).isEqualTo(204);
  }

  @Test
  void pkarrErrorsHaveIrohStatusAndBody() throws Exception {
    SecretKey a = Packets.key(random);
    SecretKey b = Packets.key(random);
    HttpResponse<byte[]> badKey = put("not-a-key", new byte[80]);
    assertThat(badKey.statusCode()).isEqualTo(400);
    assertThat(badKey.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(json(badKey).get("status").asText()).isEqualTo("400");
    assertThat(json(badKey).get("detail").asText()).startsWith("invalid key: ");
    // A's packet PUT under B's key never lands under B (and never answers for B)
    SignedPacket ofA = Packets.iroh(a, Packets.recent(1), "https://a.example./", "192.0.2.1:1");
    HttpResponse<byte[]> wrongKey = put(b, ofA.toRelayPayload());
    assertThat(wrongKey.statusCode()).isEqualTo(400);
    assertThat(json(wrongKey).get("detail").asText()).startsWith("invalid body payload: ");
    assertThat(dig(server.dnsPort(), "_iroh." + b.publicKey().toZ32() + ".dns.example.", "TXT").status())
        .isEqualTo("NXDOMAIN");
    assertThat(put(b, new byte[10]).statusCode()).isEqualTo(400);
    assertThat(put(b, new byte[20_000]).statusCode()).isEqualTo(413);
    HttpResponse<byte[]> none = send(HttpRequest.newBuilder(url("/pkarr/" + b.publicKey().toZ32())).GET());
    assertThat(none.statusCode()).isEqualTo(404);
    assertThat(json(none).get("status").asText()).isEqualTo("404");
    assertThat(json(none).get("detail").isNull()).isTrue();
    assertThat(send(HttpRequest.newBuilder(url("/pkarr/" + b.publicKey().toZ32()))
        .DELETE()).statusCode()).isEqualTo(405);
    assertThat(send(HttpRequest.newBuilder(url("/nope")).GET()).statusCode()).isEqualTo(404);
  }

  @Test
  void healthAndRoot() throws Exception {
    HttpResponse<byte[]> h = send(HttpRequest.newBuilder(url("/healthz")).GET());
    assertThat(h.statusCode()).isEqualTo(200);
    assertThat(json(h).get("status").asText()).isEqualTo("ok");
    assertThat(json(h).has("version")).isTrue();
    assertThat(json(h).get("git_hash").asText()).isEqualTo("unknown");
    assertThat(new String(send(HttpRequest.newBuilder(url("/healthcheck")).GET()).body())).isEqualTo("OK");
    assertThat(new String(send(HttpRequest.newBuilder(url("/")).GET()).body())).isEqualTo("Hi!");
    HttpResponse<byte[]> cors = send(HttpRequest.newBuilder(url("/healthz"))
        .header("origin", "https://app.example").GET());
    assertThat(cors.headers().firstValue("access-control-allow-origin")).hasValue("*");
    // HEAD wherever GET is, as iroh's routes (monitors probe with HEAD): the GET's headers, no body.
    for (String path : new String[] {"/healthz", "/healthcheck", "/", "/pkarr/" + Packets.key(random).publicKey().toZ32()}) {
      HttpResponse<byte[]> head = send(HttpRequest.newBuilder(url(path)).method("HEAD", HttpRequest.BodyPublishers.noBody()));
      HttpResponse<byte[]> get = send(HttpRequest.newBuilder(url(path)).GET());
      assertThat(head.statusCode()).as(path).isEqualTo(get.statusCode());
      assertThat(head.body()).as(path).isEmpty();
      assertThat(head.headers().firstValue("content-type")).as(path).isEqualTo(get.headers().firstValue("content-type"));
    }
    assertThat(send(HttpRequest.newBuilder(url("/healthz")).DELETE()).headers().firstValue("allow"))
        .hasValue("GET, HEAD");
  }

  @Test
  void metricsUseIrohNames() throws Exception {
    dig(server.dnsPort(), "dns.example.", "SOA");
    send(HttpRequest.newBuilder(url("/healthz")).GET());
    String text = new String(send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics")).GET()).body());
    assertThat(text).contains("dns_server_dns_requests_total", "dns_server_dns_requests_udp_total",
        "dns_server_dns_requests_https_total", "dns_server_dns_lookup_success_total",
        "dns_server_dns_lookup_notfound_total", "dns_server_dns_lookup_error_total",
        "dns_server_pkarr_publish_update_total", "dns_server_pkarr_publish_noop_total",
        "dns_server_http_requests_total", "dns_server_http_requests_success_total",
        "dns_server_http_requests_error_total", "dns_server_http_requests_duration_ms_total",
        "dns_server_store_packets_inserted_total", "dns_server_store_packets_updated_total",
        "dns_server_store_packets_expired_total", "dns_server_cache_zones",
        "dns_server_dns_request_duration_seconds_bucket", "dns_server_dns_rrl_dropped_total",
        "jvm_memory_used_bytes{", "process_cpu_usage", "keyway_build_info{");
  }

  /** A request whose client leaves before the answer counts as an error, not a success (found by a review). */
  @Test
  void abortedRequestsAreNotCountedAsSuccesses() throws Exception {
    double success = metric("dns_server_http_requests_success_total");
    double total = metric("dns_server_http_requests_total");
    String z = Packets.key(random).publicKey().toZ32();
    for (int i = 0; i < 5; i++) {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.httpPort())) {
        s.getOutputStream().write(("PUT /pkarr/" + z + " HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n")
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        s.getOutputStream().write(new byte[100]);
        s.getOutputStream().flush();
      }
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (metric("dns_server_http_requests_total") < total + 5 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(metric("dns_server_http_requests_total")).isEqualTo(total + 5);
    assertThat(metric("dns_server_http_requests_success_total")).isEqualTo(success);
  }

  static double metric(String name) throws Exception {
    String text = new String(send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics")).GET()).body());
    for (String line : text.split("\n")) {
      if (line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(name.length() + 1).trim());
      }
    }
    throw new AssertionError("no metric " + name);
  }

  @Test
  void txtOfTheVectorIsTheConcatenatedStrings() throws Exception {
    // multiple strings in one TXT record come back concatenated in JSON
    SecretKey key = Packets.key(random);
    SignedPacket p = SignedPacket.builder().txt("_iroh", 30, "relay=https://", "relay.example./").sign(key, Packets.recent(1));
    assertThat(put(key, p.toRelayPayload()).statusCode()).isEqualTo(204);
    HttpResponse<byte[]> js = send(HttpRequest.newBuilder(url("/dns-query?name=_iroh."
        + key.publicKey().toZ32() + ".&type=TXT")).header("accept", "application/dns-json").GET());
    assertThat(json(js).get("Answer").get(0).get("data").asText())
        .isEqualTo(Packets.txtVector("doh_json_pattern").get("data").asText());
    assertThat(new TXTRecord(Name.root, DClass.IN, 1, "x").getStrings()).hasSize(1);
  }
}
