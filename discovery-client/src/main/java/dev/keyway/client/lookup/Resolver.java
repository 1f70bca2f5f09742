package dev.keyway.client.lookup;

import dev.keyway.client.addr.EndpointAddr;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.record.EndpointInfo;
import dev.keyway.client.ticket.Tickets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The client's front door: turns an endpoint id or a ticket into addresses, through a
 * {@link TtlCache} and a {@link ConcurrentLookup} of discovery services.
 *
 * <pre>{@code
 * try (ClientRuntime rt = ClientRuntime.create();  // one per application: a thread and an HTTP client
 *     Resolver resolver = Resolver.builder(rt)
 *         .lookup(r -> DnsLookup.builder(r, "keyway.localhost.").nameserver("127.0.0.1", 5300).build())
 *         .lookup(r -> PkarrRelayLookup.builder(r, URI.create("http://127.0.0.1:8080/pkarr")).build())
 *         .build()) {
 *   Optional<LookupItem> item = resolver.resolve(id).first().get(5, SECONDS);
 * }
 * }</pre>
 *
 * <p>Share one {@link ClientRuntime} between the resolvers and publishers of an application.
 * {@link #builder()} without one makes a runtime per resolver (a loop thread and an HTTP client
 * each), which only {@link #close()} releases: a resolver dropped without closing keeps its
 * thread for good.
 *
 * <ul>
 *   <li>{@link #resolve(PublicKey)}: a fresh cache entry answers at once (source {@code "cache"},
 *       the item keeps its original provenance); otherwise every service is asked concurrently,
 *       and each item that arrives is cached.
 *   <li>{@link #resolve(EndpointAddr, boolean)} and {@link #resolveTicket}: the ticket's own
 *       addresses are the first item at once (provenance {@code "ticket"}, no network); with
 *       {@code refresh} discovery is asked too and its items follow in the same stream.
 * </ul>
 *
 * <p>{@link #close()} cancels lookups still running and, if the resolver made its own
 * {@link ClientRuntime}, closes it (its event loop stops; on Java 17 the JDK HTTP client's
 * selector thread ends only once the client is garbage-collected). A runtime passed to the
 * builder stays open for its owner. {@code first().get(timeout)} that times out leaves the lookup
 * running: cancel the stream to stop it. Thread-safe.
 *
 * <p>The streams it returns run their callbacks on the runtime's
 * {@linkplain ClientRuntime.Builder#callbackExecutor callback executor} when one is set (each
 * stream in its own lane, in order, see {@link LookupStream}); its own work (the cache, joining
 * lookups) stays on the client's threads, so an item is cached before any application callback
 * sees it.
 */
public final class Resolver implements AutoCloseable {
  /** Source name and provenance of cache hits. */
  public static final String CACHE = "cache";
  /** Source name and provenance of a ticket's own addresses. */
  public static final String TICKET = "ticket";

  private final ClientRuntime runtime;
  private final boolean ownsRuntime;
  private final ConcurrentLookup lookups;
  private final TtlCache cache;
  private final Set<LookupStream> running = ConcurrentHashMap.newKeySet();
  /** Lookups on the network now, by id: a second resolve of the id reads the same one. */
  private final Map<PublicKey, Flight> inFlight = new HashMap<>();
  private volatile boolean closed;

  private Resolver(Builder b, ClientRuntime runtime, boolean ownsRuntime) {
    this.runtime = runtime;
    this.ownsRuntime = ownsRuntime;
    List<AddressLookup> services = new ArrayList<>(b.lookups);
    for (Function<ClientRuntime, ? extends AddressLookup> f : b.factories) {
      services.add(f.apply(runtime));
    }
    this.lookups = new ConcurrentLookup(services);
    this.cache = !b.cacheEnabled ? null
        : b.cache != null ? b.cache : new TtlCache(runtime.clock(), b.minTtl, b.maxTtl, b.capacity);
  }

  /**
   * A builder that makes its own runtime (closed with the resolver, and only then: close it).
   * Prefer {@link #builder(ClientRuntime)} with a runtime shared across the application.
   */
  public static Builder builder() {
    return new Builder(null);
  }

  /** A builder sharing {@code runtime}, which the caller closes after the resolver. */
  public static Builder builder(ClientRuntime runtime) {
    return new Builder(Objects.requireNonNull(runtime, "runtime"));
  }

  /** The runtime the services run on. */
  public ClientRuntime runtime() {
    return runtime;
  }

  /** The services asked on a cache miss. */
  public ConcurrentLookup lookups() {
    return lookups;
  }

  /** The cache, unless disabled. */
  public Optional<TtlCache> cache() {
    return Optional.ofNullable(cache);
  }

  /**
   * Looks up {@code id}: a fresh cache entry, else every service concurrently. Resolves of an id
   * whose lookup is running and has not answered yet join it (each gets its own stream;
   * cancelling one stops the lookup only when it was the last reader).
   */
  public LookupStream resolve(PublicKey id) {
    return toCaller(lookUp(id));
  }

  private LookupStream lookUp(PublicKey id) {
    Objects.requireNonNull(id, "id");
    checkOpen();
    if (cache != null) {
      Optional<LookupItem> hit = cache.getFresh(id);
      if (hit.isPresent()) {
        return LookupStream.found(CACHE, hit.get());
      }
    }
    return discover(id);
  }

  /** Looks up {@code id} in every service, ignoring fresh cache entries (results are cached). */
  public LookupStream refresh(PublicKey id) {
    Objects.requireNonNull(id, "id");
    checkOpen();
    return toCaller(discover(id));
  }

  /**
   * The addresses of a ticket's {@link EndpointAddr} at once, as an item with provenance
   * {@code "ticket"}; with {@code refresh}, the services are asked too (through the cache).
   */
  public LookupStream resolve(EndpointAddr addr, boolean refresh) {
    Objects.requireNonNull(addr, "addr");
    checkOpen();
    LookupStream own = LookupStream.found(TICKET, LookupItem.of(EndpointInfo.of(addr), TICKET));
    if (!refresh) {
      return toCaller(own);
    }
    return toCaller(LookupStream.merge(own, lookUp(addr.id())));
  }

  /** {@code stream} with its callbacks on the runtime's callback executor, if it has one. */
  private LookupStream toCaller(LookupStream stream) {
    return stream.callbacksOn(runtime);
  }

  /**
   * Parses an {@code endpoint…} or legacy {@code node…} ticket and resolves it as
   * {@link #resolve(EndpointAddr, boolean)} does.
   *
   * @throws dev.keyway.client.ticket.TicketFormatException if the ticket does not decode
   */
  public LookupStream resolveTicket(String ticket, boolean refresh) {
    return resolve(Tickets.parse(ticket), refresh);
  }

  /**
   * Asks the services, or joins their lookup of {@code id} already running and not answered yet:
   * twenty resolves of one id at once make one set of queries, not twenty (relays rate-limit).
   * Every caller gets its own view; the lookup stops early only once every view was cancelled.
   */
  private LookupStream discover(PublicKey id) {
    Flight flight;
    synchronized (inFlight) {
      flight = inFlight.get(id);
      // Join only a lookup that has not answered yet: one that has is in the cache already (for
      // resolve), and refresh() asks for a lookup newer than any answer the caller may have seen.
      if (flight == null || flight.stream.isDone() || !flight.stream.itemsSoFar().isEmpty()) {
        // The services' streams may deliver to the callback executor; this bookkeeping (the
        // cache insert before anyone sees the item, the flight's end) stays where they complete.
        // Stripping the lane is free (the same stream without it); toCaller adds one at the end.
        LookupStream asked = lookups.resolve(id).withoutCallbacks();
        // A signed answer older than the packet the cache has seen is "not found", as in pkarr:
        // a lagging relay must not hand the caller addresses already replaced.
        LookupStream stream = cache == null ? asked
            : asked.filtered(item -> item.filter(i -> !cache.hasNewerThan(i)));
        if (cache != null) {
          stream.onItem(cache::offer);
        }
        if (stream.isDone()) {
          return stream;
        }
        Flight started = new Flight(stream);
        flight = started;
        inFlight.put(id, started);
        running.add(stream);
        stream.done().whenComplete((s, e) -> {
          running.remove(stream);
          synchronized (inFlight) {
            inFlight.remove(id, started);
          }
        });
        if (closed) {
          stream.cancel();
        }
      }
      flight.readers++;
    }
    Flight joined = flight;
    return joined.stream.view(() -> {
      synchronized (inFlight) {
        if (--joined.readers > 0) {
          return;
        }
      }
      joined.stream.cancel();
    });
  }

  /** One lookup on the network and how many readers have not cancelled it. */
  private static final class Flight {
    final LookupStream stream;
    int readers; // guarded by inFlight

    Flight(LookupStream stream) {
      this.stream = stream;
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("resolver is closed");
    }
  }

  /** Cancels running lookups; closes the runtime if the resolver made it. Idempotent. */
  @Override
  public void close() {
    closed = true;
    for (LookupStream s : List.copyOf(running)) {
      s.cancel();
    }
    if (ownsRuntime) {
      runtime.close();
    }
  }

  /** Settings of a {@link Resolver}. */
  public static final class Builder {
    private final ClientRuntime runtime;
    private final List<AddressLookup> lookups = new ArrayList<>();
    private final List<Function<ClientRuntime, ? extends AddressLookup>> factories = new ArrayList<>();
    private boolean cacheEnabled = true;
    private Duration minTtl = TtlCache.DEFAULT_MIN_TTL;
    private Duration maxTtl = TtlCache.DEFAULT_MAX_TTL;
    private int capacity = TtlCache.DEFAULT_CAPACITY;
    private ClientRuntime.Builder runtimeSettings;
    private TtlCache cache;

    private Builder(ClientRuntime runtime) {
      this.runtime = runtime;
    }

    /** Adds a service built elsewhere. */
    public Builder lookup(AddressLookup lookup) {
      lookups.add(Objects.requireNonNull(lookup, "lookup"));
      return this;
    }

    /** Adds a service built on the resolver's runtime when {@link #build()} runs. */
    public Builder lookup(Function<ClientRuntime, ? extends AddressLookup> factory) {
      factories.add(Objects.requireNonNull(factory, "factory"));
      return this;
    }

    /** Cache TTL bounds (defaults: {@link TtlCache#DEFAULT_MIN_TTL}, {@link TtlCache#DEFAULT_MAX_TTL}). */
    public Builder cacheTtl(Duration min, Duration max) {
      this.minTtl = Objects.requireNonNull(min, "min");
      this.maxTtl = Objects.requireNonNull(max, "max");
      return this;
    }

    /** Most keys the cache keeps (default {@link TtlCache#DEFAULT_CAPACITY}). */
    public Builder cacheCapacity(int capacity) {
      this.capacity = capacity;
      return this;
    }

    /**
     * Uses {@code cache} (made on the runtime's clock) instead of making one, e.g. to share it
     * with a relay lookup's {@code knownPackets(cache::knownPacket)}.
     */
    public Builder cache(TtlCache cache) {
      this.cache = Objects.requireNonNull(cache, "cache");
      this.cacheEnabled = true;
      return this;
    }

    /** Turns the cache off: every resolve asks the services. */
    public Builder noCache() {
      this.cacheEnabled = false;
      return this;
    }

    /** Settings for the runtime the resolver makes (only without a shared runtime). */
    public Builder runtimeSettings(ClientRuntime.Builder settings) {
      if (runtime != null) {
        throw new IllegalStateException("the resolver shares a runtime; configure that one");
      }
      this.runtimeSettings = Objects.requireNonNull(settings, "settings");
      return this;
    }

    /**
     * The resolver.
     *
     * @throws IllegalStateException without any lookup
     */
    public Resolver build() {
      if (lookups.isEmpty() && factories.isEmpty()) {
        // It would answer "not found" for every id, like a node that is not published.
        throw new IllegalStateException("a resolver needs at least one lookup: add one with"
            + " lookup(...) (DnsLookup, DohLookup, PkarrRelayLookup, ...)");
      }
      if (runtime != null) {
        return new Resolver(this, runtime, false);
      }
      ClientRuntime own = (runtimeSettings != null ? runtimeSettings : ClientRuntime.builder()).build();
      try {
        return new Resolver(this, own, true);
      } catch (RuntimeException e) {
        own.close();
        throw e;
      }
    }
  }
}
