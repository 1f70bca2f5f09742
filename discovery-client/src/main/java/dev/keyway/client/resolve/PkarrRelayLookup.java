package dev.keyway.client.resolve;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.lookup.AddressLookup;
import dev.keyway.client.lookup.ClientRuntime;
import dev.keyway.client.lookup.LookupItem;
import dev.keyway.client.lookup.LookupStream;
import dev.keyway.client.packet.InvalidPacketException;
import dev.keyway.client.packet.MicrosClock;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.client.record.EndpointInfo;
import dev.keyway.client.record.InvalidTxtException;
import dev.keyway.client.record.IrohTxt;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * Looks endpoints up on a pkarr relay over HTTP (iroh's {@code PkarrResolver}, pkarr v7's relay
 * client): {@code GET <relay>/<z32>}, where the relay is an iroh-dns-server style base URL
 * ({@code https://dns.iroh.link/pkarr}) or a pkarr relay ({@code https://pkarr.pubky.app}).
 *
 * <h2>Request and response (pkarr v7 client rules)</h2>
 * <ul>
 *   <li>If a signed packet for the key is already known ({@link Builder#knownPackets}, usually the
 *       resolver's cache, expired entries included), the request carries
 *       {@code If-Modified-Since} = that packet's timestamp in whole seconds. A {@code 304} then
 *       means the relay has nothing newer, and the known packet answers.
 *   <li>{@code 200}: the body (at most 1072 bytes) is verified as a relay payload with the key
 *       from the URL ({@link SignedPacket#fromRelayPayload}); a bad signature or size is an
 *       error. The {@code _iroh} records are read strictly (an unknown attribute fails the set,
 *       as iroh does). A packet older than the known one does not replace it.
 *   <li>{@code Cache-Control: max-age}, when shorter than the packet's own TTL (relays clamp
 *       it to at least 300 s), becomes the item's TTL hint ({@code no-store} or
 *       {@code no-cache}: zero); {@code Memento-Datetime}, when present and not in the future,
 *       is when the relay last saw the packet.
 *   <li>An empty {@code 2xx} (old relays' bug) or a {@code 304} that was not asked for is
 *       retried once without {@code If-Modified-Since} and with
 *       {@code Cache-Control: no-cache, no-store, must-revalidate}.
 *   <li>{@code 404}: not found (empty, not an error), as pkarr's client reads it. So a wrong
 *       relay URL also reads as "not found" for every key: the iroh-style API of keyway and
 *       iroh-dns-server is under {@code /pkarr} ({@code http://host:8080/pkarr}), a pkarr relay
 *       at its root. A {@link dev.keyway.client.publish.PkarrPublisher} on the same URL reports
 *       the mistake ({@code FAILED}, HTTP 404). Any other status is a
 *       {@link ResolveException} naming it (a {@code 429} with its {@code Retry-After}).
 * </ul>
 * Items have provenance {@code "pkarr"} and last-updated = the packet's timestamp.
 *
 * <p>Thread-safe; requests run on the runtime's HTTP client, and cancelling the lookup cancels
 * the request.
 */
public final class PkarrRelayLookup implements AddressLookup {
  /** Provenance of this service's items (iroh's). */
  public static final String PROVENANCE = "pkarr";
  /** Default time for one request. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  private static final String NO_CACHE = "no-cache, no-store, must-revalidate";

  private final URI base;
  private final Duration timeout;
  private final ClientRuntime runtime;
  private final HttpClient http;
  private final MicrosClock clock;
  private final Function<PublicKey, Optional<SignedPacket>> known;
  private final String name;

  private PkarrRelayLookup(Builder b) {
    this.base = b.base;
    this.timeout = b.timeout;
    this.runtime = b.runtime;
    this.http = b.runtime.http();
    this.clock = b.runtime.clock();
    this.known = b.known;
    this.name = PROVENANCE + " " + base;
  }

  /** A builder for the relay at {@code relay} (a base URL; the key is appended). */
  public static Builder builder(ClientRuntime runtime, URI relay) {
    return new Builder(runtime, relay);
  }

  @Override
  public String provenance() {
    return PROVENANCE;
  }

  /** The normalised relay base URL. */
  public URI relay() {
    return base;
  }

  /** The source name in streams: {@code pkarr <relay>}. */
  public String name() {
    return name;
  }

  @Override
  public LookupStream resolve(PublicKey endpointId) {
    return LookupStream.of(name, lookup(endpointId)).callbacksOn(runtime);
  }

  /**
   * Looks {@code id} up: the item, empty on 404, or a {@link ResolveException} (also when the
   * whole exchange, body included, takes longer than the timeout); an
   * {@link IllegalStateException} if the runtime is closed first. Cancelling the future cancels
   * the request.
   * Completes on the client's own threads, whatever the runtime's callback executor: the
   * streams of {@link #resolve} follow that executor.
   */
  public CompletableFuture<Optional<LookupItem>> lookup(PublicKey id) {
    CompletableFuture<Optional<LookupItem>> result = runtime.track(new CompletableFuture<>());
    SignedPacket knownPacket = known.apply(id).orElse(null);
    get(id, knownPacket, false, result);
    return result;
  }

  private void get(PublicKey id, SignedPacket knownPacket, boolean noCache,
      CompletableFuture<Optional<LookupItem>> result) {
    URI url = PkarrHttp.keyUrl(base, id);
    HttpRequest.Builder req = HttpRequest.newBuilder(url).GET().timeout(timeout).version(PkarrHttp.version(url));
    boolean conditional = knownPacket != null && !noCache;
    if (conditional) {
      req.header("If-Modified-Since", PkarrHttp.httpDate(knownPacket.timestampMicros() / 1_000_000));
    }
    if (noCache) {
      req.header("Cache-Control", NO_CACHE);
    }
    CompletableFuture<HttpResponse<byte[]>> sent;
    try {
      sent = PkarrHttp.withDeadline(http.sendAsync(req.build(),
          PkarrHttp.limitedBody(SignedPacket.MAX_RELAY_PAYLOAD_BYTES)), timeout);
    } catch (RuntimeException e) {
      result.completeExceptionally(new ResolveException("GET " + url + " failed: " + e.getMessage(), e));
      return;
    }
    result.whenComplete((r, e) -> sent.cancel(true));
    sent.whenComplete((resp, error) -> {
      if (result.isDone()) {
        return;
      }
      if (error != null) {
        result.completeExceptionally(failure(url, error));
        return;
      }
      try {
        int status = resp.statusCode();
        boolean empty = resp.body().length == 0;
        if (status == 404) {
          result.complete(Optional.empty());
        } else if (status == 304 && conditional) {
          result.complete(Optional.of(item(knownPacket, resp.headers())));
        } else if (!noCache && (status == 304 || (status / 100 == 2 && empty))) {
          get(id, knownPacket, true, result); // tolerate old relays: ask once more, uncached
        } else if (status == 200 && !empty) {
          SignedPacket packet = verify(id, url, resp.body());
          if (knownPacket != null && knownPacket.isMoreRecentThan(packet)) {
            // The relay holds an older packet (it ignored If-Modified-Since): "not found", as
            // in pkarr. Its max-age and Memento-Datetime are its packet's, not ours to renew.
            result.complete(Optional.empty());
            return;
          }
          result.complete(Optional.of(item(packet, resp.headers())));
        } else {
          throw new ResolveException("relay " + base + " answered HTTP " + status + describe(resp));
        }
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    });
  }

  private static SignedPacket verify(PublicKey id, URI url, byte[] body) {
    try {
      return SignedPacket.fromRelayPayload(id, body);
    } catch (InvalidPacketException e) {
      throw new ResolveException("relay answer from " + url + " does not verify: " + e.getMessage(), e);
    }
  }

  private LookupItem item(SignedPacket packet, HttpHeaders headers) {
    EndpointInfo info;
    try {
      info = IrohTxt.fromSignedPacket(packet);
    } catch (InvalidTxtException e) {
      throw new ResolveException("invalid _iroh record set in the packet of "
          + packet.publicKey().toZ32() + " from " + base + ": " + e.getMessage(), e);
    }
    LookupItem item = LookupItem.fromPacket(info, PROVENANCE, packet);
    long now = clock.nowMicros();
    OptionalLong memento = PkarrHttp.parseHttpDateMicros(headers.firstValue("memento-datetime").orElse(null));
    long seen = memento.isPresent() && memento.getAsLong() <= now ? memento.getAsLong() : now;
    item = item.withSeenAtMicros(seen);
    // Fresh (the cache counts from `seen`, the relay's last PUT) for the packet's own TTL from
    // now, as a DNS resolver keeps the same records from our answer, and never past the relay's
    // max-age. Counted from `seen` alone, an iroh packet's 30 s were mostly over on arrival
    // (iroh republishes every 5 minutes), and every resolve asked the relay again.
    Duration ttl = Duration.of(now - seen, ChronoUnit.MICROS)
        .plusSeconds(packet.ttl(0, Integer.MAX_VALUE));
    Optional<Duration> maxAge = PkarrHttp.maxAge(headers);
    if (maxAge.isPresent() && maxAge.get().compareTo(ttl) < 0) {
      // max-age may shorten it, never lengthen it: relays clamp max-age to at least 300 s
      // (pkarr's minimum), ten times an iroh record's TTL.
      ttl = maxAge.get();
    }
    return item.withTtl(ttl);
  }

  private String describe(HttpResponse<byte[]> resp) {
    StringBuilder sb = new StringBuilder();
    PkarrHttp.retryAfter(resp.headers(), clock.nowMicros())
        .ifPresent(d -> sb.append(" (retry after ").append(d.toSeconds()).append(" s)"));
    return sb.toString();
  }

  private ResolveException failure(URI url, Throwable error) {
    Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (e instanceof ResolveException r) {
      return r;
    }
    if (e instanceof HttpTimeoutException) {
      return new ResolveException("no answer from relay " + base + " within " + timeout.toMillis() + " ms", e);
    }
    return new ResolveException("GET " + url + " failed: " + PkarrHttp.reason(e), e);
  }

  @Override
  public String toString() {
    return name;
  }

  /** Settings of a {@link PkarrRelayLookup}. */
  public static final class Builder {
    private final ClientRuntime runtime;
    private final URI base;
    private Duration timeout = DEFAULT_TIMEOUT;
    private Function<PublicKey, Optional<SignedPacket>> known = k -> Optional.empty();

    private Builder(ClientRuntime runtime, URI relay) {
      this.runtime = Objects.requireNonNull(runtime, "runtime");
      this.base = PkarrHttp.relayBase(relay);
    }

    /** Time for one request (default 5 s). */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive: " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Where known packets come from for {@code If-Modified-Since}, e.g.
     * {@code cache::knownPacket} of the resolver's {@link dev.keyway.client.lookup.TtlCache}.
     */
    public Builder knownPackets(Function<PublicKey, Optional<SignedPacket>> known) {
      this.known = Objects.requireNonNull(known, "known");
      return this;
    }

    public PkarrRelayLookup build() {
      return new PkarrRelayLookup(this);
    }
  }
}
