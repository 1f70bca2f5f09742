package dev.keyway.gossip.net;

import dev.keyway.client.addr.EndpointAddr;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.gossip.proto.Scope;
import dev.keyway.gossip.proto.TopicId;
import dev.keyway.gossip.proto.TopicStats;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A joined topic of a {@link GossipNode}: broadcast to it, read its events, leave it. Thread-safe;
 * every call is carried out by the node's actor.
 */
public final class GossipTopic {
  private final GossipNode node;
  private final TopicId id;
  final Set<PublicKey> neighbors = ConcurrentHashMap.newKeySet();
  final List<GossipEvents> subscriptions = new CopyOnWriteArrayList<>();
  final CompletableFuture<Void> joined = new CompletableFuture<>();
  volatile boolean left;
  /** leave() was called; {@link #left} follows once the node has run it. */
  volatile boolean leaving;
  /** The protocol's counters for this topic, refreshed by the node's once-a-second sweep. */
  volatile TopicStats stats = TopicStats.EMPTY;
  /**
   * Peers given to {@link GossipNode#join} (actor thread only; at most 16, newest kept): retried
   * while the topic is isolated, and never pushed out by {@link #learned}.
   */
  final LinkedHashSet<PublicKey> seeds = new LinkedHashSet<>();
  /** Peers given to {@link #joinPeers} (actor thread only; at most 16, newest kept), retried after the seeds. */
  final LinkedHashSet<PublicKey> learned = new LinkedHashSet<>();
  long nextRejoinNanos;
  long rejoinBackoffNanos;

  GossipTopic(GossipNode node, TopicId id) {
    this.node = node;
    this.id = id;
  }

  /** The topic id. */
  public TopicId id() {
    return id;
  }

  /**
   * Broadcasts {@code content} to the whole swarm. Fails with
   * {@link dev.keyway.gossip.proto.FrameTooLargeException} when it does not fit in a frame
   * ({@link GossipNode#maxBroadcastSize()}), with
   * {@link dev.keyway.gossip.proto.DuplicateMessageException} when the same bytes were seen
   * recently (add a nonce), and with {@link IllegalStateException} after {@link #leave()}.
   */
  public CompletableFuture<Void> broadcast(byte[] content) {
    return node.broadcast(this, content, Scope.SWARM);
  }

  /** Sends {@code content} to the direct neighbours only (not forwarded, not deduplicated). */
  public CompletableFuture<Void> broadcastNeighbors(byte[] content) {
    return node.broadcast(this, content, Scope.NEIGHBORS);
  }

  /** Asks these peers to take us as a neighbour (a HyParView Join to each); their addresses are kept. */
  public CompletableFuture<Void> joinPeers(Collection<EndpointAddr> peers) {
    return node.joinPeers(this, peers);
  }

  /**
   * The protocol's counters for this topic (payloads and control messages received, duplicates,
   * grafts and prunes sent, ...), as of the node's last once-a-second sweep.
   */
  public TopicStats stats() {
    return stats;
  }

  /** The current direct neighbours. */
  public Set<PublicKey> neighbors() {
    return Set.copyOf(neighbors);
  }

  /**
   * A new subscription to this topic's events. It first receives a NeighborUp for each current
   * neighbour, then every event from then on. Close it when done.
   */
  public GossipEvents events() {
    return node.subscribe(this);
  }

  /** Completes once the topic has its first neighbour. */
  public CompletableFuture<Void> joined() {
    return joined.copy();
  }

  /** Leaves the topic: neighbours are told (Disconnect), subscriptions end. */
  public CompletableFuture<Void> leave() {
    return node.leave(this);
  }

  @Override
  public String toString() {
    return "GossipTopic[" + id.fmtShort() + "]";
  }
}
