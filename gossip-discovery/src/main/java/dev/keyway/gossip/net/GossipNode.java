package dev.keyway.gossip.net;

import dev.keyway.client.addr.EndpointAddr;
import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.addr.TransportAddr;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.lookup.AddressLookup;
import dev.keyway.client.lookup.LookupItem;
import dev.keyway.gossip.proto.Event;
import dev.keyway.gossip.proto.GossipState;
import dev.keyway.gossip.proto.InEvent;
import dev.keyway.gossip.proto.Message;
import dev.keyway.gossip.proto.OutEvent;
import dev.keyway.gossip.proto.Scope;
import dev.keyway.gossip.proto.TopicCommand;
import dev.keyway.gossip.proto.TopicId;
import dev.keyway.gossip.wire.Frame;
import dev.keyway.gossip.wire.GossipCodec;
import dev.keyway.gossip.wire.PeerEncoding;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.transport.Transport;
import io.netty.channel.socket.InternetProtocolFamily;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A gossip node on a real network: the {@link GossipState} state machine driven by a
 * single-threaded actor on one Vert.x context, with node-key authenticated connections
 * ({@link TransportKind#QUIC} or {@link TransportKind#TCP}).
 *
 * <p>The actor is the only code that touches the state machine. Everything else (the API, the
 * transport's callbacks, timers, address lookups) posts to it. It only translates, as
 * iroh-gossip's net actor does: each {@link OutEvent} becomes a frame on a connection (dialling on
 * demand and queueing while it dials), a Vert.x timer that comes back as
 * {@link InEvent.TimerExpired}, a connection close, an application event, or an address learnt;
 * each inbound frame becomes {@link InEvent.RecvMessage}; each lost connection becomes
 * {@link InEvent.PeerDisconnected}. All sockets of the node live on the actor's event loop.
 *
 * <p>Connections: a second connection to the same peer (a simultaneous dial, a restarted peer)
 * becomes the one we send on; the older one stops sending but keeps delivering what the peer
 * sends on it until it closes or idles out. Only the loss of the connection we send on counts as
 * a disconnect. Connections no topic needs are closed after {@link GossipNodeConfig#idleTimeout()}
 * without traffic; an idle one to a peer a topic needs only once the peer sends on our newer
 * connection (see {@link #sweep}); QUIC connections that a topic needs get a keep-alive.
 *
 * <p>Memory is bounded: per-stream send queues ({@link GossipNodeConfig#sendQueueFrames()}, new
 * frames refused when full), frames kept while dialling, subscriptions (which lag), remembered
 * addresses, connections per peer, and inbound frames waiting for the actor (reading pauses).
 *
 * <pre>{@code
 * GossipNode node = GossipNode.builder(secretKey).vertx(vertx).start().join();
 * GossipTopic topic = node.join(TopicId.ofName("chat"), List.of(bootstrapAddr));
 * GossipEvents events = topic.events();
 * topic.broadcast("hello".getBytes(UTF_8)).join();
 * }</pre>
 */
public final class GossipNode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GossipNode.class);
  private static final Logger CONN_EVENTS = LoggerFactory.getLogger("events.keyway.gossip.connection");
  private static final Logger DIAL_EVENTS = LoggerFactory.getLogger("events.keyway.gossip.dial");
  private static final Logger FRAME_EVENTS = LoggerFactory.getLogger("events.keyway.gossip.frame");
  private static final int MAX_CONNECTIONS_PER_PEER = 3;
  /** Direct addresses remembered per peer. */
  private static final int MAX_ADDRS_PER_PEER = 16;
  private static final long CLOSE_GRACE_MILLIS = 2000;

  private final NodeIdentity identity;
  private final GossipNodeConfig config;
  private final Vertx vertx;
  private final boolean ownsVertx;
  private final ContextInternal context;
  private final LongSupplier nanoClock;
  private final RandomGenerator rng;
  private final AddressLookup lookup;
  private final GossipCodec<PublicKey> codec;
  private final NetStats stats = new NetStats();
  private final Map<TopicId, GossipTopic> topics = new ConcurrentHashMap<>();
  /** Every topic this node joined since it started: frames on the others are a misconfiguration. */
  private final Set<TopicId> everJoined = ConcurrentHashMap.newKeySet();
  /** Peer and topic pairs already warned about (bounded by {@link #MAX_FOREIGN_TOPIC_WARNINGS}). */
  private final Set<String> foreignTopicWarned = ConcurrentHashMap.newKeySet();
  private final CompletableFuture<Void> closedFuture = new CompletableFuture<>();
  private volatile InetSocketAddress localAddress;
  private volatile List<TransportAddr> advertised = List.of();
  private volatile TransportKind transportKind;
  private volatile boolean closing;
  private volatile BiConsumer<PublicKey, String> dialFailureListener;

  // ------------------------------------------------------------ actor state (actor thread only)
  private GossipState<PublicKey> state;
  private dev.keyway.gossip.net.Transport transport;
  private final Map<PublicKey, Peer> peers = new HashMap<>();
  /** Where each peer can be dialled (event loop only). */
  private final DialAddresses dialAddresses;
  /** Pending protocol timers: Vert.x timer id → the topic handle it was scheduled for. */
  private final Map<Long, GossipTopic> timers = new HashMap<>();
  private long sweepTimer = -1;
  private boolean actorClosed;

  /** What the actor knows about one peer's connections. */
  private static final class Peer {
    Connection current;
    final List<Connection> connections = new ArrayList<>();
    final ArrayDeque<Pending> pending = new ArrayDeque<>();
    boolean dialing;
  }

  private record Pending(TopicId topic, byte[] frame) {}

  private GossipNode(Builder b) {
    this.identity = NodeIdentity.of(b.key);
    this.config = b.config;
    this.ownsVertx = b.vertx == null;
    // Native (epoll) where it loads: only epoll TCP sockets can carry TCP_USER_TIMEOUT, which
    // notices a dead peer with unacknowledged data in flight (TcpTransport#enableKeepAlive).
    this.vertx = b.vertx != null ? b.vertx
        : Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
            .setPreferNativeTransport(true));
    this.context = ((VertxInternal) vertx).createEventLoopContext();
    this.nanoClock = b.nanoClock;
    this.rng = b.rng != null ? b.rng : new SplittableRandom(new SecureRandom().nextLong());
    this.lookup = b.lookup;
    this.codec = new GossipCodec<>(PeerEncoding.PUBLIC_KEYS, config.gossip().maxFrameSize());
    int maxKnown = config.maxKnownPeers();
    this.dialAddresses = new DialAddresses(maxKnown, MAX_ADDRS_PER_PEER);
  }

  /** A builder for the node with this key. */
  public static Builder builder(SecretKey key) {
    return new Builder(key);
  }

  /** Builds and starts a node. */
  public static final class Builder {
    private final SecretKey key;
    private GossipNodeConfig config = GossipNodeConfig.defaults();
    private Vertx vertx;
    private LongSupplier nanoClock = System::nanoTime;
    private RandomGenerator rng;
    private AddressLookup lookup;

    private Builder(SecretKey key) {
      this.key = Objects.requireNonNull(key, "key");
    }

    /** Settings (default {@link GossipNodeConfig#defaults()}). */
    public Builder config(GossipNodeConfig config) {
      this.config = Objects.requireNonNull(config, "config");
      return this;
    }

    /**
     * The Vert.x instance to run on; without one the node makes (and closes) its own, with the
     * native transport where it loads. Give one with {@code setPreferNativeTransport(true)}: on
     * NIO, a TCP connection to a peer that died with data in flight is noticed only after the
     * kernel's retransmission timeout (about 15 minutes), not after
     * {@link GossipNodeConfig#quicIdleTimeout()}.
     */
    public Builder vertx(Vertx vertx) {
      this.vertx = vertx;
      return this;
    }

    /** The monotonic clock (nanoseconds) the state machine reads; default {@link System#nanoTime()}. */
    public Builder nanoClock(LongSupplier clock) {
      this.nanoClock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The state machine's randomness; default seeded from {@link SecureRandom}. */
    public Builder random(RandomGenerator rng) {
      this.rng = rng;
      return this;
    }

    /**
     * Where to look up addresses of peers the node must dial but knows no address for (for
     * example the gossip address book, or DNS discovery).
     */
    public Builder addressLookup(AddressLookup lookup) {
      this.lookup = lookup;
      return this;
    }

    /** Binds the socket and starts the actor; completes once the node is listening. */
    public CompletableFuture<GossipNode> start() {
      GossipNode node = new GossipNode(this);
      return node.start().thenApply(v -> node);
    }
  }

  // ------------------------------------------------------------------ public API

  /** This node's id. */
  public PublicKey id() {
    return identity.nodeId();
  }

  /** The bound socket address. */
  public InetSocketAddress localAddress() {
    return localAddress;
  }

  /** The transport in use (AUTO resolved). */
  public TransportKind transport() {
    return transportKind;
  }

  /** This node's id and the addresses it announces (use it as a bootstrap address or in a ticket). */
  public EndpointAddr endpointAddr() {
    return EndpointAddr.of(id(), advertised);
  }

  /** The largest payload a broadcast accepts. */
  public int maxBroadcastSize() {
    return dev.keyway.gossip.proto.FrameSizes.maxBroadcastSize(config.gossip().maxFrameSize());
  }

  /** The configuration. */
  public GossipNodeConfig config() {
    return config;
  }

  /** The network counters. */
  public NetStats stats() {
    return stats;
  }

  /** The Vert.x instance the node runs on. */
  public Vertx vertx() {
    return vertx;
  }

  /**
   * Joins {@code topic}, sending a HyParView Join to each bootstrap peer (an empty list waits
   * for others to join us). Returns at once; joining again sends Joins to the new peers.
   */
  public GossipTopic join(TopicId topic, Collection<EndpointAddr> bootstrap) {
    Objects.requireNonNull(topic, "topic");
    List<EndpointAddr> boot = List.copyOf(bootstrap);
    GossipTopic handle = topics.compute(topic,
        (k, old) -> old == null || old.left || old.leaving ? new GossipTopic(this, k) : old);
    everJoined.add(topic);
    post(() -> {
      if (handle.left) {
        return;
      }
      List<PublicKey> ids = new ArrayList<>();
      for (EndpointAddr a : boot) {
        if (!a.id().equals(id())) {
          remember(a.id(), a.ipAddrs());
          ids.add(a.id());
        }
      }
      addRejoinPeers(handle, ids, true);
      handle(new InEvent.Command<>(topic, new TopicCommand.Join<>(ids)));
    });
    return handle;
  }

  /** The handle of a joined topic, if joined. */
  public Optional<GossipTopic> topic(TopicId topic) {
    GossipTopic t = topics.get(topic);
    return t == null || t.left ? Optional.empty() : Optional.of(t);
  }

  /** Remembers addresses for dialling {@code addr.id()} later. */
  public void addAddresses(EndpointAddr addr) {
    post(() -> remember(addr.id(), addr.ipAddrs()));
  }

  /**
   * Calls {@code listener} each time a dial fails: every known address of the peer was tried, or
   * none was known. {@code reason} is the transport's error for the last address tried, for
   * example {@code "Connection refused: /127.0.0.1:7000"}, {@code "QUIC handshake with
   * /127.0.0.1:7000 timed out"}, {@code "peer presented node id 1a2b3c4d5e but 6f7a8b9c0d was
   * dialled"} or {@code "no address known"} (free text, for people; the same as the debug log's
   * {@code events.keyway.gossip.dial} {@code unreachable} event). For diagnostics, such as telling
   * an operator why a bootstrap peer cannot be joined: the node itself keeps retrying a topic's
   * bootstrap peers while the topic has no neighbour. Runs on the node's event loop: keep it short
   * and never block. One listener: a later call replaces it, null removes it.
   */
  public void onDialFailure(BiConsumer<PublicKey, String> listener) {
    this.dialFailureListener = listener;
  }

  /** Ids of peers with an open connection now. */
  public CompletableFuture<Set<PublicKey>> connectedPeers() {
    return call(() -> {
      Set<PublicKey> out = new HashSet<>();
      for (Map.Entry<PublicKey, Peer> e : peers.entrySet()) {
        if (e.getValue().current != null) {
          out.add(e.getKey());
        }
      }
      return out;
    });
  }

  /**
   * Leaves every topic (telling the neighbours), closes every connection and the socket;
   * completes once the socket is released, so its address can be bound again at once.
   */
  public CompletableFuture<Void> closeAsync() {
    closing = true;
    context.runOnContext(v -> shutdown());
    return closedFuture.copy();
  }

  /** {@link #closeAsync()} and waits up to 10 s. */
  @Override
  public void close() {
    try {
      closeAsync().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      LOG.debug("gossip node close did not finish cleanly", e);
    }
  }

  /**
   * Simulates a crash: drops every connection and the socket without telling anyone (no
   * Disconnect), so peers see the connection vanish; completes once the socket is released.
   * For tests and demos.
   */
  public CompletableFuture<Void> kill() {
    closing = true;
    context.runOnContext(v -> {
      if (actorClosed) {
        return;
      }
      actorClosed = true;
      for (long id : timers.keySet()) {
        vertx.cancelTimer(id);
      }
      if (sweepTimer >= 0) {
        vertx.cancelTimer(sweepTimer);
      }
      for (GossipTopic t : topics.values()) {
        t.left = true;
        for (GossipEvents s : t.subscriptions) {
          s.closeFromNode();
        }
      }
      closeTransportThenFinish();
    });
    return closedFuture.copy();
  }

  /** Test hook: hands raw bytes to the connection to {@code peer} as a frame of {@code topic}. */
  CompletableFuture<Boolean> sendRawFrame(PublicKey peer, TopicId topic, byte[] frame) {
    return call(() -> {
      Peer p = peers.get(peer);
      return p != null && p.current != null && p.current.send(topic, frame);
    });
  }

  // ------------------------------------------------------------------ API helpers (any thread)

  CompletableFuture<Void> broadcast(GossipTopic topic, byte[] content, Scope scope) {
    byte[] copy = content.clone();
    return call(() -> {
      if (topic.left || !state.isJoined(topic.id())) {
        throw new IllegalStateException("topic " + topic.id().fmtShort() + " is not joined");
      }
      List<OutEvent<PublicKey>> out = state.handle(
          new InEvent.Command<>(topic.id(), new TopicCommand.Broadcast<>(copy, scope)), nanoClock.getAsLong());
      apply(out);
      return null;
    });
  }

  CompletableFuture<Void> joinPeers(GossipTopic topic, Collection<EndpointAddr> peersToJoin) {
    List<EndpointAddr> list = List.copyOf(peersToJoin);
    return call(() -> {
      if (topic.left) {
        throw new IllegalStateException("topic " + topic.id().fmtShort() + " was left");
      }
      List<PublicKey> ids = new ArrayList<>();
      for (EndpointAddr a : list) {
        if (!a.id().equals(id())) {
          remember(a.id(), a.ipAddrs());
          ids.add(a.id());
        }
      }
      if (!ids.isEmpty()) {
        addRejoinPeers(topic, ids, false);
        handle(new InEvent.Command<>(topic.id(), new TopicCommand.Join<>(ids)));
      }
      return null;
    });
  }

  GossipEvents subscribe(GossipTopic topic) {
    GossipEvents[] holder = new GossipEvents[1];
    GossipEvents events = new GossipEvents(config.subscriptionCapacity(), () -> topic.subscriptions.remove(holder[0]));
    holder[0] = events;
    post(() -> {
      if (topic.left || actorClosed) {
        events.closeFromNode();
        return;
      }
      if (events.isClosed()) {
        return; // closed by its owner before this ran: its removal already happened
      }
      for (PublicKey n : state.activeView(topic.id())) {
        events.offer(new GossipEvent.NeighborUp(n));
      }
      topic.subscriptions.add(events);
    });
    return events;
  }

  CompletableFuture<Void> leave(GossipTopic topic) {
    // Set at once, so a join() called before this leave has run gets a new handle, not this one.
    topic.leaving = true;
    return call(() -> {
      if (!topic.left) {
        topic.left = true;
        topics.remove(topic.id(), topic);
        handle(new InEvent.Command<>(topic.id(), new TopicCommand.Quit<>()));
        cancelTimers(topic);
        for (GossipEvents s : topic.subscriptions) {
          s.closeFromNode();
        }
        topic.subscriptions.clear();
        topic.neighbors.clear();
      }
      return null;
    });
  }

  private void post(Runnable task) {
    context.runOnContext(v -> {
      if (!actorClosed) {
        task.run();
      }
    });
  }

  private <T> CompletableFuture<T> call(Supplier<T> task) {
    CompletableFuture<T> result = new CompletableFuture<>();
    if (closing) {
      result.completeExceptionally(new IllegalStateException("gossip node is closed"));
      return result;
    }
    context.runOnContext(v -> {
      if (actorClosed) {
        result.completeExceptionally(new IllegalStateException("gossip node is closed"));
        return;
      }
      try {
        result.complete(task.get());
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    });
    return result;
  }

  // ------------------------------------------------------------------ start / stop

  private CompletableFuture<Void> start() {
    CompletableFuture<Void> started = new CompletableFuture<>();
    context.runOnContext(v -> {
      try {
        TransportKind kind = config.transport().resolve();
        transportKind = kind;
        Transport vt = ((VertxInternal) vertx).transport();
        NetLimits limits = new NetLimits(config.gossip().maxFrameSize(), config.sendQueueFrames(),
            config.maxTopics(), config.maxInboundPending(), config.dialTimeout().toMillis(),
            config.quicIdleTimeout().toMillis());
        Listener listener = new Listener();
        transport = kind == TransportKind.QUIC
            ? new QuicTransport(identity, config.alpn(), limits, context.nettyEventLoop(),
                vt.datagramChannelFactory(), listener)
            : new TcpTransport(identity, config.alpn(), limits, context.nettyEventLoop(),
                vt.channelFactory(false), vt.serverChannelFactory(false), listener);
        transport.bind(config.bind()).whenComplete((addr, e) -> context.runOnContext(x -> {
          if (e != null) {
            started.completeExceptionally(e);
            closeTransportThenFinish();
            return;
          }
          localAddress = addr;
          advertised = advertisedAddrs(addr);
          state = new GossipState<>(id(), PeerAddrs.encode(advertised), config.gossip(), rng);
          sweepTimer = vertx.setPeriodic(1000, id -> sweep());
          CONN_EVENTS.atDebug().addKeyValue("event", "listening").addKeyValue("node", id().fmtShort())
              .addKeyValue("transport", kind).addKeyValue("addr", addr).log();
          started.complete(null);
        }));
      } catch (RuntimeException e) {
        started.completeExceptionally(e);
        closeTransportThenFinish();
      }
    });
    return started;
  }

  private List<TransportAddr> advertisedAddrs(InetSocketAddress bound) {
    List<TransportAddr> out = new ArrayList<>();
    if (!config.advertise().isEmpty()) {
      for (SocketAddr a : config.advertise()) {
        out.add(new TransportAddr.Ip(a));
      }
      return out;
    }
    if (!bound.getAddress().isAnyLocalAddress()) {
      out.add(new TransportAddr.Ip(SocketAddr.of(bound)));
      return out;
    }
    // Loopback only when there is nothing else: a peer on another host that dials our 127.0.0.1
    // reaches its own listener, fails the handshake and only then tries the real address.
    List<TransportAddr> loopback = new ArrayList<>();
    try {
      for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nif.isUp()) {
          continue;
        }
        for (InetAddress ip : Collections.list(nif.getInetAddresses())) {
          if (ip.isLinkLocalAddress() || (ip instanceof Inet6Address && bound.getAddress() instanceof java.net.Inet4Address)) {
            continue;
          }
          TransportAddr a = new TransportAddr.Ip(SocketAddr.of(new InetSocketAddress(ip, bound.getPort())));
          (ip.isLoopbackAddress() ? loopback : out).add(a);
        }
      }
    } catch (SocketException e) {
      LOG.debug("cannot list network interfaces", e);
    }
    if (out.isEmpty()) {
      out.addAll(loopback);
    }
    out.sort(null);
    return out.size() > PeerAddrs.MAX_ENTRIES ? List.copyOf(out.subList(0, PeerAddrs.MAX_ENTRIES)) : out;
  }

  private void shutdown() {
    if (actorClosed) {
      return;
    }
    if (state == null) {
      closeTransportThenFinish();
      return;
    }
    for (TopicId t : state.topics()) {
      handle(new InEvent.Command<>(t, new TopicCommand.Quit<>()));
    }
    actorClosed = true;
    for (GossipTopic t : topics.values()) {
      t.left = true;
      for (GossipEvents s : t.subscriptions) {
        s.closeFromNode();
      }
    }
    for (long id : timers.keySet()) {
      vertx.cancelTimer(id);
    }
    timers.clear();
    if (sweepTimer >= 0) {
      vertx.cancelTimer(sweepTimer);
    }
    int queued = 0;
    for (Peer p : peers.values()) {
      for (Connection c : p.connections) {
        queued += c.queuedFrames();
        c.finishSending();
      }
    }
    // Give the Disconnects a moment to leave, then close everything.
    vertx.setTimer(queued > 0 ? 500 : 100, id -> closeTransportThenFinish());
  }

  /** Closes the transport (if any) and completes the close once its sockets are released. */
  private void closeTransportThenFinish() {
    if (transport == null) {
      finishClose();
      return;
    }
    transport.close().whenComplete((v, e) -> context.runOnContext(x -> finishClose()));
  }

  private void finishClose() {
    actorClosed = true;
    if (ownsVertx) {
      vertx.close().onComplete(ar -> closedFuture.complete(null));
    } else {
      closedFuture.complete(null);
    }
  }

  // ------------------------------------------------------------------ the actor

  private void handle(InEvent<PublicKey> event) {
    List<OutEvent<PublicKey>> out;
    try {
      out = state.handle(event, nanoClock.getAsLong());
    } catch (RuntimeException e) {
      LOG.warn("gossip state machine refused {}", event, e);
      return;
    }
    apply(out);
  }

  private void apply(List<OutEvent<PublicKey>> out) {
    // Addresses first: a message to a peer learnt in the same step (a ForwardJoin's joiner, a
    // Shuffle's nodes) may need them to dial.
    for (OutEvent<PublicKey> o : out) {
      if (o instanceof OutEvent.PeerData<PublicKey> d) {
        List<SocketAddr> ips = new ArrayList<>();
        for (TransportAddr a : PeerAddrs.decode(d.data())) {
          if (a instanceof TransportAddr.Ip ip) {
            ips.add(ip.addr());
          }
        }
        rememberHearsay(d.peer(), ips);
      }
    }
    for (OutEvent<PublicKey> o : out) {
      if (o instanceof OutEvent.SendMessage<PublicKey> s) {
        send(s.to(), s.topic(), s.message());
      } else if (o instanceof OutEvent.EmitEvent<PublicKey> e) {
        emit(e.topic(), e.event());
      } else if (o instanceof OutEvent.ScheduleTimer<PublicKey> t) {
        schedule(t);
      } else if (o instanceof OutEvent.DisconnectPeer<PublicKey> d) {
        disconnect(d.peer());
      }
    }
  }

  /**
   * Arms a protocol timer for the topic handle it belongs to. A timer of a topic that was left
   * is cancelled by {@link #leave}, and one firing after a leave and a new join of the same topic
   * is dropped: the new topic state must not get the old one's timers (a stale DoShuffle re-arms
   * itself, so every leave and join added a shuffle chain).
   */
  private void schedule(OutEvent.ScheduleTimer<PublicKey> t) {
    if (actorClosed) {
      return;
    }
    GossipTopic owner = topics.get(t.timer().topic());
    long ms = Math.max(1, TimeUnit.NANOSECONDS.toMillis(t.delayNanos() + 999_999));
    long id = vertx.setTimer(ms, fired -> {
      timers.remove(fired);
      if (!actorClosed && topics.get(t.timer().topic()) == owner) {
        handle(new InEvent.TimerExpired<>(t.timer()));
      }
    });
    timers.put(id, owner);
  }

  /** Opens one more connection to {@code peer}, outside the protocol (tests: crossed dials). */
  CompletableFuture<Void> openExtraConnection(PublicKey peer, InetSocketAddress address) {
    return call(() -> {
      transport.connect(peer, address);
      return null;
    });
  }

  /** Protocol timers pending (diagnostics and tests). */
  CompletableFuture<Integer> pendingTimers() {
    return call(timers::size);
  }

  private void cancelTimers(GossipTopic topic) {
    timers.entrySet().removeIf(e -> {
      if (e.getValue() == topic) {
        vertx.cancelTimer(e.getKey());
        return true;
      }
      return false;
    });
  }

  private void emit(TopicId topicId, Event<PublicKey> event) {
    GossipTopic topic = topics.get(topicId);
    if (topic == null) {
      return;
    }
    GossipEvent ge;
    if (event instanceof Event.NeighborUp<PublicKey> up) {
      topic.neighbors.add(up.peer());
      ge = new GossipEvent.NeighborUp(up.peer());
    } else if (event instanceof Event.NeighborDown<PublicKey> down) {
      topic.neighbors.remove(down.peer());
      if (topic.neighbors.isEmpty()) {
        // The join had worked and every neighbour is gone now (a full contact evicted us, or
        // they died): rejoin at the next tick unless HyParView finds a passive peer first.
        topic.rejoinBackoffNanos = 0;
        topic.nextRejoinNanos = nanoClock.getAsLong();
      }
      ge = new GossipEvent.NeighborDown(down.peer());
    } else if (event instanceof Event.Received<PublicKey> r) {
      ge = new GossipEvent.Received(r.content(), r.deliveredFrom(), r.scope(), r.id());
    } else {
      return;
    }
    for (GossipEvents s : topic.subscriptions) {
      s.offer(ge);
    }
    if (ge instanceof GossipEvent.NeighborUp) {
      topic.joined.complete(null);
    }
  }

  private void send(PublicKey to, TopicId topic, Message<PublicKey> message) {
    byte[] frame;
    try {
      frame = codec.encode(topic, message);
    } catch (IllegalArgumentException e) {
      stats.framesDropped.increment();
      FRAME_EVENTS.atDebug().addKeyValue("event", "unencodable").addKeyValue("peer", to.fmtShort())
          .addKeyValue("reason", e.getMessage()).log();
      return;
    }
    Peer p = peers.computeIfAbsent(to, k -> new Peer());
    Connection c = p.current;
    if (c != null && c.isOpen()) {
      if (c.send(topic, frame)) {
        c.lastActivityNanos = nanoClock.getAsLong();
        stats.framesSent.increment();
      } else {
        dropped(c.peer, "send queue full");
      }
      return;
    }
    if (p.pending.size() >= config.pendingDialFrames()) {
      dropped(to, "dial queue full");
      return;
    }
    p.pending.add(new Pending(topic, frame));
    if (!p.dialing) {
      dial(to, p);
    }
  }

  private void dropped(PublicKey peer, String reason) {
    stats.framesDropped.increment();
    FRAME_EVENTS.atDebug().addKeyValue("event", "dropped").addKeyValue("peer", peer.fmtShort())
        .addKeyValue("reason", reason).log();
  }

  private void disconnect(PublicKey peer) {
    Peer p = peers.get(peer);
    if (p == null) {
      return;
    }
    p.pending.clear();
    p.current = null;
    for (Connection c : p.connections) {
      c.close(CLOSE_GRACE_MILLIS);
    }
  }

  // ------------------------------------------------------------------ dialling

  /** Addresses of {@code peer} from this node's own sources (see {@link DialAddresses}). */
  private void remember(PublicKey peer, List<SocketAddr> addrs) {
    if (!peer.equals(id())) {
      dialAddresses.remember(peer, addrs);
    }
  }

  /** Addresses of {@code peer} that another peer relayed (see {@link DialAddresses}). */
  private void rememberHearsay(PublicKey peer, List<SocketAddr> addrs) {
    if (!peer.equals(id())) {
      dialAddresses.rememberHearsay(peer, addrs);
    }
  }

  private List<InetSocketAddress> targets(PublicKey peer) {
    return dialAddresses.targets(peer);
  }


  private void dial(PublicKey peer, Peer p) {
    p.dialing = true;
    List<InetSocketAddress> targets = targets(peer);
    if (targets.isEmpty() && lookup != null) {
      CompletableFuture<Optional<LookupItem>> first;
      try {
        first = lookup.resolve(peer).first();
      } catch (RuntimeException e) {
        first = CompletableFuture.failedFuture(e);
      }
      first.orTimeout(config.dialTimeout().toMillis(), TimeUnit.MILLISECONDS).whenComplete((item, e) -> post(() -> {
        if (e == null && item.isPresent()) {
          remember(peer, item.get().endpointInfo().ipAddrs());
        }
        tryDial(peer, p, targets(peer), 0, "no address known");
      }));
      return;
    }
    if (targets.isEmpty()) {
      // Fail on a later turn of the actor: dial() runs while the state machine's output is
      // carried out, and the PeerDisconnected this causes must not run inside that.
      post(() -> tryDial(peer, p, List.of(), 0, "no address known"));
      return;
    }
    tryDial(peer, p, targets, 0, "no address known");
  }

  private void tryDial(PublicKey peer, Peer p, List<InetSocketAddress> targets, int i, String lastError) {
    if (i >= targets.size()) {
      dialFailed(peer, p, lastError);
      return;
    }
    InetSocketAddress target = targets.get(i);
    DIAL_EVENTS.atDebug().addKeyValue("event", "dial").addKeyValue("peer", peer.fmtShort())
        .addKeyValue("addr", target).log();
    transport.connect(peer, target).whenComplete((c, e) -> post(() -> {
      if (e == null) {
        p.dialing = false;
        flushPending(p);
      } else {
        DIAL_EVENTS.atDebug().addKeyValue("event", "dial_failed").addKeyValue("peer", peer.fmtShort())
            .addKeyValue("addr", target).addKeyValue("reason", String.valueOf(e.getMessage())).log();
        tryDial(peer, p, targets, i + 1, String.valueOf(e.getMessage()));
      }
    }));
  }

  private void dialFailed(PublicKey peer, Peer p, String reason) {
    p.dialing = false;
    stats.dialsFailed.increment();
    int lost = p.pending.size();
    p.pending.clear();
    stats.framesDropped.add(lost);
    DIAL_EVENTS.atDebug().addKeyValue("event", "unreachable").addKeyValue("peer", peer.fmtShort())
        .addKeyValue("frames_dropped", lost).addKeyValue("reason", reason).log();
    BiConsumer<PublicKey, String> listener = dialFailureListener;
    if (listener != null) {
      try {
        listener.accept(peer, reason);
      } catch (RuntimeException e) {
        LOG.warn("dial failure listener failed", e);
      }
    }
    if (p.current == null) {
      handle(new InEvent.PeerDisconnected<>(peer));
    }
    if (p.connections.isEmpty() && p.pending.isEmpty() && !p.dialing) {
      peers.remove(peer, p);
    }
  }

  private void flushPending(Peer p) {
    Connection c = p.current;
    if (c == null || !c.isOpen()) {
      return;
    }
    while (!p.pending.isEmpty()) {
      Pending f = p.pending.poll();
      if (c.send(f.topic(), f.frame())) {
        stats.framesSent.increment();
      } else {
        dropped(c.peer, "send queue full");
      }
    }
    c.lastActivityNanos = nanoClock.getAsLong();
  }

  // ------------------------------------------------------------------ transport events

  private void onConnected(Connection c) {
    stats.connectionsOpened.increment();
    CONN_EVENTS.atDebug().addKeyValue("event", "connected").addKeyValue("node", id().fmtShort())
        .addKeyValue("peer", c.peer.fmtShort()).addKeyValue("direction", c.outbound ? "out" : "in")
        .addKeyValue("addr", c.remote).addKeyValue("transport", c.kind()).log();
    Peer p = peers.computeIfAbsent(c.peer, k -> new Peer());
    Connection old = p.current;
    p.connections.add(c);
    p.current = c;
    c.lastActivityNanos = nanoClock.getAsLong();
    if (old != null && old != c) {
      old.finishSending();
    }
    while (p.connections.size() > MAX_CONNECTIONS_PER_PEER) {
      Connection oldest = p.connections.remove(0);
      oldest.close(CLOSE_GRACE_MILLIS);
    }
    flushPending(p);
  }

  private void onClosed(Connection c) {
    stats.connectionsClosed.increment();
    CONN_EVENTS.atDebug().addKeyValue("event", "closed").addKeyValue("node", id().fmtShort())
        .addKeyValue("peer", c.peer.fmtShort()).addKeyValue("direction", c.outbound ? "out" : "in").log();
    Peer p = peers.get(c.peer);
    if (p == null) {
      return;
    }
    p.connections.remove(c);
    if (p.current == c) {
      p.current = null;
      handle(new InEvent.PeerDisconnected<>(c.peer));
    }
    if (p.connections.isEmpty() && p.pending.isEmpty() && !p.dialing) {
      peers.remove(c.peer, p);
    }
  }

  private void onFrame(Connection c, TopicId topic, byte[] bytes) {
    c.processed();
    c.lastActivityNanos = nanoClock.getAsLong();
    c.lastReceivedNanos = c.lastActivityNanos;
    Frame<PublicKey> frame;
    try {
      frame = codec.decode(bytes);
    } catch (IllegalArgumentException e) {
      stats.framesMalformed.increment();
      FRAME_EVENTS.atDebug().addKeyValue("event", "malformed").addKeyValue("peer", c.peer.fmtShort())
          .addKeyValue("reason", e.getMessage()).log();
      return;
    }
    if (!frame.topic().equals(topic)) {
      stats.framesMalformed.increment();
      FRAME_EVENTS.atDebug().addKeyValue("event", "malformed").addKeyValue("peer", c.peer.fmtShort())
          .addKeyValue("reason", "frame topic differs from its stream's").log();
      return;
    }
    stats.framesReceived.increment();
    if (!everJoined.contains(topic)) {
      foreignTopic(c.peer, topic);
      return;
    }
    handle(new InEvent.RecvMessage<>(c.peer, topic, frame.message()));
  }

  /** Most peer and topic pairs {@link #foreignTopic} warns about; later ones are only counted. */
  static final int MAX_FOREIGN_TOPIC_WARNINGS = 64;

  /**
   * A frame on a topic this node never joined: the state machine would ignore it, and the peer,
   * which joined through us, would stay alone without either side saying why. The usual cause
   * is a member started with another {@code --topic}; one warning per peer and topic.
   */
  private void foreignTopic(PublicKey peer, TopicId topic) {
    stats.framesForeignTopic.increment();
    // Before this node's first join a frame on the topic it is about to join is no mistake.
    if (!everJoined.isEmpty() && foreignTopicWarned.size() < MAX_FOREIGN_TOPIC_WARNINGS
        && foreignTopicWarned.add(peer + " " + topic)) {
      List<String> joined = new ArrayList<>();
      for (TopicId t : everJoined) {
        joined.add(t.fmtShort());
      }
      LOG.warn("node {} sends on topic {}, which this node has not joined (it joined {}): is it"
          + " configured with another topic? Its messages on that topic are ignored.",
          peer.fmtShort(), topic.fmtShort(), joined);
    }
  }

  /**
   * Every second: rejoins isolated topics, closes idle connections, and keeps needed QUIC
   * connections alive. An idle connection to a peer a topic needs is closed only once the peer
   * has sent on the connection we send on more recently than on this one: after crossed dials
   * each side may send on a different connection, and the one we do not send on can be the one
   * the peer sends on, so closing it would cut the peer off.
   */
  private void sweep() {
    if (actorClosed) {
      return;
    }
    long now = nanoClock.getAsLong();
    rejoinIsolatedTopics(now);
    for (GossipTopic t : topics.values()) {
      t.stats = state.stats(t.id());
    }
    long idle = config.idleTimeout().toNanos();
    long keepAlive = config.quicIdleTimeout().toNanos() / 3;
    for (Map.Entry<PublicKey, Peer> e : new ArrayList<>(peers.entrySet())) {
      Peer p = e.getValue();
      boolean needed = isNeeded(e.getKey());
      for (Connection c : new ArrayList<>(p.connections)) {
        long quiet = now - c.lastActivityNanos;
        if (c == p.current && needed) {
          if (quiet > keepAlive) {
            c.keepAlive();
            c.lastActivityNanos = now;
          }
        } else if (quiet > idle && !c.closing() && (!needed || abandonedByPeer(p, c))) {
          CONN_EVENTS.atDebug().addKeyValue("event", "idle").addKeyValue("node", id().fmtShort())
              .addKeyValue("peer", c.peer.fmtShort()).log();
          if (p.current == c) {
            p.current = null;
          }
          c.close(CLOSE_GRACE_MILLIS);
        }
      }
    }
  }

  /** Whether the peer demonstrably sends on our current connection rather than on {@code c}. */
  private static boolean abandonedByPeer(Peer p, Connection c) {
    Connection current = p.current;
    return current != null && current != c && current.lastReceivedNanos > c.lastReceivedNanos;
  }

  /**
   * Keeps peers to rejoin through while isolated: those of {@link #join} as seeds, those of
   * {@link GossipTopic#joinPeers} apart, so that the many an address book joins never push the
   * operator's seeds out (at most 16 of each, newest kept). A join waits for its dials to time
   * out before the first retry; peers joined later do not delay the retries (an address book
   * joins one every few seconds while isolated) unless they are the first the topic has.
   */
  private void addRejoinPeers(GossipTopic topic, List<PublicKey> ids, boolean seeds) {
    boolean first = topic.seeds.isEmpty() && topic.learned.isEmpty();
    LinkedHashSet<PublicKey> set = seeds ? topic.seeds : topic.learned;
    for (PublicKey id : ids) {
      set.remove(id);
      set.add(id);
    }
    while (set.size() > 16) {
      set.remove(set.iterator().next());
    }
    if (seeds || first) {
      topic.rejoinBackoffNanos = TimeUnit.SECONDS.toNanos(1);
      topic.nextRejoinNanos = nanoClock.getAsLong() + config.dialTimeout().toNanos() + topic.rejoinBackoffNanos;
    }
  }

  /**
   * A topic without any neighbour (every bootstrap dial failed, or every neighbour went away)
   * sends its Joins again, with a backoff from 1 s doubling to 10 s, so a node that started
   * before its bootstrap peer was reachable does not stay alone forever. The first retry waits
   * for the first dials to time out; after losing the last neighbour the next tick retries.
   */
  private void rejoinIsolatedTopics(long now) {
    for (GossipTopic t : topics.values()) {
      if (t.left || (t.seeds.isEmpty() && t.learned.isEmpty()) || !state.isJoined(t.id())
          || state.neighborCount(t.id()) > 0 || !state.pendingNeighbors(t.id()).isEmpty() || now < t.nextRejoinNanos) {
        continue;
      }
      LinkedHashSet<PublicKey> all = new LinkedHashSet<>(t.seeds);
      all.addAll(t.learned);
      List<PublicKey> ids = new ArrayList<>(all);
      DIAL_EVENTS.atDebug().addKeyValue("event", "rejoin").addKeyValue("node", id().fmtShort())
          .addKeyValue("topic", t.id().fmtShort()).addKeyValue("peers", ids.size()).log();
      t.rejoinBackoffNanos = Math.min(TimeUnit.SECONDS.toNanos(10), Math.max(TimeUnit.SECONDS.toNanos(1),
          t.rejoinBackoffNanos * 2));
      t.nextRejoinNanos = now + t.rejoinBackoffNanos;
      handle(new InEvent.Command<>(t.id(), new TopicCommand.Join<>(ids)));
    }
  }

  private boolean isNeeded(PublicKey peer) {
    for (TopicId t : state.topics()) {
      if (state.isNeighbor(t, peer) || state.pendingNeighbors(t).contains(peer)) {
        return true;
      }
    }
    return false;
  }

  /** The transport's callbacks, each posted to the actor (never handled re-entrantly). */
  private final class Listener implements dev.keyway.gossip.net.Transport.Listener {
    @Override
    public void connected(Connection connection) {
      context.runOnContext(v -> {
        if (actorClosed) {
          connection.abort();
        } else {
          onConnected(connection);
        }
      });
    }

    @Override
    public void frame(Connection connection, TopicId topic, byte[] frame) {
      post(() -> onFrame(connection, topic, frame));
    }

    @Override
    public void oversized(Connection connection, long length) {
      stats.framesOversized.increment();
      FRAME_EVENTS.atDebug().addKeyValue("event", "oversized").addKeyValue("peer", connection.peer.fmtShort())
          .addKeyValue("length", length).addKeyValue("limit", config.gossip().maxFrameSize()).log();
    }

    @Override
    public void protocolError(Connection connection, String reason) {
      stats.protocolErrors.increment();
      CONN_EVENTS.atDebug().addKeyValue("event", "protocol_error").addKeyValue("peer", connection.peer.fmtShort())
          .addKeyValue("reason", reason).log();
    }

    @Override
    public void handshakeFailed(InetSocketAddress remote, Throwable cause) {
      stats.handshakesRejected.increment();
      CONN_EVENTS.atDebug().addKeyValue("event", "handshake_rejected").addKeyValue("node", id().fmtShort())
          .addKeyValue("addr", remote).addKeyValue("reason", String.valueOf(cause.getMessage())).log();
    }

    @Override
    public void closed(Connection connection) {
      context.runOnContext(v -> {
        if (!actorClosed) {
          onClosed(connection);
        }
      });
    }
  }

  @Override
  public String toString() {
    return "GossipNode[" + id().fmtShort() + " " + transportKind + " " + localAddress + "]";
  }
}
