package dev.keyway.relay.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimitUnitTest {
  @Test
  void quotaSyntaxIsPkarrRelays() {
    assertThat(Quota.parse("2r/s", null)).isEqualTo(new Quota(2, Duration.ofSeconds(1), 2));
    assertThat(Quota.parse("2r/s", 10L)).isEqualTo(new Quota(2, Duration.ofSeconds(1), 10));
    assertThat(Quota.parse("100r/m", null).period()).isEqualTo(Duration.ofMinutes(1));
    assertThat(Quota.parse("5r/h", null).period()).isEqualTo(Duration.ofHours(1));
    assertThat(Quota.parse("7R/D", null).period()).isEqualTo(Duration.ofDays(1));
    assertThat(Quota.parse("2r/s", 10L).toString()).isEqualTo("2r/s burst 10");
    assertThat(Quota.parse("2r/s", 10L).refillTime()).isEqualTo(Duration.ofSeconds(5));
    for (String bad : new String[] {"2", "2/s", "r/s", "2r/x", "0r/s", "-1r/s", "2 per second"}) {
      assertThatThrownBy(() -> Quota.parse(bad, null)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> Quota.parse("2r/s", 0L)).hasMessageContaining("burst");
  }

  @Test
  void bucketsRefillEvenlyAndAreIndependent() {
    AtomicLong nanos = new AtomicLong();
    KeyedRateLimiter limiter = new KeyedRateLimiter(Quota.parse("2r/s", 4L), 100, nanos::get);
    for (int i = 0; i < 4; i++) {
      assertThat(limiter.tryAcquire("a").allowed()).isTrue();
    }
    KeyedRateLimiter.Decision refused = limiter.tryAcquire("a");
    assertThat(refused.allowed()).isFalse();
    assertThat(refused.retryAfterNanos()).isEqualTo(500_000_000L);
    assertThat(refused.retryAfterSeconds()).isEqualTo(1);
    assertThat(limiter.tryAcquire("b").allowed()).isTrue();
    nanos.addAndGet(499_000_000L);
    assertThat(limiter.tryAcquire("a").allowed()).isFalse();
    nanos.addAndGet(1_000_000L);
    assertThat(limiter.tryAcquire("a").allowed()).isTrue();
    assertThat(limiter.tryAcquire("a").allowed()).isFalse();
  }

  @Test
  void idleBucketsAreDropped() {
    AtomicLong nanos = new AtomicLong();
    KeyedRateLimiter limiter = new KeyedRateLimiter(Quota.parse("1r/s", 1L), 100, nanos::get);
    limiter.tryAcquire("a");
    limiter.tryAcquire("b");
    assertThat(limiter.activeKeys()).isEqualTo(2);
    nanos.addAndGet(Duration.ofMinutes(2).toNanos());
    limiter.tryAcquire("c");
    assertThat(limiter.activeKeys()).isEqualTo(1);
  }

  @Test
  void clientIpIgnoresHeadersUnlessBehindAProxy() {
    Map<String, String> h = Map.of("X-Forwarded-For", "198.51.100.7, 10.0.0.1", "X-Real-IP", "198.51.100.8");
    assertThat(ClientIp.resolve("127.0.0.1", h::get, false)).isEqualTo("127.0.0.1");
    // The last entry is what the proxy appended; the ones before it the client may have written.
    assertThat(ClientIp.resolve("127.0.0.1", h::get, true)).isEqualTo("10.0.0.1");
    assertThat(ClientIp.resolve("127.0.0.1", Map.of("X-Real-IP", "198.51.100.8")::get, true))
        .isEqualTo("198.51.100.8");
    assertThat(ClientIp.resolve("127.0.0.1",
        Map.of("Forwarded", "by=10.0.0.1;for=192.0.2.60;proto=http, for=198.51.100.17")::get, true))
        .isEqualTo("198.51.100.17");
    assertThat(ClientIp.resolve("127.0.0.1", Map.of("Forwarded", "for=unknown")::get, true)).isEqualTo("127.0.0.1");
    assertThat(ClientIp.resolve("::1", Map.<String, String>of()::get, true)).isEqualTo("::1");
    // A hidden hop ("unknown", RFC 7239 style) after the client does not send it to the peer's bucket.
    assertThat(ClientIp.resolve("127.0.0.1", Map.of("X-Forwarded-For", "203.0.113.7, unknown")::get, true))
        .isEqualTo("203.0.113.7");
    // Every header line counts, in order (HAProxy adds a line of its own after the client's).
    Map<String, List<String>> lines = Map.of("X-Forwarded-For", List.of("192.0.2.99", "203.0.113.8"));
    assertThat(ClientIp.resolve("127.0.0.1", ClientIp.joined(n -> lines.getOrDefault(n, List.of())), true))
        .isEqualTo("203.0.113.8");
  }

  @Test
  void ipv6ClientsShareTheBucketOfTheirSlash64() {
    assertThat(ClientIp.bucketOf("192.0.2.1")).isEqualTo("192.0.2.1");
    assertThat(ClientIp.bucketOf("2001:db8::1")).isEqualTo("2001:db8:0:0::/64");
    assertThat(ClientIp.bucketOf("2001:0DB8:0:0:ffff:ffff:ffff:ffff")).isEqualTo("2001:db8:0:0::/64");
    assertThat(ClientIp.bucketOf("2001:db8:0:1::1")).isEqualTo("2001:db8:0:1::/64");
    assertThat(ClientIp.bucketOf("0:0:0:0:0:0:0:1")).isEqualTo("0:0:0:0::/64");
    assertThat(ClientIp.bucketOf("fe80:0:0:0:1:2:3:4%eth0")).isEqualTo("fe80:0:0:0::/64");
    assertThat(ClientIp.bucketOf("::ffff:192.0.2.9")).as("IPv4-mapped").isEqualTo("192.0.2.9");
    assertThat(ClientIp.bucketOf("unknown")).isEqualTo("unknown");
    assertThat(ClientIp.bucketOf(".:1")).as("not an address, and no name lookup").isEqualTo(".:1");
  }

  @Test
  void ipLiteralsAreNormalised() {
    assertThat(ClientIp.ipOrNull(" 192.0.2.1 ")).isEqualTo("192.0.2.1");
    assertThat(ClientIp.ipOrNull("192.0.2.1:8080")).isEqualTo("192.0.2.1");
    assertThat(ClientIp.ipOrNull("\"[2001:DB8::1]:443\"")).isEqualTo("2001:db8::1");
    assertThat(ClientIp.ipOrNull("2001:db8::1")).isEqualTo("2001:db8::1");
    assertThat(ClientIp.ipOrNull("256.1.1.1")).isNull();
    assertThat(ClientIp.ipOrNull("example.com")).isNull();
    assertThat(ClientIp.ipOrNull("_hidden")).isNull();
    assertThat(ClientIp.ipOrNull("")).isNull();
  }
}
