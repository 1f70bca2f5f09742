package dev.keyway.relay.http;

import static dev.keyway.relay.TestRelay.key;
import static dev.keyway.relay.TestRelay.packet;
import static dev.keyway.relay.TestRelay.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.client.testing.PublicVectors;
import dev.keyway.client.testing.RandomNonceSigner;
import dev.keyway.relay.RawHttp;
import dev.keyway.relay.RelayConfig;
import dev.keyway.relay.TestRelay;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relay's HTTP behaviour against a real server on a real socket with a real H2 store:
 * every status code and header of pkarr v7 (reference/pkarr.md §2), plus keyway's additions.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RelayHttpTest {
  @TempDir static Path dir;
  TestRelay relay;

  @BeforeAll
  void start() {
    relay = TestRelay.start(dir);
  }

  @AfterAll
  void stop() {
    if (relay != null) {
      relay.close();
    }
  }

  static long nowMicros() {
    return System.currentTimeMillis() * 1_000;
  }

  static String path(SecretKey k) {
    return "/" + k.publicKey().toZ32();
  }

  /** A relay payload with a valid signature over arbitrary DNS bytes (unchecked). */
  static byte[] signRaw(SecretKey key, long ts, byte[] dns) {
    ByteArrayOutputStream signable = new ByteArrayOutputStream();
    signable.writeBytes(("3:seqi" + ts + "e1:v" + dns.length + ":").getBytes(StandardCharsets.US_ASCII));
    signable.writeBytes(dns);
    byte[] sig = key.sign(signable.toByteArray());
    return ByteBuffer.allocate(72 + dns.length).put(sig).putLong(ts).put(dns).array();
  }

  // ---- the public vector ----

  @Test
  void publicVectorPutThenGetIsByteIdenticalWithPkarrHeaders(@TempDir Path vectorDir) throws Exception {
    JsonNode v = PublicVectors.named("signed_packets", "pkarr-js-zero-seed");
    byte[] payload = PublicVectors.hex(v, "relay_payload_hex");
    String z32 = v.get("public_key_z32").asText();
    // A clock on the vector's day, so that Date, Last-Modified and Memento-Datetime are its own.
    Clock clock = Clock.fixed(Instant.parse("2023-10-11T10:00:00Z"), ZoneOffset.UTC);
    try (TestRelay r = TestRelay.start(vectorDir, b -> b, clock)) {
      HttpResponse<byte[]> put = r.put("/" + z32, payload);
      assertThat(put.statusCode()).isEqualTo(204);
      assertThat(put.body()).isEmpty();
      assertThat(put.headers().firstValue("Pkarr-Dht-Stored-Nodes")).isEmpty();

      HttpResponse<byte[]> get = r.get("/" + z32);
      assertThat(get.statusCode()).isEqualTo(200);
      assertThat(get.body()).isEqualTo(payload);
      assertThat(get.headers().firstValue("Content-Type")).contains("application/pkarr.org/relays#payload");
      assertThat(get.headers().firstValue("Cache-Control")).contains("public, max-age=300");
      assertThat(get.headers().firstValue("Last-Modified")).contains("Wed, 11 Oct 2023 09:33:47 GMT");
      assertThat(get.headers().firstValue("Memento-Datetime")).contains("Wed, 11 Oct 2023 10:00:00 GMT");
      assertThat(get.headers().firstValue("Content-Length")).contains("224");

      // The same key in pk: form and percent-encoded.
      assertThat(r.get("/pk:" + z32).body()).isEqualTo(payload);
      assertThat(r.get("/pk%3A" + z32).body()).isEqualTo(payload);

      // IMS equal to Last-Modified is still older than the packet (ts has 303 ms more): 200.
      assertThat(r.get("/" + z32, "If-Modified-Since", "Wed, 11 Oct 2023 09:33:47 GMT").statusCode())
          .isEqualTo(200);
      HttpResponse<byte[]> notModified =
          r.get("/" + z32, "If-Modified-Since", "Wed, 11 Oct 2023 09:33:48 GMT");
      assertThat(notModified.statusCode()).isEqualTo(304);
      assertThat(notModified.body()).isEmpty();
      assertThat(notModified.headers().firstValue("Last-Modified")).contains("Wed, 11 Oct 2023 09:33:47 GMT");
      assertThat(notModified.headers().firstValue("Cache-Control")).contains("public, max-age=300");
      assertThat(notModified.headers().firstValue("Memento-Datetime")).isPresent();
      assertThat(notModified.headers().firstValue("Content-Type")).contains("application/pkarr.org/relays#payload");
    }
  }

  // ---- GET ----

  @Test
  void getOfUnknownKeyIs404WithEmptyBody() throws Exception {
    HttpResponse<byte[]> r = relay.get(path(key(404)));
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.body()).isEmpty();
    // A 404 is heuristically cacheable: a CDN must not keep it once the key is published.
    assertThat(r.headers().firstValue("Cache-Control")).contains("no-cache");
  }

  @Test
  void lastModifiedIsNeverAfterDate() throws Exception {
    SecretKey k = key(23);
    long ahead = nowMicros() + Duration.ofMinutes(30).toNanos() / 1000; // within the 1 h skew
    assertThat(relay.put(packet(k, ahead, "ahead")).statusCode()).isEqualTo(204);
    HttpResponse<byte[]> get = relay.get(path(k));
    long date = HttpDates.parse(get.headers().firstValue("Date").orElseThrow());
    long lastModified = HttpDates.parse(get.headers().firstValue("Last-Modified").orElseThrow());
    assertThat(lastModified).isLessThanOrEqualTo(date).isGreaterThanOrEqualTo(date - 5);
    // The 304 rule still compares the signed timestamp: an If-Modified-Since of "now" is older.
    assertThat(relay.get(path(k), "If-Modified-Since", HttpDates.format(date)).statusCode())
        .isEqualTo(200);
  }

  @Test
  void ifNoneMatchTakesPrecedenceOverIfModifiedSince() throws Exception {
    SecretKey k = key(24);
    assertThat(relay.put(packet(k, nowMicros() - 10_000_000, "inm")).statusCode()).isEqualTo(204);
    String later = HttpDates.format(System.currentTimeMillis() / 1000 + 60);
    assertThat(relay.get(path(k), "If-Modified-Since", later).statusCode()).isEqualTo(304);
    // No ETag is ever sent, so no tag matches, and If-Modified-Since is then ignored (§13.1.3).
    assertThat(relay.get(path(k), "If-None-Match", "\"abc\"", "If-Modified-Since", later).statusCode())
        .isEqualTo(200);
    assertThat(relay.get(path(k), "If-None-Match", "*").statusCode()).isEqualTo(304);
    assertThat(relay.get(path(key(25)), "If-None-Match", "*").statusCode()).isEqualTo(404);
    // A date that names no real time is ignored, not corrected to one.
    assertThat(relay.get(path(k), "If-Modified-Since", "Sat, 30 Feb 2999 00:00:00 GMT").statusCode())
        .isEqualTo(200);
  }

  @Test
  void headHasTheHeadersOfGetAndNoBody() throws Exception {
    SignedPacket p = packet(key(11), nowMicros(), "head");
    assertThat(relay.put(p).statusCode()).isEqualTo(204);
    HttpResponse<byte[]> get = relay.get(path(key(11)));
    HttpResponse<byte[]> head = relay.head(path(key(11)));
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    for (String h : new String[] {"Content-Type", "Cache-Control", "Last-Modified", "Memento-Datetime",
        "Content-Length"}) {
      assertThat(head.headers().firstValue(h)).as(h).isEqualTo(get.headers().firstValue(h));
    }
    assertThat(relay.head(path(key(12))).statusCode()).isEqualTo(404);
  }

  @Test
  void ifModifiedSinceUsesFullTimestampPrecision() throws Exception {
    long second = System.currentTimeMillis() / 1000 - 10;
    SecretKey k = key(21);
    assertThat(relay.put(packet(k, second * 1_000_000 + 500_000, "half")).statusCode()).isEqualTo(204);
    String sameSecond = HttpDates.format(second);
    // pkarr-relay's not_modified_uses_full_packet_timestamp_precision: ts = S.5 is newer than IMS = S.
    assertThat(relay.get(path(k), "If-Modified-Since", sameSecond).statusCode()).isEqualTo(200);
    assertThat(relay.get(path(k), "If-Modified-Since", HttpDates.format(second + 1)).statusCode()).isEqualTo(304);

    SecretKey exact = key(22);
    assertThat(relay.put(packet(exact, second * 1_000_000, "exact")).statusCode()).isEqualTo(204);
    assertThat(relay.get(path(exact), "If-Modified-Since", sameSecond).statusCode()).isEqualTo(304);
    assertThat(relay.get(path(exact), "If-Modified-Since", HttpDates.format(second - 1)).statusCode()).isEqualTo(200);
    // The two obsolete date forms, and garbage (ignored).
    assertThat(relay.get(path(exact), "If-Modified-Since", "Thursday, 01-Jan-70 00:00:00 GMT").statusCode())
        .isEqualTo(200);
    assertThat(relay.get(path(exact), "If-Modified-Since", "Thu Dec 31 23:59:59 2099").statusCode())
        .isEqualTo(304);
    assertThat(relay.get(path(exact), "If-Modified-Since", "yesterday").statusCode()).isEqualTo(200);
  }

  @Test
  void cacheControlIsTheMinimumRecordTtlClamped() throws Exception {
    SecretKey k = key(31);
    SignedPacket p = SignedPacket.builder().txt("a", 7200, "x").txt("b", 3600, "y").sign(k, nowMicros());
    relay.put(p);
    assertThat(relay.get(path(k)).headers().firstValue("Cache-Control")).contains("public, max-age=3600");
    SecretKey big = key(32);
    relay.put(SignedPacket.builder().txt("a", 1_000_000, "x").sign(big, nowMicros()));
    assertThat(relay.get(path(big)).headers().firstValue("Cache-Control")).contains("public, max-age=86400");
  }

  @Test
  void policyValuesAreAcceptedAndAnythingElseIs400() throws Exception {
    SecretKey k = key(41);
    relay.put(packet(k, nowMicros(), "policy"));
    for (String policy : new String[] {"CacheOnly", "CacheFirst", "NetworkOnly"}) {
      assertThat(relay.get(path(k) + "?policy=" + policy).statusCode()).as(policy).isEqualTo(200);
    }
    assertThat(relay.get(path(key(42)) + "?policy=CacheOnly").statusCode()).isEqualTo(404);
    HttpResponse<byte[]> bad = relay.get(path(k) + "?policy=cacheonly");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(text(bad)).contains("policy");
    assertThat(relay.get(path(k) + "?policy=").statusCode()).isEqualTo(400);
    assertThat(relay.get(path(k) + "?other=1").statusCode()).isEqualTo(200);
    // As serde_urlencoded in pkarr-relay: a repeated field and broken percent-encoding are 400
    // (the latter used to escape as a 500 with a stack trace in the log).
    HttpResponse<byte[]> twice = relay.get(path(k) + "?policy=CacheOnly&policy=Bogus");
    assertThat(twice.statusCode()).isEqualTo(400);
    assertThat(text(twice)).contains("duplicate");
    for (String query : new String[] {"?policy=%ZZ", "?x=%", "?%E0%A4%A=1"}) {
      String raw = RawHttp.exchange(relay.server.port(), "GET " + path(k) + query + " HTTP/1.1\r\nHost: x\r\n", null);
      assertThat(RawHttp.status(raw)).as(query).isEqualTo(400);
      assertThat(raw).as(query).contains("malformed query");
    }
  }

  @Test
  void badKeysInThePathAre400WithAReason() throws Exception {
    HttpResponse<byte[]> notOnCurve = relay.get("/c1bkg8tfsyy8wcedtmw4fwhdmm7bbzhgg3z58tf43m5ow8w9mbus");
    assertThat(notOnCurve.statusCode()).isEqualTo(400);
    assertThat(text(notOnCurve)).containsIgnoringCase("point");
    assertThat(relay.get("/abc").statusCode()).isEqualTo(400);
    assertThat(text(relay.get("/abc"))).contains("52");
    assertThat(relay.put("/abc", new byte[100]).statusCode()).isEqualTo(400);
    assertThat(relay.get("/" + "8".repeat(52)).statusCode()).isEqualTo(400);
    String raw = RawHttp.exchange(relay.server.port(), "GET /%zz HTTP/1.1\r\nHost: x\r\n", null);
    assertThat(RawHttp.status(raw)).isEqualTo(400);
  }

  @Test
  void expectContinueAndLyingContentLength() throws Exception {
    SecretKey k = key(131);
    byte[] payload = packet(k, nowMicros(), "continue").toRelayPayload();
    String ok = RawHttp.exchange(relay.server.port(), "PUT " + path(k) + " HTTP/1.1\r\nHost: x\r\n"
        + "Expect: 100-continue\r\nContent-Length: " + payload.length + "\r\n", payload);
    assertThat(RawHttp.status(ok)).isEqualTo(204);
    // Too large by declaration: refused without the body being sent.
    String big = RawHttp.exchange(relay.server.port(), "PUT " + path(key(132)) + " HTTP/1.1\r\nHost: x\r\n"
        + "Expect: 100-continue\r\nContent-Length: 2097152\r\n", null);
    assertThat(RawHttp.status(big)).isEqualTo(413);
    String bad = RawHttp.exchange(relay.server.port(), "PUT " + path(key(133)) + " HTTP/1.1\r\nHost: x\r\n"
        + "Content-Length: -5\r\n", null);
    assertThat(RawHttp.status(bad)).isEqualTo(400);
    // An HTTP/1.0 client must not get a 1xx (RFC 9110 §15.2): the final answer only.
    SecretKey old = key(134);
    byte[] oldPayload = packet(old, nowMicros(), "http/1.0").toRelayPayload();
    String http10 = RawHttp.exchange(relay.server.port(), "PUT " + path(old) + " HTTP/1.0\r\n"
        + "Expect: 100-continue\r\nContent-Length: " + oldPayload.length + "\r\n", oldPayload);
    assertThat(http10).doesNotContain("100 Continue");
    assertThat(RawHttp.status(http10)).isEqualTo(204);
  }

  /**
   * A PUT refused before its 100 Continue (here for a bad key) closes the connection: its client
   * may never send the body, and the next request on the connection would be read as the body.
   */
  @Test
  void aRefusalBeforeTheContinueClosesTheConnection() throws Exception {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", relay.server.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("PUT /not-a-key HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
          + "Content-Length: 200\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String answer = new String(s.getInputStream().readAllBytes(), // ends once the relay closes
          java.nio.charset.StandardCharsets.ISO_8859_1);
      assertThat(RawHttp.status(answer)).isEqualTo(400);
      assertThat(answer).doesNotContain("100 Continue").containsIgnoringCase("connection: close");
    }
  }

  /**
   * A PUT whose client goes away mid-body, or whose body grows past the limit, is forgotten at
   * once: its body-timeout watch held the request, the connection and the body for the whole
   * timeout (30 s), and enough aborted uploads exhausted the heap (found by a review).
   */
  @Test
  void bodiesAbandonedOrTooLargeAreForgottenAtOnceNotAtTheBodyTimeout() throws Exception {
    byte[] head = ("PUT " + path(key(60)) + " HTTP/1.1\r\nHost: x\r\nContent-Length: 1104\r\n\r\n")
        .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    List<java.net.Socket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        java.net.Socket s = new java.net.Socket("127.0.0.1", relay.server.port());
        sockets.add(s);
        s.getOutputStream().write(head);
        s.getOutputStream().write(new byte[100]);
        s.getOutputStream().flush();
      }
      awaitMetric("relay_put_bodies_receiving", 20);
    } finally {
      for (java.net.Socket s : sockets) {
        s.close();
      }
    }
    awaitMetric("relay_put_bodies_receiving", 0);

    // A chunked body past 1104 bytes: 413, and its watch ends with it.
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", relay.server.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("PUT " + path(key(61)) + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "7d0\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      s.getOutputStream().write(new byte[2000]);
      s.getOutputStream().write("\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      String answer = new String(s.getInputStream().readNBytes(12), java.nio.charset.StandardCharsets.ISO_8859_1);
      assertThat(answer).isEqualTo("HTTP/1.1 413");
      awaitMetric("relay_put_bodies_receiving", 0);
    }
  }

  /** Waits up to 5 s (far less than the 30 s body timeout) for a metric to reach {@code value}. */
  private void awaitMetric(String name, double value) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    double now;
    while ((now = metricValue(relay.metrics(), name)) != value) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(name + " is " + now + ", not " + value);
      }
      Thread.sleep(20);
    }
  }

  @Test
  void otherPathsAndMethods() throws Exception {
    assertThat(relay.get(path(key(1)) + "/extra").statusCode()).isEqualTo(404);
    HttpResponse<byte[]> delete = relay.send(HttpRequest.newBuilder(relay.uri(path(key(1)))).DELETE());
    assertThat(delete.statusCode()).isEqualTo(405);
    assertThat(delete.headers().firstValue("Allow")).contains("GET, HEAD, PUT, OPTIONS");
    assertThat(relay.put("/", new byte[10]).statusCode()).isEqualTo(405);
  }

  // ---- PUT ----

  @Test
  void republishOlderAndNewer() throws Exception {
    SecretKey k = key(51);
    long ts = nowMicros();
    SignedPacket first = packet(k, ts, "first");
    assertThat(relay.put(first).statusCode()).isEqualTo(204);
    assertThat(relay.put(first).statusCode()).as("identical bytes again").isEqualTo(204);
    HttpResponse<byte[]> older = relay.put(packet(k, ts - 1, "older"));
    assertThat(older.statusCode()).isEqualTo(409);
    assertThat(text(older)).contains("more recent");
    assertThat(relay.get(path(k)).body()).isEqualTo(first.toRelayPayload());
    SignedPacket newer = packet(k, ts + 1, "newer");
    // If-Match (pkarr 5/6 compare-and-swap) is accepted and ignored.
    assertThat(relay.put(newer, "If-Match", "12345").statusCode()).isEqualTo(204);
    assertThat(relay.get(path(k)).body()).isEqualTo(newer.toRelayPayload());
  }

  /**
   * A republish of the stored packet's exact bytes is answered from the store without a second
   * signature check; a body that differs from it in one signature bit is still verified (400).
   */
  @Test
  void theStoredBytesAgainSkipVerificationAForgedSignatureDoesNot() throws Exception {
    SecretKey k = key(53);
    SignedPacket p = packet(k, nowMicros(), "again");
    assertThat(relay.put(p).statusCode()).isEqualTo(204);
    double skippedBefore = metricValue(relay.metrics(), "relay_verify_skipped_total");
    assertThat(relay.put(p).statusCode()).isEqualTo(204);
    assertThat(metricValue(relay.metrics(), "relay_verify_skipped_total"))
        .isEqualTo(skippedBefore + 1);
    byte[] forged = p.toRelayPayload();
    forged[0] ^= 1;
    HttpResponse<byte[]> r = relay.put(path(k), forged);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(text(r)).contains("signature does not verify");
    assertThat(metricValue(relay.metrics(), "relay_verify_skipped_total"))
        .isEqualTo(skippedBefore + 1);
    assertThat(relay.get(path(k)).body()).isEqualTo(p.toRelayPayload());
  }

  @Test
  void sameRecordsUnderAnotherSignatureAre204AndKeepTheStoredBytes() throws Exception {
    // pkarr's relay rejects only a packet that the cached one is more recent than; an equally
    // recent one (same timestamp and DNS, a random-nonce signer's other signature) is a republish.
    SecretKey k = key(52);
    SignedPacket first = packet(k, nowMicros(), "same");
    SignedPacket resigned = RandomNonceSigner.resign(first, k, new Random(52));
    assertThat(resigned.toRelayPayload()).isNotEqualTo(first.toRelayPayload());
    assertThat(relay.put(first).statusCode()).isEqualTo(204);
    assertThat(relay.put(resigned).statusCode()).isEqualTo(204);
    assertThat(relay.get(path(k)).body()).isEqualTo(first.toRelayPayload());
  }

  @Test
  void badPayloadsAre400AndNotStored() throws Exception {
    SecretKey k = key(61);
    SecretKey other = key(62);
    SignedPacket good = packet(k, nowMicros(), "good");
    byte[] payload = good.toRelayPayload();

    // truncated: shorter than signature + timestamp, and cut inside the DNS message
    expect400(path(k), Arrays.copyOf(payload, 40), "at least 72");
    expect400(path(k), Arrays.copyOf(payload, payload.length - 5), "signature");
    // wrong key in the path: the signature does not verify for it
    expect400(path(other), payload, "signature");
    assertThat(relay.get(path(other)).statusCode()).isEqualTo(404);
    // invalid point in the path
    expect400("/c1bkg8tfsyy8wcedtmw4fwhdmm7bbzhgg3z58tf43m5ow8w9mbus", payload, "point");
    // a valid signature over bytes that are not a DNS message
    expect400(path(k), signRaw(k, nowMicros(), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}), "DNS");
    // too large for a payload but within the body limit: 400 as pkarr-relay
    expect400(path(k), signRaw(k, nowMicros(), new byte[1001]), "at most");
    // empty body
    expect400(path(k), new byte[0], "at least 72");

    assertThat(relay.get(path(k)).statusCode()).as("nothing was stored").isEqualTo(404);
    assertThat(relay.put(good).statusCode()).isEqualTo(204);
  }

  private void expect400(String path, byte[] body, String reason) throws Exception {
    HttpResponse<byte[]> r = relay.put(path, body);
    assertThat(r.statusCode()).as("PUT %s (%d bytes): %s", path, body.length, text(r)).isEqualTo(400);
    assertThat(text(r)).containsIgnoringCase(reason);
  }

  @Test
  void bodiesOverTheLimitAre413AndNotStored() throws Exception {
    SecretKey k = key(71);
    HttpResponse<byte[]> justOver = relay.put(path(k), new byte[1105]);
    assertThat(justOver.statusCode()).isEqualTo(413);
    HttpResponse<byte[]> twoMb = relay.put(path(k), new byte[2 << 20]);
    assertThat(twoMb.statusCode()).isEqualTo(413);
    // A chunked body (no Content-Length) is cut off as soon as it passes the limit.
    HttpResponse<byte[]> chunked = relay.send(HttpRequest.newBuilder(relay.uri(path(k)))
        .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(new byte[2 << 20]))));
    assertThat(chunked.statusCode()).isEqualTo(413);
    assertThat(relay.get(path(k)).statusCode()).isEqualTo(404);
    // The relay still works afterwards.
    assertThat(relay.put(packet(k, nowMicros(), "after")).statusCode()).isEqualTo(204);
  }

  /**
   * Over HTTP/2 (h2c, prior knowledge, with curl) early rejections reach the client: the answer
   * must not carry {@code Connection: close} (forbidden in HTTP/2, it made the stream fail with
   * PROTOCOL_ERROR and curl report no status at all) and the body is stopped by resetting the
   * stream, not the connection. (h2c is off by default: {@code [http] h2c = true}.)
   */
  @Test
  void earlyRejectionsOverHttp2ReachTheClient(@TempDir Path files) throws Exception {
    SecretKey k = key(72);
    Path big = Files.write(files.resolve("big"), new byte[2000]);
    Path packet = Files.write(files.resolve("packet"), packet(k, nowMicros(), "h2").toRelayPayload());
    try (TestRelay h2c = TestRelay.start(files.resolve("data"), b -> b.http(new RelayConfig.Http(
        "127.0.0.1", 0, "/", RelayConfig.DEFAULT_MAX_FUTURE_SKEW, 1, Duration.ofSeconds(5))
        .withH2c(true)), Clock.systemUTC())) {
      earlyRejectionsOverHttp2(k, big, packet, "http://127.0.0.1:" + h2c.server.port());
    }
  }

  private void earlyRejectionsOverHttp2(SecretKey k, Path big, Path packet, String base)
      throws Exception {
    assertThat(curlHttp2("-X", "PUT", "--data-binary", "@" + big, base + path(k))).startsWith("413");
    // No Content-Length (curl streams stdin): rejected by the key before the body is read.
    assertThat(curlHttp2("-X", "PUT", "-H", "Content-Length:", "--data-binary", "@" + packet,
        base + "/badkey")).startsWith("400");
    assertThat(curlHttp2("-X", "PUT", "--data-binary", "@" + packet, base + path(k))).startsWith("204");
    assertThat(curlHttp2(base + path(k))).startsWith("200");
  }

  /** curl over h2c with prior knowledge: "{status} {http version}", or the failure. */
  private static String curlHttp2(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("curl", "--silent", "--show-error",
        "--http2-prior-knowledge", "--max-time", "20", "--output", "/dev/null",
        "--write-out", "%{http_code} %{http_version}"));
    cmd.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError("curl is needed (Debian package curl, in .ci/packages.txt)", e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("curl %s: %s", String.join(" ", args), out).isZero();
    assertThat(out).endsWith(" 2");
    return out;
  }

  @Test
  void farFutureTimestampsAre400() throws Exception {
    SecretKey k = key(81);
    long started = System.nanoTime();
    long inTwoHours = nowMicros() + Duration.ofHours(2).toNanos() / 1000;
    HttpResponse<byte[]> r = relay.put(packet(k, inTwoHours, "future"));
    long tookMillis = (System.nanoTime() - started) / 1_000_000;
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(text(r)).contains(" s ahead of this server's clock; at most 3600 s");
    if (tookMillis < 900) {
      // 7200 s less the few ms since nowMicros(): rounded up, not down to "7199 s" (unless a
      // loaded machine took a whole second to sign and send the packet)
      assertThat(text(r)).contains("7200 s ahead of this server's clock; at most 3600 s");
    }
    assertThat(relay.get(path(k)).statusCode()).isEqualTo(404);
    long inHalfAnHour = nowMicros() + Duration.ofMinutes(30).toNanos() / 1000;
    assertThat(relay.put(packet(k, inHalfAnHour, "soon")).statusCode()).isEqualTo(204);
  }

  /**
   * A packet signed longer ago than the store's eviction age (7 days) is stored, kept and served,
   * as by pkarr-relay: pkarr's republishers send a packet's first signature again for as long
   * as they keep it alive, and the store keeps a packet that long after its last PUT.
   */
  @Test
  void packetsSignedLongAgoAreKeptWhilePublished() throws Exception {
    SecretKey k = key(84);
    SignedPacket old = packet(k, nowMicros() - Duration.ofDays(30).toNanos() / 1000, "old");
    assertThat(relay.put(old).statusCode()).isEqualTo(204);
    ((dev.keyway.relay.store.JdbcPacketStore) relay.server.store()).runMaintenance()
        .get(10, TimeUnit.SECONDS); // an age eviction run
    HttpResponse<byte[]> got = relay.get(path(k));
    assertThat(got.statusCode()).isEqualTo(200);
    assertThat(got.body()).isEqualTo(old.toRelayPayload());
    assertThat(relay.put(old).statusCode()).as("republished").isEqualTo(204);
  }

  @Test
  void withoutAgeEvictionAnyAgeIsKept(@TempDir Path other) throws Exception {
    try (TestRelay r = TestRelay.start(other, b -> b.store(dev.keyway.relay.store.StoreOptions
        .defaults().toBuilder().maxAge(Duration.ZERO).build()), Clock.systemUTC())) {
      assertThat(r.put(packet(key(85), 1_000_000, "1970")).statusCode()).isEqualTo(204);
    }
  }

  /**
   * {@code request_header_timeout} reaches the relay's listener: a client that connects and
   * sends nothing, or trickles a head, is cut off (h2c is off, so the watch starts at once).
   */
  @Test
  void theHeaderTimeoutClosesSilentAndTrickledConnections(@TempDir Path other) throws Exception {
    try (TestRelay r = TestRelay.start(other, b -> b.http(new RelayConfig.Http("127.0.0.1", 0, "/",
        RelayConfig.DEFAULT_MAX_FUTURE_SKEW, 1, Duration.ofSeconds(1), Duration.ofSeconds(30),
        Duration.ofSeconds(1), false)), Clock.systemUTC())) {
      for (String sent : new String[] {"", "GET /healthz HTTP/1.1\r\nHost: x\r\n"}) {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", r.server.port())) {
          s.setSoTimeout(10_000);
          s.getOutputStream().write(sent.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          long start = System.nanoTime();
          assertThat(s.getInputStream().read()).as("closed, nothing answered (sent %s)", sent)
              .isEqualTo(-1);
          assertThat(Duration.ofNanos(System.nanoTime() - start))
              .isGreaterThan(Duration.ofMillis(900)).isLessThan(Duration.ofSeconds(8));
        }
      }
    }
  }

  @Test
  void zeroSkewTurnsTheFutureCheckOff(@TempDir Path other) throws Exception {
    try (TestRelay r = TestRelay.start(other, b -> b.http(new RelayConfig.Http("127.0.0.1", 0, "/",
        Duration.ZERO, 1, Duration.ofSeconds(1))), Clock.systemUTC())) {
      long farAhead = nowMicros() + Duration.ofDays(365).toNanos() / 1000;
      assertThat(r.put(packet(key(82), farAhead, "far")).statusCode()).isEqualTo(204);
      // past year 9999 an HTTP-date has no four-digit year: the last one it can name
      assertThat(r.put(packet(key(83), 1L << 62, "very far")).statusCode()).isEqualTo(204);
      // Never a Last-Modified after Date (RFC 9110 §8.8.2.1): the packet is "modified now".
      HttpResponse<byte[]> veryFar = r.get(path(key(83)));
      assertThat(HttpDates.parse(veryFar.headers().firstValue("Last-Modified").orElseThrow()))
          .isLessThanOrEqualTo(HttpDates.parse(veryFar.headers().firstValue("Date").orElseThrow()));
    }
  }

  /** What Netty's parser refuses still gets a Date and a reason, and the connection closes. */
  @Test
  void requestsTheParserRefusesGetAStatusADateAndAReason() throws Exception {
    int port = relay.server.port();
    String longLine = RawHttp.exchange(port, "GET /" + "a".repeat(5_000) + " HTTP/1.1\r\nHost: r\r\n", null);
    assertThat(RawHttp.status(longLine)).isEqualTo(414);
    assertThat(longLine.toLowerCase(java.util.Locale.ROOT)).contains("\r\ndate: ", "\r\nconnection: close");
    assertThat(longLine).endsWith("URI Too Long: the request line is over 4096 bytes");
    String bigHeaders = RawHttp.exchange(port, "GET / HTTP/1.1\r\nHost: r\r\nX-Big: "
        + "b".repeat(9_000) + "\r\n", null);
    assertThat(RawHttp.status(bigHeaders)).isEqualTo(431);
    assertThat(bigHeaders.toLowerCase(java.util.Locale.ROOT)).contains("\r\ndate: ");
    assertThat(bigHeaders).contains("Request Header Fields Too Large");
    String garbage = RawHttp.exchange(port, "GET / HTTP/1.1\r\nHost: r\r\nContent-Length: 1\r\n"
        + "Content-Length: 2\r\n", null);
    assertThat(RawHttp.status(garbage)).isEqualTo(400);
    assertThat(garbage.toLowerCase(java.util.Locale.ROOT)).contains("\r\ndate: ");
    assertThat(garbage).contains("Bad Request");
  }

  @Test
  void lastModifiedIsNeverAfterTheDateSentEvenWhenTheRequestCrossesASecond(@TempDir Path other)
      throws Exception {
    // The relay's clock 2 s ahead of the one Date is taken from stands for a request that
    // arrived (Date) in one second and was answered in the next: a packet signed "now" by the
    // relay's clock is after the Date sent.
    Clock ahead = Clock.offset(Clock.systemUTC(), Duration.ofSeconds(2));
    try (TestRelay r = TestRelay.start(other, b -> b, ahead)) {
      SecretKey k = key(87);
      long now = Math.multiplyExact(ahead.millis(), 1_000L);
      assertThat(r.put(packet(k, now, "now")).statusCode()).isEqualTo(204);
      HttpResponse<byte[]> got = r.get(path(k));
      long lastModified = HttpDates.parse(got.headers().firstValue("Last-Modified").orElseThrow());
      assertThat(lastModified).isLessThanOrEqualTo(
          HttpDates.parse(got.headers().firstValue("Date").orElseThrow()));
      // a packet well in the past keeps its own time
      SecretKey old = key(88);
      long hourAgo = now - Duration.ofHours(1).toNanos() / 1_000;
      assertThat(r.put(packet(old, hourAgo, "old")).statusCode()).isEqualTo(204);
      assertThat(HttpDates.parse(r.get(path(old)).headers().firstValue("Last-Modified").orElseThrow()))
          .isEqualTo(Math.floorDiv(hourAgo, 1_000_000L));
    }
  }

  @Test
  void aBodyTricklingPastTheBodyTimeoutGets408AndItsConnectionCloses(@TempDir Path other)
      throws Exception {
    SecretKey k = key(86);
    byte[] payload = packet(k, nowMicros(), "slow").toRelayPayload();
    try (TestRelay r = TestRelay.start(other, b -> b.http(new RelayConfig.Http("127.0.0.1", 0, "/",
            RelayConfig.DEFAULT_MAX_FUTURE_SKEW, 1, Duration.ofSeconds(1), Duration.ofMillis(600))),
            Clock.systemUTC());
        java.net.Socket s = new java.net.Socket("127.0.0.1", r.server.port())) {
      s.setSoTimeout(20_000);
      java.io.OutputStream out = s.getOutputStream();
      java.io.InputStream in = s.getInputStream();
      out.write(("PUT " + path(k) + " HTTP/1.1\r\nHost: relay\r\nContent-Length: " + payload.length
          + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      // A byte every 100 ms, which would keep an idle timeout from ever firing, never the whole
      // body; until the server answers (bounded: the loop cannot outlast the payload).
      for (int sent = 0; sent < payload.length - 1 && in.available() == 0; sent++) {
        out.write(payload[sent]);
        out.flush();
        Thread.sleep(100); // pacing the client, not waiting for the server
      }
      String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1); // until closed
      assertThat(answer).startsWith("HTTP/1.1 408 ");
      assertThat(answer.toLowerCase(java.util.Locale.ROOT)).contains("\r\nconnection: close\r\n");
      assertThat(answer).endsWith("Request Timeout: the body did not arrive within 600ms");
      assertThat(r.get(path(k)).statusCode()).isEqualTo(404);
      assertThat(r.metrics()).contains("relay_publishes_total{outcome=\"timeout\"} 1.0");
      // Any route: a GET announcing a body it never sends in full is answered (404), and its
      // connection, which waits for the rest, still ends at the timeout.
      try (java.net.Socket g = new java.net.Socket("127.0.0.1", r.server.port())) {
        g.setSoTimeout(20_000);
        g.getOutputStream().write(("GET " + path(k) + " HTTP/1.1\r\nHost: relay\r\n"
            + "Content-Length: 1000\r\n\r\nab").getBytes(StandardCharsets.ISO_8859_1));
        String got = new String(g.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(got).startsWith("HTTP/1.1 404 ");
      }
      // a body that does arrive in time is not affected, on a connection kept alive
      assertThat(r.put(packet(k, nowMicros(), "fast")).statusCode()).isEqualTo(204);
      assertThat(r.put(packet(k, nowMicros(), "fast again")).statusCode()).isEqualTo(204);
    }
  }

  // ---- base path, CORS, status, health, metrics ----

  /**
   * A database that closed itself (H2 does after a failed write: a full disk) leaves a relay
   * that refuses every PUT: /healthz says so with 503, so a supervisor or load balancer can act.
   */
  @Test
  void aFailedStoreIsUnhealthy(@TempDir Path other) throws Exception {
    try (TestRelay r = TestRelay.start(other)) {
      SignedPacket p = packet(key(93), nowMicros(), "before");
      assertThat(r.put(p).statusCode()).isEqualTo(204);
      assertThat(r.get("/healthz").statusCode()).isEqualTo(200);
      try (java.sql.Connection c = dev.keyway.relay.store.H2Dialect.file(other).connect();
          java.sql.Statement st = c.createStatement()) {
        st.execute("SHUTDOWN");
      }
      assertThat(r.put(packet(key(94), nowMicros(), "after")).statusCode()).isEqualTo(500);
      HttpResponse<byte[]> health = r.get("/healthz");
      assertThat(health.statusCode()).isEqualTo(503);
      assertThat(new String(health.body(), StandardCharsets.UTF_8))
          .contains("\"status\":\"unavailable\"", "packet store failed");
      assertThat(r.put(packet(key(95), nowMicros(), "later")).statusCode()).isEqualTo(500);
      assertThat(r.get(path(key(93))).statusCode()).as("cached reads still work").isEqualTo(200);
    }
  }

  @Test
  void basePathPrefixesEveryRoute(@TempDir Path other) throws Exception {
    try (TestRelay r = TestRelay.start(other, b -> b.http(new RelayConfig.Http("127.0.0.1", 0, "/pkarr/",
        RelayConfig.DEFAULT_MAX_FUTURE_SKEW, 1, Duration.ofSeconds(1))), Clock.systemUTC())) {
      assertThat(r.base.toString()).endsWith("/pkarr");
      SignedPacket p = packet(key(91), nowMicros(), "prefixed");
      assertThat(r.put(p).statusCode()).isEqualTo(204);
      assertThat(r.get("/" + p.publicKey().toZ32()).body()).isEqualTo(p.toRelayPayload());
      assertThat(r.get("/healthz").statusCode()).isEqualTo(200);
      assertThat(r.get("").statusCode()).isEqualTo(200);
      HttpResponse<String> outside = r.client.send(HttpRequest.newBuilder(
          java.net.URI.create("http://127.0.0.1:" + r.server.port() + "/" + p.publicKey().toZ32())).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(outside.statusCode()).isEqualTo(404);
    }
  }

  @Test
  void corsMirrorsTheOriginAndExposesPkarrHeaders() throws Exception {
    SecretKey k = key(101);
    relay.put(packet(k, nowMicros(), "cors"));
    HttpResponse<byte[]> get = relay.get(path(k), "Origin", "https://app.example");
    assertThat(get.headers().firstValue("Access-Control-Allow-Origin")).contains("https://app.example");
    assertThat(get.headers().firstValue("Access-Control-Allow-Credentials")).contains("true");
    assertThat(get.headers().firstValue("Access-Control-Expose-Headers").orElseThrow())
        .contains("Pkarr-Dht-Stored-Nodes", "Pkarr-Invalid-Signed-Packet-Seq", "Memento-Datetime",
            "Retry-After");
    HttpResponse<byte[]> noOrigin = relay.get(path(k));
    assertThat(noOrigin.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    // ...but still the Vary of tower-http's CORS layer, so a shared cache keeps both variants apart.
    assertThat(noOrigin.headers().firstValue("Vary")).contains(Cors.VARY);
    assertThat(get.headers().firstValue("Vary")).contains(Cors.VARY);
    assertThat(relay.get(path(key(102)), "Origin", "https://a.example").headers()
        .firstValue("Access-Control-Allow-Origin")).contains("https://a.example");

    HttpResponse<byte[]> preflight = relay.send(HttpRequest.newBuilder(relay.uri(path(k)))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody()),
        "Origin", "https://app.example", "Access-Control-Request-Method", "PUT",
        "Access-Control-Request-Headers", "content-type");
    assertThat(preflight.statusCode()).isEqualTo(200);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).contains("https://app.example");
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods")).contains("PUT");
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers")).contains("content-type");
    HttpResponse<byte[]> options = relay.send(HttpRequest.newBuilder(relay.uri(path(k)))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
    assertThat(options.statusCode()).isEqualTo(204);
  }

  @Test
  void everyAnswerIsDatedAndHttp11NeedsAHost() throws Exception {
    SecretKey k = key(111);
    long now = System.currentTimeMillis() / 1000;
    for (HttpResponse<byte[]> r : List.of(relay.put(packet(k, nowMicros(), "dated")),
        relay.get(path(k)), relay.get(path(key(112))), relay.get("/healthz"), relay.get("/"))) {
      Long date = HttpDates.parse(r.headers().firstValue("Date").orElseThrow());
      assertThat(date).as("%s", r).isBetween(now - 60, now + 60);
    }
    String noHost = RawHttp.exchange(relay.server.port(), "GET /healthz HTTP/1.1\r\n", null);
    assertThat(RawHttp.status(noHost)).isEqualTo(400);
    assertThat(noHost).contains("Host");
    String twoHosts = RawHttp.exchange(relay.server.port(),
        "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n", null);
    assertThat(RawHttp.status(twoHosts)).isEqualTo(400);
    assertThat(RawHttp.status(RawHttp.exchange(relay.server.port(), "GET /healthz HTTP/1.0\r\n",
        null))).isEqualTo(200);
  }

  /**
   * A body under a coding is not read as if it were the bytes sent: a transfer coding besides
   * chunked is a 501 (RFC 9112 §6.1) and the connection closes, a content coding a 415 with
   * {@code Accept-Encoding: identity}; nothing is stored, though the bytes are a valid payload
   * (pkarr-relay reads them as sent and stores them).
   */
  @Test
  void bodiesUnderACodingAreRefusedNotStored() throws Exception {
    int seed = 170;
    for (String[] c : new String[][] {
        {"Transfer-Encoding: gzip, chunked", "501", "Transfer-Encoding gzip is not supported"},
        {"Transfer-Encoding: x-custom;q=1 , Chunked", "501", "Transfer-Encoding x-custom is not supported"},
        {"Content-Encoding: gzip\r\nTransfer-Encoding: chunked", "415", "Content-Encoding gzip is not supported"},
        {"Content-Encoding: identity, br\r\nTransfer-Encoding: chunked", "415", "Content-Encoding br"}}) {
      SecretKey k = key(seed++);
      boolean closes = c[1].equals("501");
      // A 501 request does not ask to close: reading to the end proves the server closed.
      String response = chunkedPut(k, c[0] + (closes ? "" : "\r\nConnection: close"));
      assertThat(response).as(c[0]).startsWith("HTTP/1.1 " + c[1] + " ").contains(c[2]);
      if (closes) {
        assertThat(response).as(c[0]).containsIgnoringCase("Connection: close");
      } else {
        assertThat(response).as(c[0]).containsIgnoringCase("Accept-Encoding: identity");
      }
      assertThat(relay.get(path(k)).statusCode()).as(c[0]).isEqualTo(404);
    }
    // A content coding with a Content-Length: 415, and the connection stays usable.
    SecretKey k = key(seed++);
    byte[] payload = packet(k, nowMicros(), "coded").toRelayPayload();
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", relay.server.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("PUT " + path(k) + " HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\n"
          + "Content-Length: " + payload.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().write(payload);
      s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.ISO_8859_1));
      String both = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(both).startsWith("HTTP/1.1 415").contains("HTTP/1.1 200");
    }
    // Chunked alone, in any case, and the identity content coding are read as before.
    for (String headers : new String[] {"Transfer-Encoding: Chunked",
        "Transfer-Encoding: chunked\r\nContent-Encoding: identity"}) {
      assertThat(chunkedPut(key(seed++), headers + "\r\nConnection: close")).as(headers)
          .startsWith("HTTP/1.1 204 ");
    }
  }

  /**
   * The whole answer to a PUT of a valid payload sent as one chunk under {@code headers}, read
   * until the server closes the connection (a read timeout fails the test).
   */
  private String chunkedPut(SecretKey k, String headers) throws Exception {
    byte[] payload = packet(k, nowMicros(), "coded").toRelayPayload();
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", relay.server.port())) {
      s.setSoTimeout(10_000);
      var out = s.getOutputStream();
      out.write(("PUT " + path(k) + " HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n\r\n"
          + Integer.toHexString(payload.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.write(payload);
      out.write("\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  /** RFC 9112 §6.3: a PUT without Content-Length or Transfer-Encoding has an empty body. */
  @Test
  void anEmptyBodiedPutRefusedEarlyKeepsTheConnection() throws Exception {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", relay.server.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("PUT /not-a-key HTTP/1.1\r\nHost: x\r\n\r\n"
          + "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
          .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      String both = new String(s.getInputStream().readAllBytes(),
          java.nio.charset.StandardCharsets.ISO_8859_1);
      assertThat(both).startsWith("HTTP/1.1 400").contains("HTTP/1.1 200");
    }
  }

  @Test
  void optionsAnswersEveryPathWithItsMethodsAndCors() throws Exception {
    for (String p : List.of("/healthz", "/", path(key(113)))) {
      HttpResponse<byte[]> preflight = relay.send(HttpRequest.newBuilder(relay.uri(p))
          .method("OPTIONS", HttpRequest.BodyPublishers.noBody()),
          "Origin", "https://app.example", "Access-Control-Request-Method", "GET");
      assertThat(preflight.statusCode()).as(p).isEqualTo(200);
      assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).contains("https://app.example");
      HttpResponse<byte[]> plain = relay.send(HttpRequest.newBuilder(relay.uri(p))
          .method("OPTIONS", HttpRequest.BodyPublishers.noBody()), "Origin", "https://app.example");
      assertThat(plain.statusCode()).as(p).isEqualTo(204);
      assertThat(plain.headers().firstValue("Allow")).as(p)
          .contains(p.equals(path(key(113))) ? "GET, HEAD, PUT, OPTIONS" : "GET, HEAD, OPTIONS");
      assertThat(plain.headers().firstValue("Access-Control-Allow-Origin")).as(p)
          .contains("https://app.example");
      assertThat(plain.headers().firstValue("Vary")).as(p).contains(Cors.VARY);
    }
    assertThat(relay.put("/healthz", new byte[10]).headers().firstValue("Allow"))
        .contains("GET, HEAD, OPTIONS");
  }

  @Test
  void statusPageAndHealth() throws Exception {
    HttpResponse<byte[]> page = relay.get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
    assertThat(text(page)).contains("<!DOCTYPE html>", "keyway pkarr relay", "packets stored", "uptime",
        "GET / s", "PUT / s", "store size on disk", "max_future_skew 1h", "capacity")
        .doesNotContain(dir.toString(), "http: 127.0.0.1", "metrics: 127.0.0.1");
    HttpResponse<byte[]> health = relay.get("/healthz");
    assertThat(health.statusCode()).isEqualTo(200);
    JsonNode json = new ObjectMapper().readTree(health.body());
    assertThat(json.get("status").asText()).isEqualTo("ok");
    assertThat(json.get("packets").asLong()).isGreaterThanOrEqualTo(0);
    assertThat(json.has("version")).isTrue();
  }

  /** PUTs that arrive together are verified as a batch; each still gets its own answer. */
  @Test
  void concurrentPutsWithSomeBadSignaturesEachGetTheirOwnAnswer() throws Exception {
    int n = 96;
    List<SignedPacket> packets = new ArrayList<>();
    List<java.util.concurrent.CompletableFuture<HttpResponse<byte[]>>> puts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      SignedPacket p = packet(key(70_000 + i), nowMicros(), "batch " + i);
      packets.add(p);
      byte[] payload = p.toRelayPayload();
      if (i % 4 == 3) {
        payload[5] ^= 1; // inside the signature's R
      }
      puts.add(relay.putAsync("/" + p.publicKey().toZ32(), payload));
    }
    for (int i = 0; i < n; i++) {
      HttpResponse<byte[]> r = puts.get(i).get(30, TimeUnit.SECONDS);
      HttpResponse<byte[]> got = relay.get("/" + packets.get(i).publicKey().toZ32());
      if (i % 4 == 3) {
        assertThat(r.statusCode()).as("PUT %d", i).isEqualTo(400);
        assertThat(text(r)).contains("signature does not verify");
        assertThat(got.statusCode()).isEqualTo(404);
      } else {
        assertThat(r.statusCode()).as("PUT %d", i).isEqualTo(204);
        assertThat(got.body()).isEqualTo(packets.get(i).toRelayPayload());
      }
    }
  }

  @Test
  void metricsCountPublishesAndGetsByOutcome() throws Exception {
    SecretKey k = key(111);
    relay.put(packet(k, nowMicros(), "metrics"));
    relay.get(path(k));
    relay.get(path(key(112)));
    relay.put(path(k), new byte[5000]);
    String m = relay.metrics();
    assertThat(m).contains("relay_publishes_total{outcome=\"inserted\"}",
        "relay_publishes_total{outcome=\"too_large\"}", "relay_gets_total{outcome=\"found\"}",
        "relay_gets_total{outcome=\"not_found\"}", "relay_rate_limited_total",
        "store_packets ", "store_bytes", "store_commit_seconds_count", "store_commit_batch_size_count",
        "store_packets_inserted_total", "relay_verify_batch_failed_total",
        "relay_verify_alone_total", "relay_verify_skipped_total");
    assertThat(metricValue(m, "relay_publishes_total{outcome=\"inserted\"}")).isGreaterThanOrEqualTo(1);
    assertThat(metricValue(m, "relay_verify_batch_size_sum")).isGreaterThanOrEqualTo(1);
    assertThat(metricValue(m, "store_packets")).isGreaterThanOrEqualTo(1);
    // the process and JVM series operators' dashboards expect, and which build runs
    assertThat(m).contains("jvm_memory_used_bytes{", "jvm_gc_", "jvm_threads_live_threads",
        "process_cpu_usage", "process_files_open_files", "process_uptime_seconds",
        "keyway_build_info{version=\"" + dev.keyway.relay.RelayServer.version() + "\"} 1\n");
    // CPU time in the base unit, under the name Prometheus's own clients use.
    assertThat(m).contains("# TYPE process_cpu_seconds_total counter").doesNotContain("process_cpu_time_ns");
  }

  static double metricValue(String text, String name) {
    for (String line : text.split("\n")) {
      if (line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(name.length() + 1).trim());
      }
    }
    throw new AssertionError("no metric " + name + " in\n" + text);
  }
}
