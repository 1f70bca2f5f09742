package dev.keyway.gossip.proto;

import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.random.RandomGenerator;

/**
 * The gossip state of one node: HyParView membership and PlumTree broadcast for each joined
 * topic, with no IO. The runtime (the network layer, or the simulator) feeds every input through
 * {@link #handle} and carries out the returned {@link OutEvent}s in order.
 *
 * <pre>{@code
 * GossipState<PublicKey> state = new GossipState<>(me, myAddrs, GossipConfig.defaults(), rng);
 * List<OutEvent<PublicKey>> out = state.handle(
 *     new InEvent.Command<>(topic, new TopicCommand.Join<>(List.of(bootstrap))), now);
 * }</pre>
 *
 * <p>Determinism: given the same construction (including the generator's seed) and the same
 * sequence of {@code handle} calls, the outputs are identical. Each topic draws from its own
 * generator, seeded from the node's generator when the topic is joined.
 *
 * <p>Not thread-safe: the runtime calls it from one thread (or actor) at a time.
 *
 * @param <P> the peer identity type, with a total order consistent with equals (in production
 *     {@code dev.keyway.client.keys.PublicKey})
 */
public final class GossipState<P extends Comparable<P>> {
  private final P me;
  private byte[] meData;
  private final GossipConfig config;
  private final RandomGenerator rng;
  private final int maxPeerDataSize;
  private final TreeMap<TopicId, TopicState<P>> topics = new TreeMap<>();

  /**
   * Creates the state of node {@code me}.
   *
   * @param me this node's identity
   * @param meData this node's peer data (addresses), sent on membership messages; may be empty
   * @param config protocol settings (the same on every node of a swarm)
   * @param rng the source of all randomness; seed it for reproducible runs
   * @throws FrameTooLargeException if {@code meData} exceeds {@link #maxPeerDataSize()}
   */
  public GossipState(P me, byte[] meData, GossipConfig config, RandomGenerator rng) {
    this.me = Objects.requireNonNull(me, "me");
    this.config = Objects.requireNonNull(config, "config");
    this.rng = Objects.requireNonNull(rng, "rng");
    this.maxPeerDataSize = FrameSizes.maxPeerDataSize(config.maxFrameSize());
    this.meData = checkPeerData(Objects.requireNonNull(meData, "meData"));
  }

  /**
   * Handles one input at time {@code nowNanos} (any monotonic origin; only differences matter)
   * and returns the actions to carry out, in order.
   *
   * @throws FrameTooLargeException if a broadcast or new peer data does not fit in a frame
   * @throws DuplicateMessageException if a swarm broadcast repeats a recently seen payload
   * @throws IllegalStateException if a broadcast names a topic that was not joined
   */
  public List<OutEvent<P>> handle(InEvent<P> event, long nowNanos) {
    Outbox<P> out = new Outbox<>(nowNanos);
    if (event instanceof InEvent.RecvMessage<P> e) {
      TopicState<P> t = topics.get(e.topic());
      if (t != null && !e.from().equals(me)) {
        t.onMessage(e.from(), e.message(), out);
      }
    } else if (event instanceof InEvent.TimerExpired<P> e) {
      TopicState<P> t = topics.get(e.timer().topic());
      if (t != null) {
        t.onTimer(e.timer(), out);
      }
    } else if (event instanceof InEvent.PeerDisconnected<P> e) {
      for (TopicState<P> t : topics.values()) {
        t.onPeerDisconnected(e.peer(), out);
      }
    } else if (event instanceof InEvent.Command<P> e) {
      onCommand(e.topic(), e.command(), out);
    } else if (event instanceof InEvent.UpdatePeerData<P> e) {
      meData = checkPeerData(e.data());
      for (TopicState<P> t : topics.values()) {
        t.membership.updatePeerData(meData, out);
      }
    }
    keepNeededConnections(out);
    return out.events();
  }

  private void onCommand(TopicId topic, TopicCommand<P> command, Outbox<P> out) {
    if (command instanceof TopicCommand.Join<P> c) {
      TopicState<P> t = topics.get(topic);
      if (t == null) {
        t = new TopicState<>(me, meData, topic, config, new SplittableRandom(rng.nextLong()));
        topics.put(topic, t);
        t.membership.start(out);
      }
      t.join(c.bootstrap(), out);
    } else if (command instanceof TopicCommand.Broadcast<P> c) {
      TopicState<P> t = topics.get(topic);
      if (t == null) {
        throw new IllegalStateException("topic " + topic.fmtShort() + " is not joined");
      }
      int size = FrameSizes.gossipFrameSize(c.content().length);
      if (size > config.maxFrameSize()) {
        throw new FrameTooLargeException(
            "broadcast of " + c.content().length + " bytes (at most " + maxBroadcastSize() + ")",
            size, config.maxFrameSize());
      }
      MessageId id = MessageId.of(c.content());
      t.tree.broadcast(id, c.content(), c.scope(), out);
    } else if (command instanceof TopicCommand.Quit<P>) {
      TopicState<P> t = topics.remove(topic);
      if (t != null) {
        t.membership.quit(out);
      }
    }
  }

  /**
   * A topic asks to close a connection when it no longer needs it; drop the request if another
   * topic still has the peer as a neighbour or a pending neighbour (the connection is shared).
   */
  private void keepNeededConnections(Outbox<P> out) {
    if (!hasDisconnect(out)) {
      return;
    }
    Iterator<OutEvent<P>> it = out.events.iterator();
    while (it.hasNext()) {
      if (it.next() instanceof OutEvent.DisconnectPeer<P> d && isNeeded(d.peer())) {
        it.remove();
      }
    }
  }

  private static <P> boolean hasDisconnect(Outbox<P> out) {
    for (OutEvent<P> e : out.events) {
      if (e instanceof OutEvent.DisconnectPeer) {
        return true;
      }
    }
    return false;
  }

  private boolean isNeeded(P peer) {
    for (TopicState<P> t : topics.values()) {
      if (t.membership.isActiveOrPending(peer)) {
        return true;
      }
    }
    return false;
  }

  private byte[] checkPeerData(byte[] data) {
    if (data.length > maxPeerDataSize) {
      throw new FrameTooLargeException("peer data", data.length, maxPeerDataSize);
    }
    return data.clone();
  }

  // ------------------------------------------------------------------ queries

  /** This node's identity. */
  public P me() {
    return me;
  }

  /** The configuration. */
  public GossipConfig config() {
    return config;
  }

  /** The largest payload {@link TopicCommand.Broadcast} accepts with this frame limit. */
  public int maxBroadcastSize() {
    return FrameSizes.maxBroadcastSize(config.maxFrameSize());
  }

  /**
   * The largest peer data accepted: a Shuffle of the default size with such entries still fits
   * in a frame. It depends on the frame limit alone, so every node of a swarm agrees on it.
   */
  public int maxPeerDataSize() {
    return maxPeerDataSize;
  }

  /** The joined topics, in order. */
  public SortedSet<TopicId> topics() {
    return new TreeSet<>(topics.keySet());
  }

  /** Whether {@code topic} is joined. */
  public boolean isJoined(TopicId topic) {
    return topics.containsKey(topic);
  }

  /** The active view (neighbours) of {@code topic}, or an empty list. */
  public List<P> activeView(TopicId topic) {
    TopicState<P> t = topics.get(topic);
    return t == null ? List.of() : t.membership.activeView();
  }

  /** The passive view of {@code topic}, or an empty list. */
  public List<P> passiveView(TopicId topic) {
    TopicState<P> t = topics.get(topic);
    return t == null ? List.of() : t.membership.passiveView();
  }

  /** Peers with an unanswered Neighbor request on {@code topic}. */
  public List<P> pendingNeighbors(TopicId topic) {
    TopicState<P> t = topics.get(topic);
    return t == null ? List.of() : t.membership.pendingPeers();
  }

  /** PlumTree's eager peers on {@code topic}. */
  public List<P> eagerPeers(TopicId topic) {
    TopicState<P> t = topics.get(topic);
    return t == null ? List.of() : t.tree.eagerPeers();
  }

  /** PlumTree's lazy peers on {@code topic}. */
  public List<P> lazyPeers(TopicId topic) {
    TopicState<P> t = topics.get(topic);
    return t == null ? List.of() : t.tree.lazyPeers();
  }

  /** Whether {@code peer} is an active neighbour on {@code topic} (no copy). */
  public boolean isNeighbor(TopicId topic, P peer) {
    TopicState<P> t = topics.get(topic);
    return t != null && t.membership.isActive(peer);
  }

  /** Whether {@code peer} is an eager peer on {@code topic} (no copy). */
  public boolean isEager(TopicId topic, P peer) {
    TopicState<P> t = topics.get(topic);
    return t != null && t.tree.isEager(peer);
  }

  /** The number of active neighbours on {@code topic} (no copy). */
  public int neighborCount(TopicId topic) {
    TopicState<P> t = topics.get(topic);
    return t == null ? 0 : t.membership.activeSize();
  }

  /** The peer data last learnt for {@code peer} on {@code topic}, or null. */
  public byte[] peerData(TopicId topic, P peer) {
    TopicState<P> t = topics.get(topic);
    byte[] d = t == null ? null : t.membership.peerData(peer);
    return d == null ? null : d.clone();
  }

  /** Counters of {@code topic}'s broadcast layer. */
  public TopicStats stats(TopicId topic) {
    TopicState<P> t = topics.get(topic);
    return t == null ? TopicStats.EMPTY : t.tree.stats();
  }
}
