package dev.keyway.client.resolve;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How long a 429 or 503 asks a client to wait. */
class PkarrHttpRetryAfterTest {
  private static final long LOCAL_NOW = Instant.parse("2026-01-01T00:00:00Z").getEpochSecond() * 1_000_000L;

  private static HttpHeaders headers(Map<String, List<String>> map) {
    return HttpHeaders.of(map, (name, value) -> true);
  }

  @Test
  void secondsAreTakenAsTheyAre() {
    assertThat(PkarrHttp.retryAfter(headers(Map.of("retry-after", List.of("12"))), LOCAL_NOW))
        .contains(Duration.ofSeconds(12));
    assertThat(PkarrHttp.retryAfter(headers(Map.of("x-ratelimit-after", List.of("3"))), LOCAL_NOW))
        .contains(Duration.ofSeconds(3));
  }

  /**
   * A date is counted from the response's own Date: with the local clock an hour behind the
   * server's, "60 s from now" used to mean 61 minutes, during which a publisher sent the relay
   * nothing, new addresses included (found by a review).
   */
  @Test
  void aDateIsCountedFromTheResponsesDateNotTheLocalClock() {
    HttpHeaders withDate = headers(Map.of(
        "retry-after", List.of("Thu, 01 Jan 2026 01:01:00 GMT"),
        "date", List.of("Thu, 01 Jan 2026 01:00:00 GMT")));
    assertThat(PkarrHttp.retryAfter(withDate, LOCAL_NOW)).contains(Duration.ofSeconds(60));
    HttpHeaders withoutDate = headers(Map.of("retry-after", List.of("Thu, 01 Jan 2026 00:01:00 GMT")));
    assertThat(PkarrHttp.retryAfter(withoutDate, LOCAL_NOW)).contains(Duration.ofSeconds(60));
    HttpHeaders badDate = headers(Map.of(
        "retry-after", List.of("Thu, 01 Jan 2026 00:01:00 GMT"), "date", List.of("yesterday")));
    assertThat(PkarrHttp.retryAfter(badDate, LOCAL_NOW)).contains(Duration.ofSeconds(60));
  }
}
