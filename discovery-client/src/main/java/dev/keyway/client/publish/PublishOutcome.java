package dev.keyway.client.publish;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The result of one publish attempt to one relay, as reported to listeners and kept in
 * {@link PkarrPublisher#status()}.
 *
 * @param relay the relay's base URL
 * @param status what happened
 * @param httpStatus the HTTP status, or 0 when no response came
 * @param detail a one-line explanation for people (the error, the relay's message)
 * @param timestampMicros the signed timestamp of the packet that was sent
 * @param consecutiveFailures failed attempts in a row, this one included (0 after success)
 * @param nextAttemptIn when the publisher tries this relay again (republish or retry), if it will
 */
public record PublishOutcome(URI relay, Status status, int httpStatus, String detail,
    long timestampMicros, int consecutiveFailures, Optional<Duration> nextAttemptIn) {

  /** What happened to one PUT. */
  public enum Status {
    /**
     * 2xx: the relay accepted the packet. A pkarr relay stored it (or already had it); an
     * iroh-dns-server's {@code /pkarr} answers 204 also when it keeps a newer packet it had.
     */
    PUBLISHED,
    /** 409 or 428: the relay holds a more recent packet for the key; retried with backoff. */
    STALE,
    /** 429: rate limited; retried after {@code Retry-After}. */
    RATE_LIMITED,
    /**
     * 400 or 413: the relay refuses this packet; retried at the republish interval or when the
     * info changes. Also (HTTP status 0) records that cannot be signed at all: not retried until
     * the info changes.
     */
    REJECTED,
    /** No response, a timeout, or another status (5xx, …); retried with backoff. */
    FAILED
  }

  public PublishOutcome {
    Objects.requireNonNull(relay, "relay");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(detail, "detail");
    Objects.requireNonNull(nextAttemptIn, "nextAttemptIn");
  }

  /** True for {@link Status#PUBLISHED}. */
  public boolean isSuccess() {
    return status == Status.PUBLISHED;
  }
}
