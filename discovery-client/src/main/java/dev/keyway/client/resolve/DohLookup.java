package dev.keyway.client.resolve;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.lookup.AddressLookup;
import dev.keyway.client.lookup.ClientRuntime;
import dev.keyway.client.lookup.LookupItem;
import dev.keyway.client.lookup.LookupStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;

/**
 * Looks endpoints up with DNS over HTTPS (RFC 8484) against a {@code /dns-query} URL, such as
 * iroh-dns-server's and keyway's: the same {@code _iroh.<z32>.<origin>} TXT query and the same
 * answer rules as {@link DnsLookup}, sent as {@code GET <url>?dns=<base64url>} with
 * {@code Accept: application/dns-message} and message id 0 (or as a POST, see
 * {@link Builder#post}). One request per lookup with its own timeout; a non-200 status or an
 * unreadable body is a {@link ResolveException}. Plain {@code http://} URLs are allowed, for a
 * local server.
 *
 * <p>Thread-safe; requests run on the runtime's HTTP client, and cancelling the lookup cancels
 * the request.
 */
public final class DohLookup implements AddressLookup {
  /** Provenance of this service's items. */
  public static final String PROVENANCE = "doh";
  /** Default time for one request. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  private static final String DNS_MESSAGE = "application/dns-message";

  private final URI url;
  private final Name origin;
  private final Duration timeout;
  private final boolean post;
  private final ClientRuntime runtime;
  private final HttpClient http;
  private final String name;

  private DohLookup(Builder b) {
    this.url = b.url;
    this.origin = DnsAnswers.origin(b.origin);
    this.timeout = b.timeout;
    this.post = b.post;
    this.runtime = b.runtime;
    this.http = b.runtime.http();
    this.name = PROVENANCE + " " + origin + " @" + url;
  }

  /** A builder for {@code url} (e.g. {@code http://127.0.0.1:8080/dns-query}) and {@code origin}. */
  public static Builder builder(ClientRuntime runtime, URI url, String origin) {
    return new Builder(runtime, url, origin);
  }

  @Override
  public String provenance() {
    return PROVENANCE;
  }

  /** The source name in streams: {@code doh <origin> @<url>}. */
  public String name() {
    return name;
  }

  @Override
  public LookupStream resolve(PublicKey endpointId) {
    return LookupStream.of(name, lookup(endpointId)).callbacksOn(runtime);
  }

  /**
   * Looks {@code id} up: the item, empty for NXDOMAIN or NODATA, or a {@link ResolveException}
   * (also when the whole exchange, body included, takes longer than the timeout); an
   * {@link IllegalStateException} if the runtime is closed first.
   * Completes on the client's own threads, whatever the runtime's callback executor: the
   * streams of {@link #resolve} follow that executor.
   */
  public CompletableFuture<Optional<LookupItem>> lookup(PublicKey id) {
    Name qname = DnsAnswers.queryName(id, origin);
    Message query = DnsAnswers.query(qname, 0, false);
    byte[] wire = query.toWire();
    HttpRequest.Builder req = HttpRequest.newBuilder()
        .timeout(timeout)
        .version(PkarrHttp.version(url))
        .header("Accept", DNS_MESSAGE);
    if (post) {
      req.uri(url).header("Content-Type", DNS_MESSAGE).POST(HttpRequest.BodyPublishers.ofByteArray(wire));
    } else {
      String q = Base64.getUrlEncoder().withoutPadding().encodeToString(wire);
      req.uri(URI.create(url + (url.getRawQuery() == null ? "?" : "&") + "dns=" + q)).GET();
    }
    CompletableFuture<HttpResponse<byte[]>> sent;
    try {
      sent = PkarrHttp.withDeadline(http.sendAsync(req.build(), PkarrHttp.limitedBody(65_535)), timeout);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(new ResolveException("DoH request to " + url + " failed: " + e.getMessage(), e));
    }
    CompletableFuture<Optional<LookupItem>> result = runtime.track(new CompletableFuture<>());
    result.whenComplete((r, e) -> sent.cancel(true));
    sent.whenComplete((resp, error) -> {
      if (error != null) {
        result.completeExceptionally(failure(error));
        return;
      }
      try {
        if (resp.statusCode() != 200) {
          throw new ResolveException("DoH server " + url + " answered HTTP " + resp.statusCode());
        }
        Message response;
        try {
          response = new Message(resp.body());
        } catch (IOException e) {
          throw new ResolveException("DoH server " + url + " sent an unreadable DNS message: " + e.getMessage(), e);
        }
        if (!SocketDnsTransport.matches(query, response)) {
          throw new ResolveException("DoH server " + url + " answered another question than "
              + qname + " (" + (response.getQuestion() == null ? "none"
              : response.getQuestion().getName() + " " + org.xbill.DNS.Type.string(
                  response.getQuestion().getType())) + ", id " + response.getHeader().getID() + ")");
        }
        DnsAnswers.Verdict v = DnsAnswers.read(qname, response, PROVENANCE);
        if (v instanceof DnsAnswers.Retry retry) {
          throw new ResolveException("DoH server " + url + ": " + retry.why());
        }
        result.complete(DnsAnswers.item(v));
      } catch (ResolveException e) {
        result.completeExceptionally(e);
      }
    });
    return result;
  }

  private ResolveException failure(Throwable error) {
    Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (e instanceof ResolveException r) {
      return r;
    }
    if (e instanceof HttpTimeoutException) {
      return new ResolveException("no answer from DoH server " + url + " within " + timeout.toMillis() + " ms", e);
    }
    return new ResolveException("DoH request to " + url + " failed: " + PkarrHttp.reason(e), e);
  }

  @Override
  public String toString() {
    return name;
  }

  /** Settings of a {@link DohLookup}. */
  public static final class Builder {
    private final ClientRuntime runtime;
    private final URI url;
    private final String origin;
    private Duration timeout = DEFAULT_TIMEOUT;
    private boolean post;

    private Builder(ClientRuntime runtime, URI url, String origin) {
      this.runtime = Objects.requireNonNull(runtime, "runtime");
      String scheme = url.getScheme() == null ? "" : url.getScheme();
      if (!scheme.equalsIgnoreCase("https") && !scheme.equalsIgnoreCase("http") || url.getHost() == null) {
        throw new IllegalArgumentException("DoH URL must be an http(s) URL with a host"
            + (url.getHost() == null ? PkarrHttp.hostHint(url) : "") + ": " + url);
      }
      this.url = url;
      this.origin = Objects.requireNonNull(origin, "origin");
      DnsAnswers.origin(origin);
    }

    /** Time for one request (default 5 s). */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive: " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /** Send queries as POST bodies instead of GET parameters. */
    public Builder post(boolean post) {
      this.post = post;
      return this;
    }

    public DohLookup build() {
      return new DohLookup(this);
    }
  }
}
