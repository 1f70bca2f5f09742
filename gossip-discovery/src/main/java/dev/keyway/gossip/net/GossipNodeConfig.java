package dev.keyway.gossip.net;

import dev.keyway.client.addr.SocketAddr;
import dev.keyway.gossip.proto.GossipConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Settings of a {@link GossipNode}; immutable, validated on construction. Start from
 * {@link #defaults()} and change with the {@code with...} methods.
 *
 * @param gossip protocol settings (the same on every node of a swarm)
 * @param transport QUIC, TCP, or AUTO (QUIC when the native library loads)
 * @param bind where to listen; port 0 picks a free port (default 127.0.0.1:0)
 * @param advertise the addresses announced to peers; empty: the bound address (with every
 *     non-loopback interface address when bound to a wildcard address)
 * @param alpn the TLS application protocol (default {@value #DEFAULT_ALPN})
 * @param sendQueueFrames frames queued per peer per topic before new ones are refused (default 256)
 * @param pendingDialFrames frames kept per peer while it is being dialled (default 256)
 * @param maxTopics streams per direction per connection, hence topics per node (default 64)
 * @param maxInboundPending frames of one connection queued for the actor before reading pauses
 *     (default 256)
 * @param subscriptionCapacity events buffered per subscription before it lags (default 2048)
 * @param dialTimeout how long a dial (connect + handshake) may take (default 10 s: a QUIC handshake
 *     between two starved processes on a saturated machine can take seconds)
 * @param idleTimeout a connection no topic needs is closed after this long without traffic
 *     (default 30 s)
 * @param quicIdleTimeout QUIC's own idle timeout: how long a silent (dead) peer goes unnoticed
 *     (default 15 s); TCP connections use it too, for keep-alive and TCP_USER_TIMEOUT (the latter
 *     only on the native epoll transport, see {@link GossipNode.Builder#vertx})
 * @param maxKnownPeers addresses remembered for this many peers, least recently used dropped
 *     (default 4096)
 */
public record GossipNodeConfig(
    GossipConfig gossip,
    TransportKind transport,
    InetSocketAddress bind,
    List<SocketAddr> advertise,
    String alpn,
    int sendQueueFrames,
    int pendingDialFrames,
    int maxTopics,
    int maxInboundPending,
    int subscriptionCapacity,
    Duration dialTimeout,
    Duration idleTimeout,
    Duration quicIdleTimeout,
    int maxKnownPeers) {
  /**
   * How long a node batches IHave announcements before sending them to its lazy peers: 250 ms on
   * real sockets, against the protocol default of 5 ms (iroh-gossip's, kept by the simulator).
   * Every frame costs about half a millisecond of CPU on a small node (QUIC, CBOR, the actor),
   * and IHaves were three quarters of the frames of a 20-node address book; batching them over
   * 250 ms cut a node's CPU from about 30 to 22 ms per second (ops/bench/RESULTS.md). Lazy links
   * only repair the tree, so the quarter second is invisible next to a 3 s announcement interval.
   */
  public static final Duration DEFAULT_IHAVE_DISPATCH = Duration.ofMillis(250);

  /** The ALPN of the gossip protocol. */
  public static final String DEFAULT_ALPN = "keyway-gossip/1";

  public GossipNodeConfig {
    Objects.requireNonNull(gossip, "gossip");
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(bind, "bind");
    advertise = List.copyOf(advertise);
    Objects.requireNonNull(alpn, "alpn");
    positive(sendQueueFrames, "sendQueueFrames");
    positive(pendingDialFrames, "pendingDialFrames");
    if (maxTopics < 1 || maxTopics > 256) {
      throw new IllegalArgumentException("maxTopics must be in 1..256");
    }
    positive(maxInboundPending, "maxInboundPending");
    positive(subscriptionCapacity, "subscriptionCapacity");
    positive(maxKnownPeers, "maxKnownPeers");
    positive(dialTimeout, "dialTimeout");
    positive(idleTimeout, "idleTimeout");
    positive(quicIdleTimeout, "quicIdleTimeout");
  }

  private static void positive(int v, String name) {
    if (v < 1) {
      throw new IllegalArgumentException(name + " must be positive");
    }
  }

  private static void positive(Duration d, String name) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive");
    }
  }

  /** Defaults: AUTO transport on 127.0.0.1, any free port. */
  public static GossipNodeConfig defaults() {
    GossipConfig gossip = GossipConfig.defaults();
    gossip = gossip.withPlumTree(gossip.plumTree().withDispatchTimeout(DEFAULT_IHAVE_DISPATCH));
    return new GossipNodeConfig(gossip, TransportKind.AUTO,
        new InetSocketAddress("127.0.0.1", 0), List.of(), DEFAULT_ALPN, 256, 256, 64, 256, 2048,
        Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(15), 4096);
  }

  public GossipNodeConfig withGossip(GossipConfig v) {
    return new GossipNodeConfig(v, transport, bind, advertise, alpn, sendQueueFrames, pendingDialFrames, maxTopics,
        maxInboundPending, subscriptionCapacity, dialTimeout, idleTimeout, quicIdleTimeout, maxKnownPeers);
  }

  public GossipNodeConfig withTransport(TransportKind v) {
    return new GossipNodeConfig(gossip, v, bind, advertise, alpn, sendQueueFrames, pendingDialFrames, maxTopics,
        maxInboundPending, subscriptionCapacity, dialTimeout, idleTimeout, quicIdleTimeout, maxKnownPeers);
  }

  public GossipNodeConfig withBind(InetSocketAddress v) {
    return new GossipNodeConfig(gossip, transport, v, advertise, alpn, sendQueueFrames, pendingDialFrames, maxTopics,
        maxInboundPending, subscriptionCapacity, dialTimeout, idleTimeout, quicIdleTimeout, maxKnownPeers);
  }

  public GossipNodeConfig withAdvertise(List<SocketAddr> v) {
    return new GossipNodeConfig(gossip, transport, bind, v, alpn, sendQueueFrames, pendingDialFrames, maxTopics,
        maxInboundPending, subscriptionCapacity, dialTimeout, idleTimeout, quicIdleTimeout, maxKnownPeers);
  }

  public GossipNodeConfig withAlpn(String v) {
    return new GossipNodeConfig(gossip, transport, bind, advertise, v, sendQueueFrames, pendingDialFrames, maxTopics,
        maxInboundPending, subscriptionCapacity, dialTimeout, idleTimeout, quicIdleTimeout, maxKnownPeers);
  }

  public GossipNodeConfig withSendQueueFrames(int v) {
    return new GossipNodeConfig(gossip, transport, bind, advertise, alpn, v, pendingDialFrames, maxTopics,
        maxInboundPending, subscriptionCapacity, dialTimeout, idleTimeout, quicIdleTimeout, maxKnownPeers);
  }

  public GossipNodeConfig withSubscriptionCapacity(int v) {
    return new GossipNodeConfig(gossip, transport, bind, advertise, alpn, sendQueueFrames, pendingDialFrames, maxTopics,
        maxInboundPending, v, dialTimeout, idleTimeout, quicIdleTimeout, maxKnownPeers);
  }

  public GossipNodeConfig withTimeouts(Duration dial, Duration idle, Duration quicIdle) {
    return new GossipNodeConfig(gossip, transport, bind, advertise, alpn, sendQueueFrames, pendingDialFrames, maxTopics,
        maxInboundPending, subscriptionCapacity, dial, idle, quicIdle, maxKnownPeers);
  }
}
