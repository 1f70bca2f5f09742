package dev.keyway.client.publish;

import dev.keyway.client.addr.TransportAddr;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.lookup.AddressLookup;
import dev.keyway.client.lookup.ClientRuntime;
import dev.keyway.client.lookup.Scheduler;
import dev.keyway.client.packet.InvalidPacketException;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.client.packet.Timestamps;
import dev.keyway.client.record.EndpointInfo;
import dev.keyway.client.record.IrohTxt;
import dev.keyway.client.record.UserData;
import dev.keyway.client.resolve.PkarrHttp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes an endpoint's {@code _iroh} records to one or more relays (iroh's
 * {@code PkarrPublisher}), keeping them there.
 *
 * <h2>What is sent</h2>
 * {@link #publish} takes the endpoint's info, applies the {@link AddrFilter} (default
 * {@linkplain AddrFilter#relayOnly() relay URLs only}, as iroh) and signs the records with TTL
 * 30 s (iroh's {@code DEFAULT_PKARR_TTL}) and a fresh, strictly increasing timestamp for every
 * attempt. Each relay gets {@code PUT <relay>/<z32>} with the relay payload as body; the relay
 * URL may be an iroh-dns-server base ({@code https://dns.iroh.link/pkarr}) or a pkarr relay.
 *
 * <h2>When (per relay, independently)</h2>
 * <ul>
 *   <li>at once when the filtered info changes (an unchanged info is not re-sent), except to a
 *       relay whose {@code Retry-After} has not passed (its waiting retry sends the latest info)
 *       and to a relay with a request in flight: one request per relay at a time, as iroh, and
 *       when it is answered the latest info goes out at once, so a burst of changes makes two
 *       requests, not one each (bursts are what trip a relay's rate limit);
 *   <li>after a success, again every 5 minutes (iroh's {@code DEFAULT_REPUBLISH_INTERVAL}), with a
 *       new timestamp, so servers that expire old records keep it;
 *   <li>after the n-th failure in a row, again after n seconds (iroh's rule) with ±20 % jitter,
 *       capped at 60 s (a changed info is sent at once, but does not reset the count: only a
 *       success does); a {@code 429} waits for its {@code Retry-After} (never less, plus up to
 *       20 % jitter) when it has one;
 *   <li>on {@code 409}/{@code 428} (the relay holds a more recent packet for this key: another
 *       process with the same key, or a clock behind), the relay's packet is fetched and, if it
 *       verifies and is dated at most an hour ahead of this clock, the next timestamp is moved
 *       past it and the PUT retried once at once; if that is stale again, backoff as above;
 *   <li>on {@code 400}/{@code 413} (the relay refuses the packet) again at the republish
 *       interval, or when the info changes: the outcome says why (iroh retries every failure
 *       with its backoff; a refused packet is not worth a retry every few seconds).
 * </ul>
 * A {@code 2xx} means the relay accepted the packet. An iroh-dns-server (and keyway's
 * {@code /pkarr} API, which follows it) answers {@code 204} even when it keeps a newer packet it
 * already had, so {@link PublishOutcome.Status#PUBLISHED} from such a server does not prove the
 * packet is the one served; a pkarr relay answers {@code 409} there.
 * Every attempt's {@link PublishOutcome} goes to the {@linkplain Builder#listener listeners}
 * and into {@link #status()}; {@link #publishNow()} returns the outcomes of one round.
 *
 * <h2>Threads</h2>
 * Timers run on the runtime's {@link Scheduler}, requests on its HTTP client.
 *
 * <p>With a {@linkplain ClientRuntime.Builder#callbackExecutor callback executor} on the runtime,
 * listeners and {@link #publishNow()} futures are called there, where they may block:
 * <ul>
 *   <li>each listener has a lane of its own: its calls run one at a time, in the order the
 *       outcomes were recorded; different listeners of one publisher may run concurrently, so a
 *       listener that waits holds up neither the others nor the next round;
 *   <li>the {@code publishNow} futures one relay's answer completes get a fresh lane, so a
 *       listener that waits for a round (even from inside its own call) does not stall it; they
 *       are not ordered against the listeners' calls for the same outcome, and the future of a
 *       round of several relays completes in the lane of the relay that answered last.
 * </ul>
 * Without one, listeners and futures are called on the client's threads (HTTP answers, timers)
 * and must not block.
 *
 * <p>A listener that throws is logged; the others still run. {@link #close()} cancels timers and
 * requests in flight; nothing is published afterwards, and listeners are not called for answers
 * that arrive later (a call already queued in a lane still runs). The {@code publishNow} futures
 * still waiting are then cancelled on the thread calling {@code close()}, not on the executor;
 * closing the runtime first fails them likewise, with an {@link IllegalStateException}, on the
 * thread closing it. Thread-safe.
 */
public final class PkarrPublisher implements AddressLookup, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PkarrPublisher.class);
  /** Structured event per outcome (DESIGN.md convention: DEBUG, key-value fields only). */
  private static final Logger EVENTS = LoggerFactory.getLogger("events.keyway.client.publish");

  /** Provenance, shared with the relay lookup. */
  public static final String PROVENANCE = "pkarr";
  /** iroh's {@code DEFAULT_PKARR_TTL}. */
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(30);
  /** iroh's {@code DEFAULT_REPUBLISH_INTERVAL}. */
  public static final Duration DEFAULT_REPUBLISH_INTERVAL = Duration.ofMinutes(5);
  /** Step of the failure backoff: n steps after n failures (iroh: 1 s). */
  public static final Duration DEFAULT_RETRY_STEP = Duration.ofSeconds(1);
  /** Cap of the failure backoff (iroh has none; keyway caps it). */
  public static final Duration DEFAULT_MAX_RETRY_DELAY = Duration.ofSeconds(60);
  /** Relative jitter on retry delays. */
  public static final double DEFAULT_JITTER = 0.2;
  /** Time for one PUT. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

  private final SecretKey secretKey;
  private final List<URI> relays;
  private final long ttlSeconds;
  private final Duration republishInterval;
  /** The longest server-given wait honoured (longer ones are cut to it). */
  static final Duration MAX_SERVER_WAIT = Duration.ofDays(1);
  /**
   * Furthest ahead of this clock a relay's packet may be for a 409 catch-up to follow it (a
   * relay's default far-future limit): one dated further would date every later packet too.
   */
  static final Duration MAX_CATCH_UP_AHEAD = Duration.ofHours(1);
  private final Duration retryStep;
  private final Duration maxRetryDelay;
  private final double jitter;
  private final Duration requestTimeout;
  private final AddrFilter filter;
  private final Timestamps timestamps;
  private final ClientRuntime runtime;
  private final Scheduler scheduler;
  private final RandomGenerator random;
  private final HttpClient http;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  /** A listener and its own lane (see the class description): one per listener, not per publisher. */
  private record Listener(Consumer<? super PublishOutcome> consumer, Executor lane) {}
  private final Map<URI, Relay> states = new LinkedHashMap<>();

  // guarded by this
  private EndpointInfo current;
  /** Numbers attempts: only the answer to a relay's latest attempt is recorded. */
  private long attempts;
  /** The last info {@link #fitting} was asked about, and its answer. */
  private EndpointInfo fittedFrom;
  private EndpointInfo fitted;
  private boolean closed;

  /** One relay's state; guarded by the publisher's lock. */
  private static final class Relay {
    final URI base;
    int failures;
    /** The relay's latest attempt; answers to earlier ones are dropped. */
    long version = -1;
    /** Until when the relay asked us to wait (Retry-After), µs on the scheduler's clock. */
    long notBeforeMicros = Long.MIN_VALUE;
    boolean staleRetried;
    /** The info changed while a request was in flight: send it when that one is answered. */
    boolean changedInFlight;
    /**
     * Timestamps sent to this relay are at least this: one above every packet of our key it may
     * hold (sent and not refused, or seen there on a 409). The runtime's, shared with later
     * publishers of the key ({@link ClientRuntime#publishFloor}).
     */
    final java.util.concurrent.atomic.AtomicLong floor;
    /** {@link #floor} before the latest attempt, restored if the relay refuses that packet. */
    long floorBefore = Long.MIN_VALUE;
    Scheduler.Cancellable timer;
    CompletableFuture<?> inFlight;
    PublishOutcome last;
    final List<CompletableFuture<PublishOutcome>> waiting = new ArrayList<>();

    Relay(URI base, java.util.concurrent.atomic.AtomicLong floor) {
      this.base = base;
      this.floor = floor;
    }
  }

  private PkarrPublisher(Builder b) {
    this.secretKey = b.secretKey;
    this.relays = List.copyOf(b.relays);
    this.ttlSeconds = b.ttl.toSeconds();
    this.republishInterval = b.republishInterval;
    this.retryStep = b.retryStep;
    this.maxRetryDelay = b.maxRetryDelay;
    this.jitter = b.jitter;
    this.requestTimeout = b.requestTimeout;
    this.filter = b.filter;
    this.timestamps = b.timestamps != null ? b.timestamps : b.runtime.timestamps();
    this.runtime = b.runtime;
    this.scheduler = b.runtime.scheduler();
    this.random = b.runtime.random();
    this.http = b.runtime.http();
    b.listeners.forEach(this::listen);
    for (URI r : relays) {
      states.put(r, new Relay(r, b.runtime.publishFloor(secretKey.publicKey(), r)));
    }
  }

  /** A builder signing with {@code secretKey}; add at least one relay. */
  public static Builder builder(ClientRuntime runtime, SecretKey secretKey) {
    return new Builder(runtime, secretKey);
  }

  @Override
  public String provenance() {
    return PROVENANCE;
  }

  /** The relays published to, normalised, in order. */
  public List<URI> relays() {
    return relays;
  }

  /**
   * Adds a listener for every outcome from now on. With a callback executor it gets a lane of
   * its own (see the class description).
   */
  public void addListener(Consumer<? super PublishOutcome> listener) {
    listen(Objects.requireNonNull(listener, "listener"));
  }

  private void listen(Consumer<? super PublishOutcome> listener) {
    listeners.add(new Listener(listener, runtime.newSerialCallbackExecutor()));
  }

  /**
   * Sets the info to publish (fire and forget). The address filter is applied; if the result
   * differs from what is being published, every relay gets it at once, except one that asked us
   * to wait (Retry-After) or has a request in flight, which gets it when that ends (see the
   * class description).
   *
   * @throws IllegalArgumentException if the info is not for this publisher's key
   * @throws IllegalStateException if the publisher or its runtime is closed
   */
  @Override
  public void publish(EndpointInfo info) {
    EndpointInfo filtered = filtered(info);
    List<Relay> todo = new ArrayList<>();
    synchronized (this) {
      checkOpen();
      if (filtered.equals(current)) {
        return;
      }
      current = filtered;
      long now = scheduler.clock().nowMicros();
      for (Relay r : states.values()) {
        if (r.inFlight != null) {
          r.changedInFlight = true; // sent when the answer is in (record)
          continue;
        }
        if (r.notBeforeMicros > now && r.timer != null) {
          continue; // its Retry-After has not passed: the waiting retry sends the new info
        }
        todo.add(r);
      }
    }
    todo.forEach(r -> attempt(r, false));
  }

  /**
   * Publishes the current info to every relay now (cancelling waiting retries and republishes)
   * and completes with one outcome per relay, in relay order: the first attempt of this round
   * (after the one immediate retry of a stale answer). Later retries continue in the background.
   * An answer to a request sent before this call never completes the round. If the publisher
   * is closed first, the future fails with a {@link java.util.concurrent.CancellationException}
   * as its cause; if its runtime is closed first, with an {@link IllegalStateException}; either
   * way on the closing thread, even with a callback executor (see the class description).
   *
   * @throws IllegalStateException if nothing was {@linkplain #publish published} yet
   */
  public CompletableFuture<List<PublishOutcome>> publishNow() {
    return round(null);
  }

  /**
   * Sets the info to publish, as {@link #publish}, and publishes it now, as {@link #publishNow()}:
   * one request per relay (calling both would send the info twice when it is new). For one-shot
   * publishing, such as a command line tool.
   *
   * @throws IllegalArgumentException if the info is not for this publisher's key
   * @throws IllegalStateException if the publisher or its runtime is closed
   */
  public CompletableFuture<List<PublishOutcome>> publishNow(EndpointInfo info) {
    return round(filtered(info));
  }

  private EndpointInfo filtered(EndpointInfo info) {
    Objects.requireNonNull(info, "info");
    if (!info.endpointId().equals(secretKey.publicKey())) {
      throw new IllegalArgumentException("info of " + info.endpointId().fmtShort()
          + " cannot be published with the key of " + secretKey.publicKey().fmtShort());
    }
    return filter.apply(info);
  }

  private CompletableFuture<List<PublishOutcome>> round(EndpointInfo info) {
    List<CompletableFuture<PublishOutcome>> round = new ArrayList<>();
    List<Relay> todo;
    synchronized (this) {
      checkOpen();
      if (info != null && !info.equals(current)) {
        current = info;
      }
      if (current == null) {
        throw new IllegalStateException("nothing to publish yet: call publish(info) first");
      }
      todo = new ArrayList<>(states.values());
      for (Relay r : todo) {
        // Under the same lock as the waiter: an answer to an earlier attempt arriving before
        // this round's attempt starts is dropped instead of completing the round.
        cancelPending(r);
        r.version = ++attempts;
        CompletableFuture<PublishOutcome> f = runtime.track(new CompletableFuture<>());
        r.waiting.add(f);
        round.add(f);
      }
    }
    todo.forEach(r -> attempt(r, false));
    return CompletableFuture.allOf(round.toArray(CompletableFuture<?>[]::new))
        .thenApply(v -> round.stream().map(CompletableFuture::join).toList());
  }

  /** The info being published (after filtering), if any. */
  public synchronized Optional<EndpointInfo> current() {
    return Optional.ofNullable(current);
  }

  /** The last outcome per relay, in relay order (relays not tried yet are absent). */
  public synchronized Map<URI, PublishOutcome> status() {
    Map<URI, PublishOutcome> out = new LinkedHashMap<>();
    states.forEach((u, r) -> {
      if (r.last != null) {
        out.put(u, r.last);
      }
    });
    return out;
  }

  /** Signs and PUTs the current info to {@code r}, replacing any pending timer or request. */
  private void attempt(Relay r, boolean staleRetry) {
    EndpointInfo info;
    long v;
    long ts;
    synchronized (this) {
      if (closed || current == null) {
        return;
      }
      cancelPending(r);
      r.changedInFlight = false; // this attempt sends the latest info
      if (!staleRetry) {
        r.staleRetried = false;
      }
      info = current;
      v = ++attempts;
      r.version = v;
      ts = nextTimestamp(r);
    }
    SignedPacket packet;
    try {
      packet = IrohTxt.toSignedPacket(fitting(info), secretKey, ttlSeconds, ts);
    } catch (IllegalArgumentException e) { // InvalidPacketException: over 1000 bytes
      LOG.warn("the records of {} cannot be signed, nothing is published: {}",
          secretKey.publicKey().fmtShort(), e.getMessage());
      record(r, v, PublishOutcome.Status.REJECTED, 0, "cannot sign the records: " + e.getMessage(), ts, Optional.empty());
      return;
    }
    URI url = PkarrHttp.keyUrl(r.base, secretKey.publicKey());
    HttpRequest req = HttpRequest.newBuilder(url)
        .timeout(requestTimeout)
        .version(PkarrHttp.version(url))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(packet.toRelayPayload()))
        .build();
    CompletableFuture<HttpResponse<byte[]>> sent;
    try {
      // Any 2xx is success (iroh), whatever body a proxy adds; error bodies are only quoted.
      sent = PkarrHttp.withDeadline(http.sendAsync(req, PkarrHttp.truncatedBody(4096)), requestTimeout);
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    synchronized (this) {
      if (closed || r.version != v) {
        sent.cancel(true);
        return;
      }
      r.inFlight = sent;
    }
    sent.whenComplete((resp, error) -> {
      try {
        handle(r, v, packet, url, resp, error);
      } catch (RuntimeException e) {
        // An exception here would vanish in the future's callback and stop this relay for good.
        LOG.warn("handling the answer of {} failed", url, e);
        failed(r, v, PublishOutcome.Status.FAILED, 0, "PUT " + url + ": " + e, packet.timestampMicros(), null);
      }
    });
  }

  private void handle(Relay r, long v, SignedPacket packet, URI url, HttpResponse<byte[]> resp, Throwable error) {
    long ts = packet.timestampMicros();
    if (error != null) {
      Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
      if (e instanceof CancellationException) {
        return; // replaced by a newer attempt, or closed
      }
      String why = e instanceof HttpTimeoutException
          ? "no answer within " + requestTimeout.toMillis() + " ms"
          : PkarrHttp.reason(e);
      failed(r, v, PublishOutcome.Status.FAILED, 0, "PUT " + url + " failed: " + why, ts, null);
      return;
    }
    int status = resp.statusCode();
    String body = bodyText(resp.body());
    if (!"PUT".equals(resp.request().method())) {
      // A 303 (or a 301/302 some server applies to PUT) turns the PUT into a GET: whatever
      // answers that did not store the packet.
      failed(r, v, PublishOutcome.Status.FAILED, status, "relay redirected the PUT to a "
          + resp.request().method() + " of " + resp.uri(), ts, null);
      return;
    }
    if (status / 100 == 2) {
      record(r, v, PublishOutcome.Status.PUBLISHED, status,
          "published" + (r.staleRetried ? " after moving the timestamp past the relay's newer packet" : ""),
          ts, Optional.of(republishInterval));
    } else if (status == 409 || status == 428) {
      boolean retry;
      synchronized (this) {
        retry = !r.staleRetried && r.version == v && !closed;
        r.staleRetried = true;
      }
      if (retry) {
        overtake(r, v, url);
      } else {
        failed(r, v, PublishOutcome.Status.STALE, status,
            "relay holds a more recent packet for this key (HTTP " + status + ")" + body, ts, null);
      }
    } else if (status == 429) {
      Duration wait = PkarrHttp.retryAfter(resp.headers(), scheduler.clock().nowMicros()).orElse(null);
      failed(r, v, PublishOutcome.Status.RATE_LIMITED, status,
          "rate limited (HTTP 429" + (wait == null ? "" : ", retry after " + wait.toSeconds() + " s") + ")" + body, ts, wait);
    } else if (status == 400 || status == 413) {
      synchronized (this) {
        if (r.version == v) {
          // Not stored: later packets need not outrank it. (A clock that ran ahead made it, and
          // the relay refused its timestamp: the next packet, dated by the clock, may pass.)
          // Unless something raised the floor since, as a 409 elsewhere in this key's history.
          r.floor.compareAndSet(ts + 1, r.floorBefore);
        }
      }
      // Retried at the republish interval, not sooner: a 400 can pass (keyway's relay refuses a
      // timestamp ahead of its clock, which NTP may fix), and iroh retries every failure.
      record(r, v, PublishOutcome.Status.REJECTED, status,
          "relay rejected the packet (HTTP " + status + ")" + body + "; retried in "
              + republishInterval.toSeconds() + " s or when the info changes",
          ts, Optional.of(republishInterval));
    } else {
      failed(r, v, PublishOutcome.Status.FAILED, status, "relay answered HTTP " + status + body, ts, null);
    }
  }

  /** 409/428: learn the relay's packet, move our timestamps past it, try once more now. */
  private void overtake(Relay r, long v, URI url) {
    HttpRequest get = HttpRequest.newBuilder(url).GET().timeout(requestTimeout)
        .version(PkarrHttp.version(url)).header("Cache-Control", "no-cache").build();
    CompletableFuture<HttpResponse<byte[]>> sent;
    try {
      sent = PkarrHttp.withDeadline(http.sendAsync(get,
          PkarrHttp.limitedBody(SignedPacket.MAX_RELAY_PAYLOAD_BYTES)), requestTimeout);
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    synchronized (this) {
      if (closed || r.version != v) {
        sent.cancel(true);
        return;
      }
      r.inFlight = sent;
    }
    sent.whenComplete((resp, error) -> {
      Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
      if (cause instanceof CancellationException) {
        return; // replaced by a newer attempt (publishNow), or closed: that attempt owns the relay
      }
      if (error == null && resp.statusCode() == 200) {
        try {
          SignedPacket theirs = SignedPacket.fromRelayPayload(secretKey.publicKey(), resp.body());
          long ahead = theirs.timestampMicros() - scheduler.clock().nowMicros();
          if (ahead > MAX_CATCH_UP_AHEAD.toNanos() / 1_000) {
            // Following it would date every later packet that far ahead, which relays refuse.
            LOG.warn("relay {} holds a packet for our key dated {} s ahead of our clock; not"
                + " following it", r.base, ahead / 1_000_000);
          } else {
            synchronized (this) {
              r.floor.accumulateAndGet(theirs.timestampMicros() + 1, Math::max);
            }
          }
        } catch (InvalidPacketException e) {
          LOG.debug("relay {} holds an unverifiable packet for our key: {}", r.base, e.getMessage());
        }
      }
      synchronized (this) {
        if (closed || r.version != v) {
          return;
        }
      }
      attempt(r, true);
    });
  }

  private void failed(Relay r, long v, PublishOutcome.Status status, int http, String detail, long ts, Duration retryAfter) {
    int failures;
    synchronized (this) {
      if (r.version != v) {
        return;
      }
      failures = ++r.failures;
    }
    Duration delay = retryAfter != null ? upward(retryAfter, failures) : backoff(failures);
    record(r, v, status, http, detail, ts, Optional.of(delay), retryAfter != null);
  }

  /** Records an outcome and schedules the next attempt, if any. */
  private void record(Relay r, long v, PublishOutcome.Status status, int http, String detail, long ts,
      Optional<Duration> next) {
    record(r, v, status, http, detail, ts, next, false);
  }

  /**
   * As above; {@code serverAsked}: the next attempt's delay is the relay's Retry-After, which a
   * changed info must not jump ({@link #publish}).
   */
  private void record(Relay r, long v, PublishOutcome.Status status, int http, String detail, long ts,
      Optional<Duration> next, boolean serverAsked) {
    PublishOutcome outcome;
    PublishOutcome previous;
    List<CompletableFuture<PublishOutcome>> waiting;
    boolean sendChanged;
    synchronized (this) {
      if (closed || r.version != v) {
        return;
      }
      if (serverAsked && next.isPresent()) {
        r.notBeforeMicros = scheduler.clock().nowMicros() + next.get().toNanos() / 1_000;
      }
      if (status == PublishOutcome.Status.PUBLISHED || status == PublishOutcome.Status.REJECTED) {
        r.failures = 0;
        r.notBeforeMicros = Long.MIN_VALUE;
      }
      outcome = new PublishOutcome(r.base, status, http, detail, ts,
          status == PublishOutcome.Status.PUBLISHED ? 0 : Math.max(r.failures, 1), next);
      previous = r.last;
      r.last = outcome;
      r.inFlight = null;
      // The info changed while this request was out: send it now, unless the relay asked us to
      // wait (then the retry below sends it).
      sendChanged = r.changedInFlight && r.notBeforeMicros <= scheduler.clock().nowMicros();
      r.changedInFlight = false;
      if (next.isPresent() && !sendChanged) {
        r.timer = scheduler.schedule(next.get(), () -> attempt(r, false));
      }
      waiting = List.copyOf(r.waiting);
      r.waiting.clear();
    }
    if (EVENTS.isDebugEnabled()) {
      EVENTS.debug("relay={} status={} http={} ts={} failures={} next_ms={}", r.base, status, http, ts,
          outcome.consecutiveFailures(), next.map(Duration::toMillis).orElse(-1L));
    }
    // Once per streak, as iroh warns of failed publishes: the first failure, and the recovery.
    boolean ok = status == PublishOutcome.Status.PUBLISHED;
    boolean wasOk = previous == null || previous.status() == PublishOutcome.Status.PUBLISHED;
    if (!ok && wasOk) {
      LOG.warn("publishing {} to {} failed: {}{}", secretKey.publicKey().fmtShort(), r.base, detail,
          next.map(d -> "; retrying in " + Math.max(1, d.toSeconds()) + " s").orElse(""));
    } else if (ok && !wasOk) {
      LOG.info("publishing {} to {} works again", secretKey.publicKey().fmtShort(), r.base);
    }
    if (!waiting.isEmpty()) {
      // A fresh lane, not a listener's: a listener may wait for this round.
      runtime.newSerialCallbackExecutor().execute(() -> waiting.forEach(f -> f.complete(outcome)));
    }
    for (Listener l : listeners) {
      l.lane().execute(() -> {
        try {
          l.consumer().accept(outcome);
        } catch (RuntimeException e) {
          LOG.warn("publish listener failed", e);
        }
      });
    }
    if (sendChanged) {
      attempt(r, false);
    }
  }

  private void cancelPending(Relay r) {
    if (r.timer != null) {
      r.timer.cancel();
      r.timer = null;
    }
    if (r.inFlight != null) {
      r.inFlight.cancel(true);
      r.inFlight = null;
    }
  }

  /**
   * {@code info}, or as much of it as fits in a signed packet (1000 bytes): relay URLs before
   * direct addresses, each in its order, the last ones left out. An endpoint with many interface
   * addresses would otherwise publish nothing at all, and its peers would keep the old records.
   * Warns once per info.
   */
  private EndpointInfo fitting(EndpointInfo info) {
    synchronized (this) {
      if (info.equals(fittedFrom)) {
        return fitted;
      }
    }
    EndpointInfo result = withoutUnpublishable(info);
    if (!fits(result)) {
      List<TransportAddr> kept = new ArrayList<>();
      result.addrs().stream().filter(a -> a instanceof TransportAddr.Relay).forEach(kept::add);
      result.addrs().stream().filter(a -> !(a instanceof TransportAddr.Relay)).forEach(kept::add);
      UserData userData = info.userData().orElse(null);
      while (!kept.isEmpty()
          && !fits(result = EndpointInfo.of(info.endpointId(), kept, userData))) {
        kept.remove(kept.size() - 1);
      }
      if (kept.isEmpty()) {
        result = info; // not even one address fits: signing says why
      } else {
        LOG.warn("the records of {} do not fit in a signed packet (1000 bytes): publishing {} of"
            + " its {} addresses, relays first", secretKey.publicKey().fmtShort(), kept.size(),
            info.addrs().size());
      }
    }
    synchronized (this) {
      fittedFrom = info;
      fitted = result;
    }
    return result;
  }

  /**
   * {@code info} without relay URLs that contain '=': iroh's TXT readers cut a value there, so
   * no packet can carry them ({@link IrohTxt} refuses them). Left in, they read as "the records
   * do not fit" and pushed the other addresses out instead.
   */
  private EndpointInfo withoutUnpublishable(EndpointInfo info) {
    List<TransportAddr> kept = new ArrayList<>(info.addrs().size());
    for (TransportAddr a : info.addrs()) {
      if (a instanceof TransportAddr.Relay && a.value().indexOf('=') >= 0) {
        LOG.warn("relay URL {} of {} contains '=', which iroh's TXT records cannot carry: not"
            + " published (use it without a query string)", a.value(),
            secretKey.publicKey().fmtShort());
      } else {
        kept.add(a);
      }
    }
    // None left: keep them, and signing refuses the packet with the reason.
    return kept.size() == info.addrs().size() || kept.isEmpty() ? info
        : EndpointInfo.of(info.endpointId(), kept, info.userData().orElse(null));
  }

  private boolean fits(EndpointInfo info) {
    try {
      IrohTxt.toSignedPacket(info, secretKey, ttlSeconds, 0);
      return true;
    } catch (IllegalArgumentException tooBig) {
      return false;
    }
  }

  /**
   * The timestamp of {@code r}'s next packet: from the runtime's {@link Timestamps}, and above
   * every packet of our key the relay may hold (from any publisher on the runtime), so that it
   * always takes the new one. Per relay: one relay may hold a packet dated ahead (signed
   * while the clock ran ahead, which iroh's relays do not check) that another refused; following
   * it everywhere would keep the second refusing.
   */
  private long nextTimestamp(Relay r) {
    while (true) {
      long floor = r.floor.get();
      long ts = Math.max(timestamps.next(), floor);
      if (r.floor.compareAndSet(floor, ts + 1)) { // another publisher of the key may share it
        r.floorBefore = floor;
        return ts;
      }
    }
  }

  /** n steps after n failures, ±jitter, at most the cap. */
  Duration backoff(int failures) {
    long base = retryStep.toNanos() * Math.max(1, failures);
    double factor = jitter == 0 ? 1 : 1 + jitter * (2 * random.nextDouble() - 1);
    long nanos = Math.round(base * factor);
    return Duration.ofNanos(Math.min(nanos, maxRetryDelay.toNanos()));
  }

  /**
   * A server-given wait, never shortened, plus up to jitter; but at least our own backoff (a
   * {@code Retry-After: 0} must not make a tight loop of 429s) and at most
   * {@link #MAX_SERVER_WAIT} (a wait of centuries would overflow, and stop this relay for good).
   */
  private Duration upward(Duration wait, int failures) {
    Duration floor = backoff(failures);
    Duration w = wait.compareTo(floor) < 0 ? floor : wait;
    if (w.compareTo(MAX_SERVER_WAIT) > 0) {
      w = MAX_SERVER_WAIT;
    }
    double factor = jitter == 0 ? 1 : 1 + jitter * random.nextDouble();
    return Duration.ofNanos(Math.round(w.toNanos() * factor));
  }

  private static String bodyText(byte[] body) {
    if (body == null || body.length == 0) {
      return "";
    }
    String s = new String(body, StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ");
    return s.isEmpty() ? "" : ": " + (s.length() > 200 ? s.substring(0, 200) + "…" : s);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("publisher is closed");
    }
    if (runtime.isClosed()) {
      // Its scheduler and HTTP client are gone: nothing would be sent, and nobody told.
      throw new IllegalStateException("the publisher's ClientRuntime is closed");
    }
  }

  /** Stops publishing: cancels timers and requests in flight. Idempotent. */
  @Override
  public void close() {
    List<CompletableFuture<PublishOutcome>> waiting = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      for (Relay r : states.values()) {
        cancelPending(r);
        waiting.addAll(r.waiting);
        r.waiting.clear();
      }
    }
    waiting.forEach(f -> f.cancel(false));
  }

  /** Settings of a {@link PkarrPublisher}. */
  public static final class Builder {
    private final ClientRuntime runtime;
    private final SecretKey secretKey;
    private final List<URI> relays = new ArrayList<>();
    private Duration ttl = DEFAULT_TTL;
    private Duration republishInterval = DEFAULT_REPUBLISH_INTERVAL;
    private Duration retryStep = DEFAULT_RETRY_STEP;
    private Duration maxRetryDelay = DEFAULT_MAX_RETRY_DELAY;
    private double jitter = DEFAULT_JITTER;
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private AddrFilter filter = AddrFilter.relayOnly();
    private Timestamps timestamps;
    private final List<Consumer<? super PublishOutcome>> listeners = new ArrayList<>();

    private Builder(ClientRuntime runtime, SecretKey secretKey) {
      this.runtime = Objects.requireNonNull(runtime, "runtime");
      this.secretKey = Objects.requireNonNull(secretKey, "secretKey");
    }

    /** Adds a relay base URL (iroh-style {@code …/pkarr} or a pkarr relay). */
    public Builder relay(URI relay) {
      URI base = PkarrHttp.relayBase(relay);
      if (!relays.contains(base)) {
        relays.add(base);
      }
      return this;
    }

    /** Adds a relay base URL given as text. */
    public Builder relay(String relay) {
      return relay(PkarrHttp.relayBase(relay));
    }

    /** TTL of the published records, whole seconds (default 30 s). */
    public Builder ttl(Duration ttl) {
      if (ttl.isNegative() || ttl.toSeconds() > 0x7FFF_FFFFL) {
        throw new IllegalArgumentException("TTL must be 0..2^31-1 seconds: " + ttl);
      }
      this.ttl = ttl;
      return this;
    }

    /** Republish interval after a success (default 5 min). */
    public Builder republishInterval(Duration interval) {
      this.republishInterval = positive(interval, "republish interval");
      return this;
    }

    /** Backoff: {@code step} × failures, at most {@code max} (defaults 1 s and 60 s). */
    public Builder retryBackoff(Duration step, Duration max) {
      this.retryStep = positive(step, "retry step");
      this.maxRetryDelay = positive(max, "maximum retry delay");
      return this;
    }

    /** Relative jitter on retry delays, in [0, 1) (default 0.2). */
    public Builder jitter(double jitter) {
      if (!(jitter >= 0 && jitter < 1)) {
        throw new IllegalArgumentException("jitter must be in [0, 1): " + jitter);
      }
      this.jitter = jitter;
      return this;
    }

    /** Time for one PUT (default 10 s). */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "request timeout");
      return this;
    }

    /** Which addresses to publish (default {@link AddrFilter#relayOnly()}). */
    public Builder addrFilter(AddrFilter filter) {
      this.filter = Objects.requireNonNull(filter, "filter");
      return this;
    }

    /**
     * Timestamp source (default: the runtime's {@link ClientRuntime#timestamps()}, shared by its
     * publishers, so that one made later never signs before an earlier one).
     */
    public Builder timestamps(Timestamps timestamps) {
      this.timestamps = Objects.requireNonNull(timestamps, "timestamps");
      return this;
    }

    /** Adds a listener for every outcome. */
    public Builder listener(Consumer<? super PublishOutcome> listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    public PkarrPublisher build() {
      if (relays.isEmpty()) {
        throw new IllegalStateException("add at least one relay URL");
      }
      return new PkarrPublisher(this);
    }

    private static Duration positive(Duration d, String what) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive: " + d);
      }
      return d;
    }
  }
}
