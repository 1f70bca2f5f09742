package dev.keyway.client.resolve;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.lookup.AddressLookup;
import dev.keyway.client.lookup.ClientRuntime;
import dev.keyway.client.lookup.LookupItem;
import dev.keyway.client.lookup.LookupStream;
import dev.keyway.client.lookup.Scheduler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.ResolverConfig;

/**
 * Looks endpoints up in DNS (iroh's {@code DnsAddressLookup}): a TXT query for
 * {@code _iroh.<z32>.<origin>} read with the iroh 1.0 rules of
 * {@link dev.keyway.client.record.IrohTxt#fromDnsAnswer}.
 *
 * <h2>Staggering (iroh's {@code DNS_STAGGERING_MS})</h2>
 * One query is sent at once and more at 200, 300, 600, 1000, 2000 and 3000 ms, each offset
 * measured from the start and moved by up to ±20 % jitter (from the runtime's
 * {@code RandomGenerator}); each query has its own timeout (3 s), so the lookup gives up after
 * about 6 s. With several nameservers the attempts rotate over them. The first definitive
 * answer ends the lookup and cancels every other attempt: a record set (found), NXDOMAIN or
 * NODATA (not found: an empty result, not an error), or a record set that is invalid (an error,
 * as iroh rejects it). Timeouts, I/O errors and other RCODEs (SERVFAIL, REFUSED) only end their
 * attempt; if all attempts end that way the lookup fails with a {@link ResolveException}.
 * Unlike iroh, a received NXDOMAIN stops the schedule: repeating it cannot change the answer; and
 * once every nameserver has refused (REFUSED, or an ICMP port unreachable: no DNS server there),
 * the lookup fails at once instead of asking them again until the schedule ends (a wrong origin
 * or port is reported in milliseconds, not after 3 s).
 *
 * <h2>Transport</h2>
 * UDP with EDNS(0) (payload 1232), a TCP retry when the answer is truncated
 * ({@link SocketDnsTransport} on the runtime's loop). Nameservers default to the system's
 * ({@code dnsjava ResolverConfig}).
 *
 * <p>Thread-safe; timers run on the runtime's {@link Scheduler}.
 */
public final class DnsLookup implements AddressLookup {
  /** Provenance of this service's items. */
  public static final String PROVENANCE = "dns";
  /** iroh's staggering: the offsets of the queries of one lookup. */
  public static final List<Duration> IROH_STAGGERING = List.of(
      Duration.ZERO, Duration.ofMillis(200), Duration.ofMillis(300), Duration.ofMillis(600),
      Duration.ofMillis(1000), Duration.ofMillis(2000), Duration.ofMillis(3000));
  /** iroh's {@code DNS_TIMEOUT}: how long one query waits for its answer. */
  public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(3);
  /** iroh's jitter on the staggering offsets: ±20 %. */
  public static final double DEFAULT_JITTER = 0.2;
  /** The origin of n0's public DNS server. */
  public static final String N0_ORIGIN = "dns.iroh.link.";

  private final Name origin;
  private final List<InetSocketAddress> nameservers;
  private final int distinctNameservers;
  private final List<Duration> staggering;
  private final Duration attemptTimeout;
  private final double jitter;
  private final boolean edns;
  private final DnsTransport transport;
  private final ClientRuntime runtime;
  private final Scheduler scheduler;
  private final RandomGenerator random;
  private final String name;

  private DnsLookup(Builder b) {
    this.origin = DnsAnswers.origin(b.origin);
    this.nameservers = b.nameservers.isEmpty() ? systemNameservers() : List.copyOf(b.nameservers);
    this.distinctNameservers = new java.util.HashSet<>(nameservers).size();
    this.staggering = List.copyOf(b.staggering);
    this.attemptTimeout = b.attemptTimeout;
    this.jitter = b.jitter;
    this.edns = b.edns;
    this.transport = b.transport != null ? b.transport : new SocketDnsTransport(b.runtime.loop());
    this.runtime = b.runtime;
    this.scheduler = b.runtime.scheduler();
    this.random = b.runtime.random();
    this.name = PROVENANCE + " " + origin + " @" + describe(nameservers);
  }

  /** A builder for lookups under {@code origin} (e.g. {@code keyway.localhost.}). */
  public static Builder builder(ClientRuntime runtime, String origin) {
    return new Builder(runtime, origin);
  }

  private static List<InetSocketAddress> systemNameservers() {
    List<InetSocketAddress> servers = ResolverConfig.getCurrentConfig().servers();
    if (servers.isEmpty()) {
      throw new IllegalStateException("no system nameservers found; configure one explicitly");
    }
    return List.copyOf(servers);
  }

  private static String describe(List<InetSocketAddress> servers) {
    return String.join(",", servers.stream()
        .map(s -> (s.getAddress() == null ? s.getHostString() : s.getAddress().getHostAddress()) + ":" + s.getPort())
        .toList());
  }

  @Override
  public String provenance() {
    return PROVENANCE;
  }

  /** The source name in streams: {@code dns <origin> @<servers>}. */
  public String name() {
    return name;
  }

  /** The origin, absolute. */
  public Name origin() {
    return origin;
  }

  /** The nameservers asked, in rotation order. */
  public List<InetSocketAddress> nameservers() {
    return nameservers;
  }

  /** The name queried for {@code id}: {@code _iroh.<z32>.<origin>}. */
  public Name queryName(PublicKey id) {
    return DnsAnswers.queryName(id, origin);
  }

  @Override
  public LookupStream resolve(PublicKey endpointId) {
    return LookupStream.of(name, lookup(endpointId)).callbacksOn(runtime);
  }

  /**
   * Looks {@code id} up: the item, empty for "not found" (NXDOMAIN, NODATA), or a
   * {@link ResolveException} when no attempt got a usable answer; an
   * {@link IllegalStateException} if the runtime is closed first. Cancelling the future stops
   * every attempt.
   * Completes on the client's own threads, whatever the runtime's callback executor: the
   * streams of {@link #resolve} follow that executor.
   */
  public CompletableFuture<Optional<LookupItem>> lookup(PublicKey id) {
    Staggered s = new Staggered(queryName(id));
    runtime.track(s.result);
    s.start();
    return s.result;
  }

  /** One lookup: its attempts, their timers and the errors so far. */
  private final class Staggered {
    final Name qname;
    final CompletableFuture<Optional<LookupItem>> result = new CompletableFuture<>();
    final List<Scheduler.Cancellable> timers = new ArrayList<>();
    final List<CompletableFuture<Message>> inFlight = new ArrayList<>();
    final List<String> errors = new ArrayList<>();
    /** Nameservers that refused this name; when all have, nothing is left to ask. */
    final java.util.Set<InetSocketAddress> refusedBy = new java.util.HashSet<>();
    boolean refusedName;
    int ended;

    Staggered(Name qname) {
      this.qname = qname;
    }

    void start() {
      result.whenComplete((r, e) -> stopAll());
      for (int i = 0; i < staggering.size(); i++) {
        int attempt = i;
        Duration delay = jittered(staggering.get(i));
        if (delay.isZero()) {
          send(attempt); // the first query goes out on the caller's thread, without a hop
        } else {
          Scheduler.Cancellable t = scheduler.schedule(delay, () -> send(attempt));
          synchronized (this) {
            timers.add(t);
          }
        }
        if (result.isDone()) {
          return;
        }
      }
    }

    private void send(int attempt) {
      if (result.isDone()) {
        return;
      }
      InetSocketAddress server = nameservers.get(attempt % nameservers.size());
      Message query = DnsAnswers.query(qname, DnsAnswers.randomId(random), edns);
      CompletableFuture<Message> answer;
      try {
        answer = transport.query(server, query);
      } catch (RuntimeException e) {
        answer = CompletableFuture.failedFuture(e);
      }
      CompletableFuture<Message> a = answer;
      Scheduler.Cancellable timeout = scheduler.schedule(attemptTimeout, () -> a.completeExceptionally(
          new TimeoutException("no answer within " + attemptTimeout.toMillis() + " ms")));
      synchronized (this) {
        timers.add(timeout);
        inFlight.add(a);
      }
      if (result.isDone()) {
        a.cancel(true);
      }
      a.whenComplete((response, error) -> {
        timeout.cancel();
        ended(server, response, error);
      });
    }

    private void ended(InetSocketAddress server, Message response, Throwable error) {
      if (result.isDone()) {
        return;
      }
      String failure = null;
      boolean refused = false;
      String where = hostPort(server);
      if (error != null) {
        failure = where + ": " + reason(error);
        refused = error instanceof java.net.PortUnreachableException;
      } else {
        try {
          DnsAnswers.Verdict v = DnsAnswers.read(qname, response, PROVENANCE);
          if (v instanceof DnsAnswers.Retry retry) {
            failure = where + ": " + retry.why();
            refused = retry.refused();
            refusedName |= refused;
          } else {
            result.complete(DnsAnswers.item(v));
            return;
          }
        } catch (ResolveException invalid) {
          result.completeExceptionally(invalid);
          return;
        }
      }
      boolean last;
      boolean allRefused;
      int attempts;
      synchronized (this) {
        errors.add(failure);
        ended++;
        attempts = ended;
        last = ended == staggering.size();
        if (refused) {
          refusedBy.add(server);
        }
        allRefused = refusedBy.size() == distinctNameservers;
      }
      if (last || allRefused) {
        result.completeExceptionally(new ResolveException("DNS lookup of " + qname + " failed after "
            + attempts + " attempt(s): " + summarize(errors)
            + (allRefused && refusedName
                ? " (every nameserver refused it: do they serve " + origin + "?)" : "")));
      }
    }

    private void stopAll() {
      List<Scheduler.Cancellable> t;
      List<CompletableFuture<Message>> f;
      synchronized (this) {
        t = List.copyOf(timers);
        f = List.copyOf(inFlight);
      }
      t.forEach(Scheduler.Cancellable::cancel);
      f.forEach(x -> x.cancel(true));
    }
  }

  private static String hostPort(InetSocketAddress s) {
    String host = s.getAddress() == null ? s.getHostString() : s.getAddress().getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + s.getPort();
  }

  private static String reason(Throwable e) {
    if (e instanceof java.net.PortUnreachableException) {
      return "port unreachable (no DNS server there)";
    }
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }

  /** Identical errors once, with a count: {@code a (x3); b}. */
  private static String summarize(List<String> errors) {
    java.util.LinkedHashMap<String, Integer> counts = new java.util.LinkedHashMap<>();
    for (String e : errors) {
      counts.merge(e, 1, Integer::sum);
    }
    List<String> parts = new ArrayList<>();
    counts.forEach((e, n) -> parts.add(n == 1 ? e : e + " (x" + n + ")"));
    return String.join("; ", parts);
  }

  private Duration jittered(Duration d) {
    if (d.isZero() || jitter == 0) {
      return d;
    }
    double factor = 1 + jitter * (2 * random.nextDouble() - 1);
    return Duration.ofNanos(Math.round(d.toNanos() * factor));
  }

  @Override
  public String toString() {
    return name;
  }

  /** Settings of a {@link DnsLookup}. */
  public static final class Builder {
    private final ClientRuntime runtime;
    private final String origin;
    private final List<InetSocketAddress> nameservers = new ArrayList<>();
    private List<Duration> staggering = IROH_STAGGERING;
    private Duration attemptTimeout = DEFAULT_ATTEMPT_TIMEOUT;
    private double jitter = DEFAULT_JITTER;
    private boolean edns = true;
    private DnsTransport transport;

    private Builder(ClientRuntime runtime, String origin) {
      this.runtime = Objects.requireNonNull(runtime, "runtime");
      this.origin = Objects.requireNonNull(origin, "origin");
      DnsAnswers.origin(origin); // fail fast on a bad origin
    }

    /**
     * Adds a nameserver (default, when none is added: the system's).
     *
     * @throws IllegalArgumentException if its address is unresolved (every query would fail)
     */
    public Builder nameserver(InetSocketAddress server) {
      Objects.requireNonNull(server, "server");
      if (server.isUnresolved()) {
        throw new IllegalArgumentException("nameserver " + server.getHostString() + ":"
            + server.getPort() + " does not resolve to an address");
      }
      nameservers.add(server);
      return this;
    }

    /**
     * Adds a nameserver by IP literal or host name (resolved now) and port.
     *
     * @throws IllegalArgumentException if the host name does not resolve
     */
    public Builder nameserver(String host, int port) {
      return nameserver(new InetSocketAddress(host, port));
    }

    /**
     * Query offsets from the start of a lookup (default {@link #IROH_STAGGERING}); the first
     * should be zero. One entry means a single query.
     */
    public Builder staggering(List<Duration> offsets) {
      if (offsets.isEmpty()) {
        throw new IllegalArgumentException("at least one query offset is needed");
      }
      for (Duration d : offsets) {
        if (d.isNegative()) {
          throw new IllegalArgumentException("query offsets must not be negative: " + d);
        }
      }
      this.staggering = List.copyOf(offsets);
      return this;
    }

    /** How long each query waits (default 3 s). */
    public Builder attemptTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("attempt timeout must be positive: " + timeout);
      }
      this.attemptTimeout = timeout;
      return this;
    }

    /** Relative jitter on the offsets, 0 to 1 (default 0.2). */
    public Builder jitter(double jitter) {
      if (!(jitter >= 0 && jitter < 1)) {
        throw new IllegalArgumentException("jitter must be in [0, 1): " + jitter);
      }
      this.jitter = jitter;
      return this;
    }

    /** Whether queries carry EDNS(0) (default true). */
    public Builder edns(boolean edns) {
      this.edns = edns;
      return this;
    }

    /** Sends queries through {@code transport} instead of UDP/TCP sockets (tests). */
    public Builder transport(DnsTransport transport) {
      this.transport = Objects.requireNonNull(transport, "transport");
      return this;
    }

    public DnsLookup build() {
      return new DnsLookup(this);
    }
  }
}
