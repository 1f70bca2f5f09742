package dev.keyway.client.resolve;

import dev.keyway.client.keys.PublicKey;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * HTTP details shared by the pkarr relay lookup and the publisher: relay URLs, HTTP dates,
 * {@code Cache-Control}, {@code Retry-After}, and bounded bodies.
 */
public final class PkarrHttp {
  /** IMF-fixdate, e.g. {@code Wed, 11 Oct 2023 09:33:47 GMT} (RFC 9110 §5.6.7). */
  private static final DateTimeFormatter IMF_FIXDATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

  private PkarrHttp() {}

  /**
   * Checks and normalises a relay base URL: http or https, a host, no query or fragment;
   * trailing slashes are dropped so that {@code https://host/pkarr/} and
   * {@code https://host/pkarr} name the same relay.
   *
   * @throws IllegalArgumentException with the reason
   */
  public static URI relayBase(String text) {
    URI uri;
    try {
      uri = new URI(text.strip());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("invalid relay URL '" + text + "': " + e.getMessage(), e);
    }
    return relayBase(uri);
  }

  /**
   * Why a URL with an authority has no host for Java: its name holds a character that
   * {@link URI} and the JDK's HTTP client do not take, such as the '_' of Docker service names.
   */
  static String hostHint(URI uri) {
    return uri.getRawAuthority() == null ? "" : " Java can use (\"" + uri.getRawAuthority()
        + "\" is not a valid host name: Java's URI and HTTP client take letters, digits, '-' and"
        + " '.' only, so a name with '_' needs another name or an IP address)";
  }

  /** Like {@link #relayBase(String)}. */
  public static URI relayBase(URI uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("relay URL must be http or https: " + uri);
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("relay URL has no host" + hostHint(uri) + ": " + uri);
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException("relay URL must not have a query or fragment: " + uri);
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    return URI.create(scheme + "://" + uri.getRawAuthority() + path);
  }

  /** {@code <base>/<z32>}: the key appended as one path segment, as iroh and pkarr do. */
  public static URI keyUrl(URI base, PublicKey key) {
    return URI.create(relayBase(base) + "/" + key.toZ32());
  }

  /** HTTP/1.1 for plain http (no h2c upgrade dance), HTTP/2 where TLS can negotiate it. */
  public static HttpClient.Version version(URI uri) {
    return "https".equalsIgnoreCase(uri.getScheme()) ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1;
  }

  /**
   * A short reason for a failed request: the exception's message, or for the JDK client's
   * message-less exceptions what they mean ({@code connection refused}, {@code timed out}).
   */
  public static String reason(Throwable e) {
    if (e instanceof java.net.ConnectException) {
      return e.getMessage() == null ? "connection refused" : "connection failed: " + e.getMessage();
    }
    if (e instanceof java.net.http.HttpTimeoutException) {
      return "timed out";
    }
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }

  /** Formats seconds since the epoch as an IMF-fixdate. */
  public static String httpDate(long epochSeconds) {
    return IMF_FIXDATE.format(Instant.ofEpochSecond(epochSeconds));
  }

  /** Parses an HTTP date (IMF-fixdate or RFC 1123 forms) to µs since the epoch. */
  public static OptionalLong parseHttpDateMicros(String value) {
    if (value == null) {
      return OptionalLong.empty();
    }
    try {
      ZonedDateTime t = ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME);
      return OptionalLong.of(t.toEpochSecond() * 1_000_000L);
    } catch (DateTimeParseException e) {
      return OptionalLong.empty();
    }
  }

  /**
   * The freshness a response allows: {@code Duration.ZERO} for {@code no-store} or
   * {@code no-cache}, the {@code max-age} (or {@code s-maxage}) otherwise, empty without either.
   */
  public static Optional<Duration> maxAge(HttpHeaders headers) {
    Optional<Duration> age = Optional.empty();
    for (String value : headers.allValues("cache-control")) {
      for (String part : value.split(",")) {
        String d = part.strip().toLowerCase(Locale.ROOT);
        if (d.equals("no-store") || d.equals("no-cache")) {
          return Optional.of(Duration.ZERO);
        }
        int eq = d.indexOf('=');
        if (eq > 0) {
          String name = d.substring(0, eq).strip();
          if (name.equals("max-age") || name.equals("s-maxage")) {
            try {
              long secs = Long.parseLong(d.substring(eq + 1).strip().replace("\"", ""));
              if (secs >= 0 && age.isEmpty()) {
                age = Optional.of(Duration.ofSeconds(secs));
              }
            } catch (NumberFormatException ignored) {
              // an unreadable directive is ignored
            }
          }
        }
      }
    }
    return age;
  }

  /**
   * How long a 429 or 503 asks the client to wait: {@code Retry-After} as seconds or an HTTP
   * date, else {@code x-ratelimit-after} seconds. A date is counted from the response's own
   * {@code Date} (keyway's choice: the two come from the same side), so that a local clock behind
   * the server's does not stretch the wait; from {@code nowMicros} when the response has none.
   */
  public static Optional<Duration> retryAfter(HttpHeaders headers, long nowMicros) {
    long serverNow = headers.firstValue("date").map(d -> parseHttpDateMicros(d.strip()))
        .filter(OptionalLong::isPresent).map(OptionalLong::getAsLong).orElse(nowMicros);
    return retryAfterFrom(headers, serverNow);
  }

  private static Optional<Duration> retryAfterFrom(HttpHeaders headers, long nowMicros) {
    Optional<String> value = headers.firstValue("retry-after");
    if (value.isPresent()) {
      String v = value.get().strip();
      try {
        long secs = Long.parseLong(v);
        return secs >= 0 ? Optional.of(Duration.ofSeconds(secs)) : Optional.empty();
      } catch (NumberFormatException notSeconds) {
        OptionalLong at = parseHttpDateMicros(v);
        if (at.isPresent()) {
          // in µs: a far-future date must not overflow into a negative wait
          return Optional.of(Duration.of(Math.max(0, at.getAsLong() - nowMicros), ChronoUnit.MICROS));
        }
      }
    }
    try {
      return headers.firstValue("x-ratelimit-after").map(String::strip).map(Long::parseLong)
          .filter(s -> s >= 0).map(Duration::ofSeconds);
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * A body handler that reads at most {@code limit} bytes (a relay payload is at most 1072 bytes;
   * keyway never buffers more from a server than it could use). A longer body of a 2xx answer
   * fails with a {@link ResolveException}; of any other answer (an error page from a proxy, say)
   * it is cut at {@code limit}, so the status and headers still count.
   */
  public static HttpResponse.BodyHandler<byte[]> limitedBody(int limit) {
    return info -> new Limited(limit, info.statusCode() / 100 == 2);
  }

  /** Like {@link #limitedBody(int)}, but a long body is cut at {@code limit} whatever the status. */
  public static HttpResponse.BodyHandler<byte[]> truncatedBody(int limit) {
    return info -> new Limited(limit, false);
  }

  /**
   * {@code sent}, bounded as a whole by {@code timeout}: the returned future fails with an
   * {@link HttpTimeoutException} when the exchange, body included, has not finished in time (real
   * time, as the HTTP client's own timer), and completing or cancelling it cancels the request.
   * The JDK's request timeout covers only the wait for the response headers, so a server that
   * stalls inside the body would otherwise hold the exchange forever.
   */
  public static <T> CompletableFuture<HttpResponse<T>> withDeadline(
      CompletableFuture<HttpResponse<T>> sent, Duration timeout) {
    CompletableFuture<HttpResponse<T>> out = new CompletableFuture<>();
    // orTimeout's timer is dropped as soon as the exchange ends, so a normal answer costs no
    // task; its expiry runs on the JDK's one delay thread, so the failure is handed to another.
    sent.copy().orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS).whenComplete((r, e) -> {
      if (e instanceof TimeoutException) {
        CompletableFuture.runAsync(() ->
            out.completeExceptionally(new HttpTimeoutException("request timed out")));
      } else if (e != null) {
        out.completeExceptionally(e);
      } else {
        out.complete(r);
      }
    });
    out.whenComplete((r, e) -> sent.cancel(true));
    return out;
  }

  private static final class Limited implements HttpResponse.BodySubscriber<byte[]> {
    private final int limit;
    private final boolean strict;
    private final List<ByteBuffer> parts = new ArrayList<>();
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();
    private int size;
    private Flow.Subscription subscription;

    Limited(int limit, boolean strict) {
      this.limit = limit;
      this.strict = strict;
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (body.isDone()) {
        return;
      }
      for (ByteBuffer b : items) {
        size += b.remaining();
        parts.add(b);
      }
      if (size > limit) {
        subscription.cancel();
        if (strict) {
          body.completeExceptionally(new ResolveException("response body exceeds " + limit + " bytes"));
        } else {
          onComplete();
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      body.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      if (body.isDone()) {
        return;
      }
      byte[] out = new byte[Math.min(size, limit)];
      int pos = 0;
      for (ByteBuffer b : parts) {
        int n = Math.min(b.remaining(), out.length - pos);
        b.get(out, pos, n);
        pos += n;
      }
      body.complete(out);
    }
  }
}
