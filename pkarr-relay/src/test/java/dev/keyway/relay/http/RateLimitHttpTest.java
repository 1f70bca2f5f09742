package dev.keyway.relay.http;

import static dev.keyway.relay.TestRelay.key;
import static dev.keyway.relay.TestRelay.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.relay.RelayConfig;
import dev.keyway.relay.RelayServer;
import dev.keyway.relay.TestRelay;
import dev.keyway.relay.ratelimit.Quota;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-client rate limit on a real server: 429 with Retry-After, buckets per client, and the
 * proxy mode really keying on the forwarded address (iroh-dns-server's "smart" mode does not).
 * Time is a manual nanosecond clock, so nothing depends on the machine's speed.
 */
class RateLimitHttpTest {
  @TempDir Path dir;
  final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  TestRelay start(boolean behindProxy) {
    RelayConfig config = TestRelay.config(dir)
        .rateLimit(new RelayConfig.RateLimit(behindProxy, Quota.parse("1r/m", 2L)))
        .build();
    return TestRelay.of(RelayServer.builder(config).nanoTime(nanos::get).build().start());
  }

  static String path() {
    return "/" + key(1).publicKey().toZ32();
  }

  @Test
  void directModeKeysOnThePeerAndIgnoresHeaders() throws Exception {
    try (TestRelay r = start(false)) {
      assertThat(r.get(path(), "X-Forwarded-For", "10.0.0.1").statusCode()).isEqualTo(404);
      assertThat(r.get(path(), "X-Forwarded-For", "10.0.0.2").statusCode()).isEqualTo(404);
      HttpResponse<byte[]> limited = r.get(path(), "X-Forwarded-For", "10.0.0.3", "Origin", "https://a.example");
      assertThat(limited.statusCode()).isEqualTo(429);
      assertThat(text(limited)).startsWith("Too Many Requests! Wait for ");
      long retry = Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow());
      assertThat(retry).isBetween(1L, 60L);
      assertThat(limited.headers().firstValue("x-ratelimit-after")).contains(Long.toString(retry));
      assertThat(limited.headers().firstValue("Access-Control-Allow-Origin")).contains("https://a.example");
      // Every route counts (status page, PUT), except health checks.
      assertThat(r.get("/").statusCode()).isEqualTo(429);
      assertThat(r.put(path(), new byte[100]).statusCode()).isEqualTo(429);
      assertThat(r.get("/healthz").statusCode()).isEqualTo(200);
      assertThat(RelayHttpTest.metricValue(r.metrics(), "relay_rate_limited_total")).isEqualTo(3);

      nanos.addAndGet(Duration.ofSeconds(30).toNanos());
      assertThat(r.get(path()).statusCode()).as("half a token").isEqualTo(429);
      nanos.addAndGet(Duration.ofSeconds(31).toNanos());
      assertThat(r.get(path()).statusCode()).as("one token refilled").isEqualTo(404);
      assertThat(r.get(path()).statusCode()).isEqualTo(429);
    }
  }

  @Test
  void proxyModeKeysOnTheForwardedAddress() throws Exception {
    try (TestRelay r = start(true)) {
      for (int i = 0; i < 2; i++) {
        assertThat(r.get(path(), "X-Forwarded-For", "203.0.113.1").statusCode()).isEqualTo(404);
      }
      assertThat(r.get(path(), "X-Forwarded-For", "203.0.113.1").statusCode()).isEqualTo(429);
      // Same socket, other forwarded clients: their own buckets.
      assertThat(r.get(path(), "X-Forwarded-For", "203.0.113.2").statusCode()).isEqualTo(404);
      // The proxy appends the address it saw; what the client wrote before it does not count.
      assertThat(r.get(path(), "X-Forwarded-For", "192.0.2.77, 203.0.113.1").statusCode())
          .as("a client-written entry before the proxy's does not pick a fresh bucket").isEqualTo(429);
      assertThat(r.get(path(), "X-Forwarded-For", "203.0.113.1, 203.0.113.9").statusCode())
          .as("the last (proxy-appended) address counts").isEqualTo(404);
      assertThat(r.get(path(), "X-Real-IP", "203.0.113.3").statusCode()).isEqualTo(404);
      assertThat(r.get(path(), "Forwarded", "for=\"[2001:db8::7]:4711\";proto=https").statusCode()).isEqualTo(404);
      assertThat(r.get(path(), "Forwarded", "for=\"[2001:DB8::7]\"").statusCode()).isEqualTo(404);
      assertThat(r.get(path(), "Forwarded", "for=\"[2001:db8::7]\"").statusCode())
          .as("one IPv6 client, however written").isEqualTo(429);
      // One IPv6 network is one client: another address of its /64 shares the bucket.
      assertThat(r.get(path(), "X-Forwarded-For", "2001:db8:0:0:ffff::1").statusCode())
          .as("another address in 2001:db8::/64").isEqualTo(429);
      assertThat(r.get(path(), "X-Forwarded-For", "2001:db8:0:1::7").statusCode())
          .as("the next /64").isEqualTo(404);
      // Without headers (or with garbage) the peer's own bucket is used.
      assertThat(r.get(path()).statusCode()).isEqualTo(404);
      assertThat(r.get(path(), "X-Forwarded-For", "not-an-ip").statusCode()).isEqualTo(404);
      assertThat(r.get(path()).statusCode()).isEqualTo(429);
    }
  }
}
