package dev.keyway.gossip.book;

import dev.keyway.client.addr.EndpointAddr;
import dev.keyway.client.addr.RelayUrl;
import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.record.EndpointInfo;
import dev.keyway.client.record.UserData;
import dev.keyway.gossip.net.GossipEvent;
import dev.keyway.gossip.net.GossipEvents;
import dev.keyway.gossip.net.GossipNode;
import dev.keyway.gossip.net.GossipNodeConfig;
import dev.keyway.gossip.net.GossipTopic;
import dev.keyway.gossip.proto.DuplicateMessageException;
import dev.keyway.gossip.proto.PlumTreeConfig;
import dev.keyway.gossip.proto.Scope;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gossip address book of a node (after iroh-gossip-discovery): every member periodically
 * broadcasts a signed {@link Announcement} on the book topic; every member verifies what it
 * receives and keeps an {@link AddressBook} of the others, which expires silent nodes. Plug
 * {@link #lookup()} into anything that takes the client's
 * {@link dev.keyway.client.lookup.AddressLookup} (a {@code Resolver}, say; see
 * {@link GossipAddressLookup} on its cache). The node itself learns the gossip addresses the book
 * hears of, so it can dial members it only knows from the book.
 *
 * <p>Runs on its own Vert.x context: announcements, sweeps and joins are timers there, and the
 * topic's events are handled there. Expiry reads the injected {@link Clock}; {@link #sweep()}
 * can be called directly (tests advance a clock and sweep).
 *
 * <p>Newly seen nodes are asked to join at a bounded rate ({@link BookConfig#joinsPerInterval()}
 * per {@link BookConfig#joinInterval()}, and only while this node has fewer neighbours than
 * {@link BookConfig#joinWhenNeighborsBelow()}); the queue of nodes to join is bounded too.
 *
 * <p>When a node this book does not know becomes a neighbour (most likely a newcomer), or a
 * neighbour turns out to have restarted (a newer announcement with a lower counter), the book
 * hands it what it knows: its own and the others' latest signed announcements, as the nodes signed
 * them ({@link BookSync}), so the newcomer learns the swarm at once instead of one announcement
 * interval later. Each is verified like gossip, and counts as seen when it was signed, so relaying
 * never keeps a dead node alive (see {@link AddressBook#apply(Announcement, byte[], boolean)}).
 *
 * <p>A node that stops on purpose ({@link #close()}) says so: it signs a {@link Leave} (wire form
 * in {@link Leaves}) dated after its last announcement and broadcasts it on the book topic before
 * it leaves the topic, so every member drops its entry at once instead of after the expiry T, and
 * the book's own {@link #lookup()} no longer hands out its addresses (a caching
 * {@code Resolver} in front of it may hand out what it resolved until its cache TTL runs out, at
 * least 30 s by default: see {@link GossipAddressLookup}). A member that takes a leave counts it
 * ({@link BookStats#left()}) and logs one INFO line as it does for an expiry. It still asks the
 * node to join again, as it does expired nodes, but later and for less long (see
 * {@link #departed}): a stop on purpose is most often a restart (an upgrade, a reboot), and a
 * member restarted without bootstrap peers (the first member, say) is found again only by being
 * dialled. See {@link AddressBook#leave} for the ordering that keeps a replayed leave from
 * removing a restarted node.
 *
 * <p>A node that exists for its book does best started with {@link #nodeConfig}, which batches
 * the gossip layer's IHaves to suit periodic announcements.
 */
public final class GossipAddressBook implements AutoCloseable {
  private static final Logger EVENTS = LoggerFactory.getLogger("events.keyway.gossip.book");
  private static final Logger LOG = LoggerFactory.getLogger(GossipAddressBook.class);
  private static final long SKEW_WARNING_MILLIS = 60_000;
  private static final int MAX_JOIN_QUEUE = 1024;
  /** Most announcements in one hand-over: a newcomer to a larger swarm learns the rest by gossip. */
  static final int MAX_HAND_OVER = 256;
  /**
   * Most frames in one hand-over (with the default 4 KiB frames about 240 typical announcements,
   * 48 of the largest): with {@link #HAND_OVER_SPACING} it bounds what hand-overs queue per
   * neighbour to a small share of the send queue, whatever the entries' size.
   */
  static final int MAX_HAND_OVER_FRAMES = 16;
  /** Least time between two hand-overs (a Vert.x timer, not the book's clock: it paces traffic). */
  static final Duration HAND_OVER_SPACING = Duration.ofSeconds(1);

  private final GossipNode node;
  private final SecretKey key;
  private final BookConfig config;
  private final Clock clock;
  /** Book-clock millis of the last clock-skew warning (touched on the book's context only). */
  private long lastSkewWarning = Long.MIN_VALUE / 2;
  private long lastTwinWarning = Long.MIN_VALUE / 2;
  /** The timestamp of this run's first announcement (on the context). */
  private long firstTimestamp = Long.MAX_VALUE;
  /**
   * Counter → timestamp of the announcements signed in this run, the latest
   * {@link #SIGNED_REMEMBERED} (on the context): a hand-over may bring back one with addresses
   * since changed, which is not another process.
   */
  private final LinkedHashMap<Long, Long> signedThisRun = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
      return size() > SIGNED_REMEMBERED;
    }
  };
  private static final int SIGNED_REMEMBERED = 1024;
  private final AddressBook book;
  private final Vertx vertx;
  private final ContextInternal context;
  private final BookStats stats = new BookStats();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final GossipAddressLookup lookup;
  private volatile List<RelayUrl> relayUrls;
  private volatile List<SocketAddr> directAddrs;
  private volatile UserData userData;

  // context-only state
  private GossipTopic topic;
  private GossipEvents events;
  private long counter;
  private long lastTimestamp;
  private boolean lastAnnouncementLost;
  /** Our latest signed announcement (handed over with the book). */
  private byte[] lastSigned;
  private final HandOverPacer pacer = new HandOverPacer();
  /** The timer that runs for the spacing after a hand-over, or -1. */
  private long spacingTimer = -1;
  private final ArrayDeque<PublicKey> joinQueue = new ArrayDeque<>();
  private final Set<PublicKey> queued = new HashSet<>();
  /**
   * Nodes that left the book, with their last addresses, oldest first (synchronized:
   * {@link #sweep()} may run on any thread): expired ones for {@link #DEPARTED_FOR_EXPIRIES} · T
   * (at least {@link #DEPARTED_AT_LEAST}) after they expired, and ones that left on purpose (a
   * verified leave) for {@link #LEFT_FOR_EXPIRIES} · T after the leave, first asked back only
   * {@link #LEFT_FIRST_REDIAL_TICKS} intervals after it. Each announcement interval, with no newly
   * seen node to join, this node asks one of them to join again: round robin while it has fewer
   * neighbours than it wants, and otherwise each one with a backoff doubling up to
   * {@link #MAX_REDIAL_BACKOFF_TICKS} intervals. A member restarted without bootstrap peers (the
   * first node, say) knows nobody, and nobody else would ever dial it again (HyParView forgets a
   * peer that said Disconnect without "alive", as a leaving node does); and after a network
   * partition heals, the two halves have full views of their own, so only a redial across the
   * former split joins them again (HyParView itself never replaces a neighbour that works).
   */
  private final LinkedHashMap<PublicKey, Departed> departed = new LinkedHashMap<>();

  private final List<Long> timers = new ArrayList<>();
  private boolean closed;

  private GossipAddressBook(GossipNode node, SecretKey key, BookConfig config, Clock clock) {
    this.node = node;
    this.key = key;
    this.config = config;
    this.clock = clock;
    this.book = new AddressBook(node.id(), config.expiry(), clock, config.maxEntries());
    this.vertx = node.vertx();
    this.context = ((VertxInternal) vertx).createEventLoopContext();
    this.relayUrls = config.relayUrls();
    List<SocketAddr> ips = node.endpointAddr().ipAddrs();
    this.directAddrs = ips.size() > Announcement.MAX_ADDRS ? ips.subList(0, Announcement.MAX_ADDRS) : ips;
    this.userData = config.userData();
    this.lookup = new GossipAddressLookup(this);
  }

  /** The longest IHave batching window {@link #nodeConfig} chooses. */
  public static final Duration MAX_IHAVE_WINDOW = Duration.ofSeconds(1);

  /**
   * {@code base} tuned for a node whose traffic is an address book: IHaves are batched for a third
   * of the announcement interval, at most {@link #MAX_IHAVE_WINDOW} and never shorter than
   * {@code base}'s window. Announcements are periodic and each one supersedes the last, so a lazy
   * repair that waits up to a second costs the book nothing, while IHave frames are most of a quiet
   * node's traffic (20 nodes, 3 s interval: 15.1 to 9.2 frames per node per second, ops/bench/RESULTS.md).
   */
  public static GossipNodeConfig nodeConfig(GossipNodeConfig base, BookConfig book) {
    PlumTreeConfig plumTree = base.gossip().plumTree();
    Duration window = book.announceInterval().dividedBy(3);
    if (window.compareTo(MAX_IHAVE_WINDOW) > 0) {
      window = MAX_IHAVE_WINDOW;
    }
    if (window.compareTo(plumTree.dispatchTimeout()) <= 0) {
      return base;
    }
    return base.withGossip(base.gossip().withPlumTree(plumTree.withDispatchTimeout(window)));
  }

  /**
   * Starts the book on {@code node}: joins the book topic through {@code bootstrap} and begins
   * announcing. {@code key} is the node's secret key (it signs the announcements).
   *
   * @throws IllegalArgumentException if {@code key} is not the node's key, or the config's
   *     announce interval is not shorter than its expiry
   */
  public static CompletableFuture<GossipAddressBook> start(GossipNode node, SecretKey key, BookConfig config,
      Clock clock, Collection<EndpointAddr> bootstrap) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(clock, "clock");
    if (config.announceInterval().compareTo(config.expiry()) >= 0) {
      // Checked here, not in BookConfig, so that its with-methods can be chained in any order.
      throw new IllegalArgumentException("announceInterval " + config.announceInterval()
          + " must be shorter than expiry " + config.expiry()
          + ": every member would expire between its own announcements");
    }
    if (!key.publicKey().equals(node.id())) {
      throw new IllegalArgumentException("the key must be the node's key");
    }
    GossipAddressBook b = new GossipAddressBook(node, key, config, clock);
    List<EndpointAddr> boot = List.copyOf(bootstrap);
    CompletableFuture<GossipAddressBook> started = new CompletableFuture<>();
    b.context.runOnContext(v -> {
      try {
        b.begin(boot);
        started.complete(b);
      } catch (RuntimeException e) {
        started.completeExceptionally(e);
      }
    });
    return started;
  }

  private void begin(List<EndpointAddr> bootstrap) {
    topic = node.join(config.topic(), bootstrap);
    events = topic.events();
    events.handler(r -> context.runOnContext(v -> r.run()), this::onEvent);
    announce();
    timers.add(vertx.setPeriodic(config.announceInterval().toMillis(), id -> announce()));
    timers.add(vertx.setPeriodic(config.sweepInterval().toMillis(), id -> sweep()));
    timers.add(vertx.setPeriodic(config.joinInterval().toMillis(), id -> joinSome()));
    timers.add(vertx.setPeriodic(config.announceInterval().toMillis(), id -> redialDeparted()));
  }

  // ------------------------------------------------------------------ queries (any thread)

  /** This node's name. */
  public String name() {
    return config.name();
  }

  /** The node. */
  public GossipNode node() {
    return node;
  }

  /** The underlying book. */
  public AddressBook book() {
    return book;
  }

  /** The settings. */
  public BookConfig config() {
    return config;
  }

  /** The counters. */
  public BookStats stats() {
    return stats;
  }

  /** The book as an address lookup (provenance {@code "gossip"}). */
  public GossipAddressLookup lookup() {
    return lookup;
  }

  /** The topic the book gossips on. */
  public Optional<GossipTopic> topic() {
    return Optional.ofNullable(topic);
  }

  /** Current entries (each name's owner), by name. */
  public List<BookEntry> entries() {
    return book.entries();
  }

  /** The time on the book's clock. */
  public Instant now() {
    return clock.instant();
  }

  /** What this node announces about itself now. */
  public EndpointInfo self() {
    List<dev.keyway.client.addr.TransportAddr> addrs = new ArrayList<>();
    for (RelayUrl r : relayUrls) {
      addrs.add(new dev.keyway.client.addr.TransportAddr.Relay(r));
    }
    for (SocketAddr s : directAddrs) {
      addrs.add(new dev.keyway.client.addr.TransportAddr.Ip(s));
    }
    return EndpointInfo.of(node.id(), addrs, userData);
  }

  /** Calls {@code listener} (on the book's context) whenever the set of entries or their details change. */
  public void onChange(Runnable listener) {
    listeners.add(listener);
  }

  /**
   * Replaces what this node announces: its relay URLs, direct addresses and user data (as
   * {@link dev.keyway.client.lookup.AddressLookup#publish}); announced at once.
   */
  public void publish(EndpointInfo info) {
    List<RelayUrl> relays = info.relayUrls();
    List<SocketAddr> ips = info.ipAddrs();
    relayUrls = List.copyOf(relays.size() > Announcement.MAX_RELAYS ? relays.subList(0, Announcement.MAX_RELAYS) : relays);
    directAddrs = List.copyOf(ips.size() > Announcement.MAX_ADDRS ? ips.subList(0, Announcement.MAX_ADDRS) : ips);
    userData = info.userData().orElse(null);
    context.runOnContext(v -> announce());
  }

  // ------------------------------------------------------------------ on the context

  /**
   * The timestamp of this node's next signed message (announcement or leave): the clock, but
   * always after the last one, so each outranks the one before.
   */
  private long nextTimestamp() {
    long now = micros(clock.instant());
    long ts = Math.max(now, lastTimestamp + 1);
    long ahead = ts - now;
    if (ahead > config.expiry().toNanos() / 1_000) {
      // The clock went back (a wrong clock corrected, say) by more than receivers accept ahead of
      // theirs (T): carrying the last timestamp on would get every announcement refused until
      // the clock caught up with it, for as long as the clock was wrong. Nobody took those, so
      // restart from the clock. (Within T they were taken, and carrying on is what keeps ours
      // newer than them.)
      LOG.warn("the clock is {} s behind this node's last announcement: announcing from the"
          + " clock again", ahead / 1_000_000);
      ts = now;
    }
    lastTimestamp = ts;
    return ts;
  }

  private void announce() {
    if (closed) {
      return;
    }
    long ts = nextTimestamp();
    firstTimestamp = Math.min(firstTimestamp, ts);
    Announcement a = new Announcement(node.id(), config.name(), relayUrls, directAddrs, userData, counter++, ts);
    signedThisRun.put(a.counter(), ts);
    byte[] signed = Announcements.sign(a, key);
    lastSigned = signed;
    lastAnnouncementLost = topic.neighbors().isEmpty();
    topic.broadcast(signed).whenComplete((v, e) -> {
      if (e != null) {
        LOG.debug("announcement not broadcast", e);
      } else {
        stats.announced.increment();
      }
    });
  }

  private void onEvent(GossipEvent event) {
    if (closed) {
      return;
    }
    if (event instanceof GossipEvent.Received r) {
      receive(r);
    } else if (event instanceof GossipEvent.NeighborUp up) {
      // Our last announcement went out while we had no neighbour, so nobody has it: announce now
      // rather than at the next tick. Not on every new neighbour: the swarm knows us already, and
      // a swarm-wide announcement per link change made a 50-node swarm's start several times
      // busier (ops/bench/RESULTS.md).
      if (lastAnnouncementLost) {
        announce();
      }
      if (book.get(up.peer()).isEmpty()) {
        requestHandOver();
      }
    } else if (event instanceof GossipEvent.Lagged l) {
      stats.lagged.add(l.missed());
      EVENTS.atDebug().addKeyValue("event", "lagged").addKeyValue("missed", l.missed()).log();
    }
  }

  /** A newcomer arrived: hand over now, or once at the end of the spacing ({@link HandOverPacer}). */
  private void requestHandOver() {
    if (pacer.request()) {
      handOver();
    }
  }

  private void spacingEnded() {
    spacingTimer = -1;
    if (!closed && pacer.spacingEnded()) {
      handOver();
    }
  }

  /**
   * Hands this node's book to its neighbours: a neighbour new to us is most likely new to the
   * swarm, and learns every member from this instead of from their next announcements (up to an
   * interval later). Our own latest announcement goes first. The others get a copy too (a hand-over
   * is not addressable to one neighbour in the gossip protocol); it costs them a parse per entry,
   * since what they have already is dropped before any signature check.
   */
  private void handOver() {
    spacingTimer = vertx.setTimer(HAND_OVER_SPACING.toMillis(), id -> spacingEnded());
    List<byte[]> envelopes = new ArrayList<>();
    if (lastSigned != null) {
      envelopes.add(lastSigned);
    }
    envelopes.addAll(book.relayable(MAX_HAND_OVER - envelopes.size()));
    List<byte[]> messages = BookSync.encode(envelopes, node.maxBroadcastSize());
    for (byte[] message : messages.subList(0, Math.min(messages.size(), MAX_HAND_OVER_FRAMES))) {
      topic.broadcastNeighbors(message).whenComplete((v, e) -> {
        if (e != null) {
          LOG.debug("book hand-over not sent", e);
        } else {
          stats.handedOver.increment();
        }
      });
    }
  }

  private void receive(GossipEvent.Received r) {
    BookMessageKind kind = BookMessageKind.of(r.content());
    if (kind == BookMessageKind.LEAVE) {
      receiveLeave(r);
    } else if (kind == BookMessageKind.SYNC) {
      List<byte[]> envelopes;
      try {
        envelopes = BookSync.decode(r.content());
      } catch (Announcements.MalformedException e) {
        malformed(r, e);
        return;
      }
      Announcements.MalformedException firstMalformed = null;
      for (byte[] envelope : envelopes) {
        try {
          receive(r, Announcements.parse(envelope), true);
        } catch (Announcements.MalformedException e) {
          firstMalformed = firstMalformed == null ? e : firstMalformed;
        }
      }
      if (firstMalformed != null) {
        malformed(r, firstMalformed); // once per message, however many of its envelopes
      }
    } else {
      // An announcement, or an unknown kind: the announcement parser refuses every kind but its own
      // (counted malformed), as it always has, which is how older nodes treat a leave.
      try {
        receive(r, Announcements.parse(r.content()), false);
      } catch (Announcements.MalformedException e) {
        malformed(r, e);
      }
    }
  }

  private void malformed(GossipEvent.Received r, Exception e) {
    stats.malformed.increment();
    EVENTS.atDebug().addKeyValue("event", "malformed").addKeyValue("from", fmt(r.deliveredFrom()))
        .addKeyValue("reason", e.getMessage()).log();
  }

  /** Takes one parsed envelope: dropped unchecked if the book would not use it, else verified. */
  private void receive(GossipEvent.Received r, Announcements.Parsed parsed, boolean relayed) {
    Announcement a = parsed.announcement();
    byte[] envelope = parsed.envelope();
    // Replays (most of a hand-over, and duplicates gossip delivers under load) are dropped before
    // the signature check, which is most of the cost of an announcement, so a forged replay counts
    // as replayed; anything else the book refuses is verified first and counts as forged if it is.
    AddressBook.Outcome outcome = book.precheck(a, relayed);
    if (outcome == null || outcome == AddressBook.Outcome.UNTIMELY) {
      try {
        Announcements.verify(parsed);
      } catch (Announcements.ForgedException e) {
        stats.forged.increment();
        EVENTS.atDebug().addKeyValue("event", "forged").addKeyValue("from", fmt(r.deliveredFrom()))
            .addKeyValue("reason", e.getMessage()).log();
        return;
      }
      if (outcome == null) {
        long previousCounter = book.get(a.nodeId()).map(e -> e.announcement().counter()).orElse(-1L);
        outcome = book.apply(a, envelope, relayed);
        if (a.counter() < previousCounter && topic.neighbors().contains(a.nodeId())) {
          // A newer announcement with a lower counter: the neighbour restarted (same key, counter
          // from 0) with an empty book, which it would otherwise fill only as members announce.
          EVENTS.atDebug().addKeyValue("event", "restarted").addKeyValue("node", a.nodeId().fmtShort()).log();
          requestHandOver();
        }
      }
      if (relayed && outcome != AddressBook.Outcome.REPLAYED && outcome != AddressBook.Outcome.UNTIMELY) {
        stats.relayed.increment();
      }
    }
    if (relayed && (outcome == AddressBook.Outcome.REPLAYED
        || outcome == AddressBook.Outcome.UNTIMELY && a.timestampMicros() < micros(clock.instant()))) {
      return; // a hand-over repeats what most receivers have, and may carry entries close to expiry
    }
    switch (outcome) {
      case SELF -> selfFromElsewhere(a, parsed);
      case REPLAYED -> {
        stats.replayed.increment();
        EVENTS.atDebug().addKeyValue("event", "replayed").addKeyValue("node", a.nodeId().fmtShort())
            .addKeyValue("counter", a.counter()).log();
      }
      case UNTIMELY -> untimely(a, relayed);
      case NEW -> {
        stats.accepted.increment();
        stats.discovered.increment();
        EVENTS.atDebug().addKeyValue("event", "discovered").addKeyValue("node", a.nodeId().fmtShort())
            .addKeyValue("name", a.name()).log();
        // One line per arrival and per expiry: as many as the membership changes, not per message.
        LOG.info("member {} ({}) is in the book, at {}", a.nodeId().fmtShort(), a.name(), a.addrs());
        node.addAddresses(EndpointAddr.of(a.nodeId(), a.addrs()));
        if (queued.size() < MAX_JOIN_QUEUE && queued.add(a.nodeId())) {
          joinQueue.add(a.nodeId());
        }
        changed();
      }
      case CHANGED -> {
        stats.accepted.increment();
        node.addAddresses(EndpointAddr.of(a.nodeId(), a.addrs()));
        changed();
      }
      case REFRESHED -> stats.accepted.increment();
      default -> throw new IllegalStateException();
    }
  }

  /**
   * Takes a leave: dropped unchecked if the book would not use it (ours, untimely, or a replay:
   * {@link AddressBook#precheckLeave}), else verified, then applied to the book
   * ({@link AddressBook#leave}); so a flood of stale leaves costs a parse each, not an Ed25519
   * verification, as with announcements. The leaving node sends it twice, broadcast to the swarm
   * and directly to each neighbour (see {@link #sayLeaving}): a neighbour whose link to it is lazy
   * gets only the direct copy, which the gossip layer does not forward, so that neighbour
   * broadcasts it on (the same bytes, so the same message id: wherever the original arrived too,
   * gossip drops the second as a duplicate).
   */
  private void receiveLeave(GossipEvent.Received r) {
    Leaves.Parsed parsed;
    try {
      parsed = Leaves.parse(r.content());
    } catch (Announcements.MalformedException e) {
      malformed(r, e);
      return;
    }
    Leave l = parsed.leave();
    AddressBook.LeaveOutcome refused = book.precheckLeave(l);
    if (refused == null) {
      try {
        Leaves.verify(parsed);
      } catch (Announcements.ForgedException e) {
        stats.forged.increment();
        EVENTS.atDebug().addKeyValue("event", "forged").addKeyValue("from", fmt(r.deliveredFrom()))
            .addKeyValue("reason", e.getMessage()).log();
        return;
      }
    }
    // The leaving node's own direct copy (see sayLeaving), not one relayed or replayed by another.
    boolean direct = r.scope() == Scope.NEIGHBORS && l.nodeId().equals(r.deliveredFrom());
    AddressBook.LeaveResult result = refused != null ? new AddressBook.LeaveResult(refused, null) : book.leave(l);
    switch (result.outcome()) {
      case REMOVED -> {
        BookEntry e = result.removed();
        rememberLeft(EndpointAddr.of(l.nodeId(), e.announcement().addrs()));
        stats.left.increment();
        EVENTS.atDebug().addKeyValue("event", "left").addKeyValue("node", l.nodeId().fmtShort())
            .addKeyValue("name", e.name()).log();
        LOG.info("member {} ({}) left the book: it stopped and said so", l.nodeId().fmtShort(), e.name());
        changed();
      }
      case ABSENT -> {
        // Not in the book (expired already, say): if it is asked back, only for as long as a
        // node that left on purpose.
        shortenDeparted(l.nodeId());
        EVENTS.atDebug().addKeyValue("event", "left_unknown").addKeyValue("node", l.nodeId().fmtShort()).log();
      }
      case REPLAYED -> {
        if (direct) {
          return; // the leaving node's direct copy of what its broadcast brought us already
        }
        stats.replayed.increment();
        EVENTS.atDebug().addKeyValue("event", "replayed_leave").addKeyValue("node", l.nodeId().fmtShort())
            .addKeyValue("counter", l.counter()).log();
        return;
      }
      case UNTIMELY -> {
        stats.untimely.increment();
        EVENTS.atDebug().addKeyValue("event", "untimely_leave").addKeyValue("node", l.nodeId().fmtShort())
            .addKeyValue("skew_ms", l.timestampMicros() / 1_000 - clock.millis()).log();
        return;
      }
      case SELF -> {
        return; // ours, from before a restart
      }
      default -> throw new IllegalStateException();
    }
    if (direct) {
      topic.broadcast(r.content()).whenComplete((v, e) -> {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause != null && !(cause instanceof DuplicateMessageException)) {
          LOG.debug("leave not broadcast on", e);
        }
      });
    }
  }

  /** The departed nodes this book asks to join again (diagnostics and tests). */
  Set<PublicKey> departedIds() {
    synchronized (departed) {
      return Set.copyOf(departed.keySet());
    }
  }

  /**
   * Remembers a node that left on purpose, to ask it back: not before
   * {@link #LEFT_FIRST_REDIAL_TICKS} intervals, and until {@link #LEFT_FOR_EXPIRIES} · T from now.
   */
  private void rememberLeft(EndpointAddr addr) {
    Departed d = new Departed(addr, clock.instant().plus(leftHorizon()));
    d.hold = LEFT_FIRST_REDIAL_TICKS;
    remember(d);
  }

  /** An expired node's leave came after all: it is asked back only as long as one that left. */
  private void shortenDeparted(PublicKey id) {
    Instant until = clock.instant().plus(leftHorizon());
    synchronized (departed) {
      Departed d = departed.get(id);
      if (d != null && d.until.isAfter(until)) {
        d.until = until;
      }
    }
  }

  private Duration leftHorizon() {
    return config.expiry().multipliedBy(LEFT_FOR_EXPIRIES);
  }

  /** Adds {@code d} as the newest departed node (replacing an older one), at most {@link #MAX_DEPARTED}. */
  private void remember(Departed d) {
    synchronized (departed) {
      departed.remove(d.addr.id());
      departed.put(d.addr.id(), d);
      if (departed.size() > MAX_DEPARTED) {
        departed.remove(departed.keySet().iterator().next());
      }
    }
  }

  /**
   * Our own id with another node's addresses, signed with our key: a second process runs with
   * this node's key (a key file copied into an image, an old instance still running). Both then
   * announce one id with different addresses, and whichever announced last wins everywhere, so
   * one of them is silently unreachable: warn, at most once a minute.
   */
  private void selfFromElsewhere(Announcement a, Announcements.Parsed parsed) {
    Long ours = signedThisRun.get(a.counter());
    if (a.timestampMicros() < firstTimestamp || ours != null && ours == a.timestampMicros()
        || a.name().equals(config.name()) && a.relayUrls().equals(relayUrls)
        && a.directAddrs().equals(directAddrs)) {
      return; // ours: from before a restart, one we signed in this run, or like our latest
    }
    try {
      Announcements.verify(parsed);
    } catch (Announcements.ForgedException e) {
      stats.forged.increment();
      return;
    }
    stats.keyShared.increment();
    long now = clock.millis();
    if (now - lastTwinWarning > SKEW_WARNING_MILLIS) {
      lastTwinWarning = now;
      LOG.warn("another process announces this node's id {} with our key, as \"{}\" at {}: two"
          + " nodes must not share a key (each would take the other's place in every book)",
          a.nodeId().fmtShort(), a.name(), a.addrs());
    }
  }

  /** Counts an announcement outside the time window; warns (at most once a minute) of skew. */
  private void untimely(Announcement a, boolean relayed) {
    stats.untimely.increment();
    long skewMillis = a.timestampMicros() / 1_000 - clock.millis();
    EVENTS.atDebug().addKeyValue("event", "untimely").addKeyValue("node", a.nodeId().fmtShort())
        .addKeyValue("skew_ms", skewMillis).addKeyValue("relayed", relayed).log();
    long now = clock.millis();
    // A handed-over copy is held to T/10 (AddressBook#relayedSkew); the node's own announcement,
    // judged against T, still arrives through gossip: a warning here would blame a clock that is
    // within what the members are told to keep.
    if (!relayed && now - lastSkewWarning > SKEW_WARNING_MILLIS) {
      lastSkewWarning = now;
      if (skewMillis > 0) {
        LOG.warn("announcement of {} ({}) is {} s ahead of this node's clock, more than the expiry"
            + " of {} s: refused. The book's members need clocks that agree to within the expiry"
            + " (NTP): {}'s clock is ahead, or this node's is behind.", a.nodeId().fmtShort(),
            a.name(), skewMillis / 1_000, config.expiry().toSeconds(), a.name());
      } else {
        // Too old: a clock behind at the sender, or ahead here (then every member's is refused
        // and this node's book stays empty; the others do not warn about it, they only count).
        LOG.warn("announcement of {} ({}) was signed {} s before this node's clock says, older than"
            + " the book accepts (expiry {} s): refused. If every member's is refused, this node's"
            + " clock is ahead (NTP); if only {}'s, its clock is behind.", a.nodeId().fmtShort(),
            a.name(), -skewMillis / 1_000, config.expiry().toSeconds(), a.name());
      }
    }
  }

  private static long micros(Instant i) {
    return i.getEpochSecond() * 1_000_000 + i.getNano() / 1000;
  }

  private static String fmt(PublicKey k) {
    return k == null ? "?" : k.fmtShort();
  }

  /** How long a departed node is asked to join again, in expiries T. */
  static final int DEPARTED_FOR_EXPIRIES = 10;
  /** ... and at least this long: partitions of a few minutes to an hour heal by themselves. */
  static final Duration DEPARTED_AT_LEAST = Duration.ofHours(1);
  /** Most departed nodes remembered. */
  static final int MAX_DEPARTED = 64;
  /** Longest wait between redials of one departed node while the view is full, in intervals. */
  static final int MAX_REDIAL_BACKOFF_TICKS = 64;
  /**
   * How long a node that left on purpose is asked to join again, in expiries T (5 min at the
   * default 30 s): a restart or an upgrade takes seconds, a reboot a minute or two, while a member
   * removed for good should not be dialled for the hour an expired one is (an expiry may be a
   * partition, which heals by itself; a leave is not).
   */
  static final int LEFT_FOR_EXPIRIES = 10;
  /**
   * Announcement intervals before a node that left on purpose is first asked back (9 s at the
   * default 3 s): it is still shutting down when its leave arrives, and a dial then only fails.
   */
  static final int LEFT_FIRST_REDIAL_TICKS = 3;

  /**
   * A node that expired or left, its last addresses and until when it is asked to come back; it is
   * not asked before {@code hold} more redial ticks, and, with a full view, again only after
   * {@code wait} more. Guarded by {@link #departed}.
   */
  private static final class Departed {
    final EndpointAddr addr;
    Instant until;
    int redials;
    int wait = 1;
    int hold;

    Departed(EndpointAddr addr, Instant until) {
      this.addr = addr;
      this.until = until;
    }
  }

  /** Joins up to {@link BookConfig#joinsPerInterval()} newly seen nodes. */
  private void joinSome() {
    if (closed) {
      return;
    }

    List<EndpointAddr> batch = new ArrayList<>();
    Set<PublicKey> neighbours = topic.neighbors();
    while (batch.size() < config.joinsPerInterval() && !joinQueue.isEmpty()) {
      if (neighbours.size() + batch.size() >= config.joinWhenNeighborsBelow()) {
        joinQueue.clear();
        queued.clear();
        break;
      }
      PublicKey id = joinQueue.poll();
      queued.remove(id);
      Optional<BookEntry> e = book.get(id);
      if (e.isEmpty() || neighbours.contains(id)) {
        continue;
      }
      batch.add(EndpointAddr.of(id, e.get().announcement().addrs()));
    }
    if (!batch.isEmpty()) {
      stats.joined.add(batch.size());
      EVENTS.atDebug().addKeyValue("event", "join").addKeyValue("count", batch.size()).log();
      topic.joinPeers(batch);
    }
  }

  /**
   * Asks one departed node to join again: the one asked longest ago if this node needs
   * neighbours, else the first whose backoff has run out (see {@link #departed}).
   */
  private void redialDeparted() {
    if (closed || !joinQueue.isEmpty()) {
      return;
    }
    boolean needy = topic.neighbors().size() < config.joinWhenNeighborsBelow();
    Instant now = clock.instant();
    Departed next = null;
    synchronized (departed) {
      departed.entrySet().removeIf(e -> now.isAfter(e.getValue().until)
          || book.get(e.getKey()).isPresent()); // gone for good, or back in the book
      for (Departed d : departed.values()) {
        if (d.hold > 0) {
          d.hold--; // left on purpose just now: give it time to come back
          continue;
        }
        if (needy) {
          next = next == null ? d : next;
          continue;
        }
        d.wait = Math.max(0, d.wait - 1);
        if (next == null && d.wait == 0) {
          next = d;
        }
      }
      if (next != null) {
        next.redials++;
        next.wait = needy ? 1 : Math.min(1 << Math.min(next.redials, 30), MAX_REDIAL_BACKOFF_TICKS);
        departed.remove(next.addr.id());
        departed.put(next.addr.id(), next); // to the end: the next redial asks another one
      }
    }
    if (next != null) {
      stats.joined.add(1);
      EVENTS.atDebug().addKeyValue("event", "rejoin").addKeyValue("node", next.addr.id().fmtShort())
          .addKeyValue("redials", next.redials).log();
      topic.joinPeers(List.of(next.addr));
    }
  }

  /** Drops expired entries now; returns them. Runs every {@link BookConfig#sweepInterval()}. */
  public List<BookEntry> sweep() {
    List<BookEntry> expired = book.sweep();
    if (!expired.isEmpty()) {
      Duration remembered = config.expiry().multipliedBy(DEPARTED_FOR_EXPIRIES);
      Instant until = clock.instant().plus(
          remembered.compareTo(DEPARTED_AT_LEAST) < 0 ? DEPARTED_AT_LEAST : remembered);
      for (BookEntry e : expired) {
        remember(new Departed(EndpointAddr.of(e.nodeId(), e.announcement().addrs()), until));
      }
      stats.expired.add(expired.size());
      for (BookEntry e : expired) {
        EVENTS.atDebug().addKeyValue("event", "expired").addKeyValue("node", e.nodeId().fmtShort())
            .addKeyValue("name", e.name()).log();
        LOG.info("member {} ({}) left the book: silent for over {} s", e.nodeId().fmtShort(), e.name(),
            config.expiry().toSeconds());
      }
      context.runOnContext(v -> changed());
    }
    return expired;
  }

  private void changed() {
    for (Runnable l : listeners) {
      try {
        l.run();
      } catch (RuntimeException e) {
        LOG.warn("address book listener failed", e);
      }
    }
  }

  /** How long {@link #close()} gives the leave to be handed to the node before it leaves the topic. */
  static final Duration LEAVE_GRACE = Duration.ofMillis(500);
  /** How long {@link #close()} waits in all: the grace, then leaving the topic. */
  static final Duration CLOSE_WAIT = LEAVE_GRACE.multipliedBy(2);

  /**
   * Says this node is leaving, then stops announcing and leaves the book topic (the node keeps
   * running): every member that hears the leave drops this node at once. Waits until the leave is
   * handed to the node and the topic is left, at most {@link #CLOSE_WAIT} (1 s; at once with no
   * neighbours); on an event-loop thread it does not wait (see {@link #closeAsync()}).
   *
   * <p>Close the book before its node. From an event-loop thread (a Vert.x handler, say) this
   * returns at once, and a {@link GossipNode#close()} right after it would overtake the book's stop
   * and drop the leave: there, chain the two instead,
   * {@code book.closeAsync().thenCompose(v -> node.closeAsync())}.
   */
  @Override
  public void close() {
    CompletableFuture<Void> done = closeAsync();
    if (Context.isOnEventLoopThread()) {
      return; // blocking here could hold up the very loop that sends the leave
    }
    try {
      done.get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.debug("address book close did not finish in time", e);
    }
  }

  /**
   * {@link #close()} without waiting: completes once the topic is left. The leave is broadcast to
   * the swarm and sent to each neighbour directly (a neighbour whose link is lazy would otherwise
   * get only a batched IHave, which leaving the topic drops); the topic is left once the node has
   * queued both (frames go out in order, so the leave precedes the Disconnects), or after
   * {@link #LEAVE_GRACE} if it has not. Quitting the topic closes each connection only once its
   * queued frames are written.
   *
   * <p>To stop the node too, close it once this completes, so that the leave is queued first:
   * {@code book.closeAsync().thenCompose(v -> node.closeAsync())}. Closing the node at once may
   * drop the leave, and the others then keep this node until it expires.
   */
  public CompletableFuture<Void> closeAsync() {
    return stop(true);
  }

  /**
   * Stops announcing and leaves the book topic <em>without</em> saying so: the others keep this
   * node until it expires, as after a crash. For tests and demos of expiry (with
   * {@link GossipNode#kill()}); completes once the topic is left.
   */
  public CompletableFuture<Void> closeWithoutLeaving() {
    return stop(false);
  }

  private CompletableFuture<Void> stop(boolean sayLeaving) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    context.runOnContext(v -> {
      if (closed) {
        done.complete(null);
        return;
      }
      closed = true;
      for (long id : timers) {
        vertx.cancelTimer(id);
      }
      if (spacingTimer >= 0) {
        vertx.cancelTimer(spacingTimer);
      }
      if (topic == null) {
        done.complete(null);
        return;
      }
      CompletableFuture<Void> handed = sayLeaving ? sayLeaving() : CompletableFuture.completedFuture(null);
      CompletableFuture<Void> gate = new CompletableFuture<>();
      long graceTimer = vertx.setTimer(LEAVE_GRACE.toMillis(), id -> gate.complete(null));
      handed.whenComplete((x, e) -> gate.complete(null));
      gate.whenComplete((x, e) -> context.runOnContext(w -> {
        vertx.cancelTimer(graceTimer);
        if (events != null) {
          events.close();
        }
        topic.leave().whenComplete((y, f) -> done.complete(null));
      }));
    });
    return done;
  }

  /**
   * Signs this node's leave (after its last announcement: the next timestamp and counter) and hands
   * it to the node twice: broadcast to the swarm, and to the neighbours directly. Completes when
   * both are queued, or failed (the node closed, say).
   */
  private CompletableFuture<Void> sayLeaving() {
    Leave l = new Leave(node.id(), counter++, nextTimestamp());
    byte[] signed = Leaves.sign(l, key);
    EVENTS.atDebug().addKeyValue("event", "leaving").addKeyValue("neighbors", topic.neighbors().size()).log();
    CompletableFuture<Void> swarm = topic.broadcast(signed);
    CompletableFuture<Void> direct = topic.broadcastNeighbors(signed);
    return CompletableFuture.allOf(swarm, direct).whenComplete((v, e) -> {
      if (e != null) {
        LOG.debug("leave not sent", e);
      }
    });
  }
}
