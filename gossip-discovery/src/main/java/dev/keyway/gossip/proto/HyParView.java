package dev.keyway.gossip.proto;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/*
 * HyParView: membership for one topic.
 *
 * Reference: J. Leitão, J. Pereira, L. Rodrigues, "HyParView: a membership protocol for reliable
 * gossip-based broadcast", DSN 2007 (extended: TR DI-FCUL 07-13); behaviour as in iroh-gossip
 * src/proto/hyparview.rs where it departs from the paper.
 *
 * Views
 *   active  - a small symmetric view (5): the peers we hold connections to and broadcast over.
 *             Maintained reactively: a lost neighbour is replaced from the passive view at once.
 *   passive - a larger backup view (30), refreshed by periodic shuffles (random walks), never
 *             connected to; a failed connection attempt removes an entry.
 *
 * Joining (paper §4.2): a Join makes the contact add the joiner to its active view (evicting a
 *   random neighbour if full) and start a ForwardJoin random walk (ttl ARWL) through each other
 *   neighbour; at ttl == PRWL the walker stores the joiner in its passive view, at ttl 0 (or when
 *   the walker has at most one neighbour) it asks the joiner to become its neighbour.
 * Neighbor requests (§4.3): HIGH when the requester has no neighbours (always accepted, evicting
 *   a random neighbour if full), LOW otherwise (accepted only into a free slot). A refusal is a ShuffleReply plus Disconnect(alive).
 * Shuffle (§4.4): every interval a sample of both views plus ourselves walks SRWL hops; the node
 *   where it stops answers with a sample of its own and both merge the samples into their passive
 *   views.
 *
 * Departures from the paper, marked (iroh) where iroh-gossip made them and (ours) otherwise:
 *   - (iroh) A walker that accepts a ForwardJoin does not add the joiner at once; it sends a
 *     Neighbor request and adds the joiner only on the reply, so unreachable joiners never enter
 *     the view.
 *   - (iroh) A Neighbor from a peer we asked is the reply and is not answered. (ours) A Neighbor
 *     from a peer already in the active view only refreshes its data. Together these make the
 *     handshake request -> reply and keep the active relation symmetric when requests cross.
 *   - (ours) Replies carry LOW priority: a reply that lands after the relation ended is read as a
 *     request, and as a HIGH one it would force an eviction, whose victim's own late reply forces
 *     the next one (a self-sustaining cascade, seen at 1000 nodes).
 *   - (iroh) An evicted neighbour gets a ShuffleReply before the Disconnect, so it can refill.
 *   - (ours) Refusals are budgeted per shuffle interval (config), so a node whose view is not
 *     full cannot loop request -> refusal forever in a swarm of full views.
 *   - (ours) A node with a single neighbour also asks with HIGH priority (config
 *     highPriorityBelow): after mass failures, pairs of nodes that only know each other are
 *     otherwise never admitted back into a swarm of full views.
 *   - (ours) A closed connection to a peer that is neither active nor pending is not a failure:
 *     temporary connections (shuffle replies, forwarded joins) are closed on purpose. Only a
 *     failed or unanswered Neighbor request removes a passive entry (paper p7). iroh forgets
 *     such a peer unless it had said it is alive.
 *   - (iroh) Timers are never cancelled; each handler re-checks the state.
 */
final class HyParView<P extends Comparable<P>> {

  /** Receives active-view changes in the same call (TopicState forwards them to PlumTree). */
  interface Listener<P> {
    void neighborUp(P peer, Outbox<P> out);

    void neighborDown(P peer, Outbox<P> out);
  }

  private final P me;
  private final TopicId topic;
  private final HyParViewConfig config;
  private final RandomGenerator rng;
  private final Listener<P> listener;
  private final long shuffleIntervalNanos;
  private final long neighborTimeoutNanos;

  private byte[] meData;
  private final PeerList<P> active;
  private final PeerList<P> passive;
  /** Outstanding Neighbor requests: peer -> request id (matched against the timer). */
  private final TreeMap<P, Long> pending = new TreeMap<>();
  /** Peer data of every peer in a view or pending. */
  private final TreeMap<P, byte[]> peerData = new TreeMap<>();
  /** Peers that refused a request since the last shuffle; not asked again until then. */
  private final PeerList<P> refused = new PeerList<>(4);
  private int refusalsLeft;
  private long requestSeq;
  /** The frame limit: Shuffles and ShuffleReplies carry only the peers that fit. */
  private final int maxFrameSize;

  HyParView(P me, byte[] meData, TopicId topic, HyParViewConfig config, int maxFrameSize,
      RandomGenerator rng, Listener<P> listener) {
    this.me = me;
    this.maxFrameSize = maxFrameSize;
    this.meData = meData;
    this.topic = topic;
    this.config = config;
    this.rng = rng;
    this.listener = listener;
    this.shuffleIntervalNanos = config.shuffleInterval().toNanos();
    this.neighborTimeoutNanos = config.neighborRequestTimeout().toNanos();
    this.active = new PeerList<>(config.activeViewCapacity());
    this.passive = new PeerList<>(config.passiveViewCapacity());
    this.refusalsLeft = config.refusalBudget();
  }

  // ------------------------------------------------------------------ commands

  /** Arms the shuffle timer; the first one fires after a random half to full interval. */
  void start(Outbox<P> out) {
    // Spread the shuffles of nodes that start together (guess; iroh fires after one interval).
    long half = shuffleIntervalNanos / 2;
    out.schedule(half + rng.nextLong(half + 1), new Timer.DoShuffle<>(topic));
  }

  void join(List<P> peers, Outbox<P> out) {
    for (P p : peers) {
      if (!p.equals(me)) {
        out.send(p, topic, new Message.Join<>(meData));
      }
    }
  }

  void updatePeerData(byte[] data, Outbox<P> out) {
    this.meData = data;
    // A Neighbor from an active peer only refreshes its data. LOW, so that it cannot force an
    // eviction at a peer that has just dropped us.
    for (P p : active.view()) {
      out.send(p, topic, new Message.Neighbor<>(Priority.LOW, data));
    }
  }

  /** Leaves: every neighbour gets a sample and Disconnect(alive=false); no NeighborDown (iroh). */
  void quit(Outbox<P> out) {
    for (P p : active.snapshot()) {
      active.remove(p);
      sendShuffleReply(p, config.shuffleActiveViewCount() + config.shufflePassiveViewCount(), out);
      out.send(p, topic, new Message.Disconnect<>(false));
      out.disconnect(p);
    }
  }

  // ------------------------------------------------------------------ messages

  void onMessage(P from, Message<P> message, Outbox<P> out) {
    if (message instanceof Message.Join<P> m) {
      onJoin(from, m.data(), out);
    } else if (message instanceof Message.ForwardJoin<P> m) {
      onForwardJoin(from, m, out);
    } else if (message instanceof Message.Shuffle<P> m) {
      onShuffle(from, m, out);
    } else if (message instanceof Message.ShuffleReply<P> m) {
      onShuffleReply(m, out);
    } else if (message instanceof Message.Neighbor<P> m) {
      onNeighbor(from, m, out);
    } else if (message instanceof Message.Disconnect<P> m) {
      onDisconnect(from, m.alive(), out);
    }
  }

  private void onJoin(P from, byte[] data, Outbox<P> out) {
    // A request of ours to this peer will not be answered: it is (re)starting.
    pending.remove(from);
    // The Neighbor goes out before NeighborUp, so that whatever the broadcast layer sends the
    // new neighbour arrives after it (links are FIFO).
    out.send(from, topic, new Message.Neighbor<>(Priority.HIGH, meData));
    addActive(from, data, out);
    Message.ForwardJoin<P> walk =
        new Message.ForwardJoin<>(new PeerInfo<>(from, data), config.activeRandomWalkLength());
    for (P p : active.view()) {
      if (!p.equals(from)) {
        out.send(p, topic, walk);
      }
    }
  }

  private void onForwardJoin(P from, Message.ForwardJoin<P> walk, Outbox<P> out) {
    P joiner = walk.peer().id();
    byte[] data = walk.peer().data();
    if (joiner.equals(me)) {
      return;
    }
    if (active.contains(joiner)) {
      // Already neighbours; the joiner may have restarted, so renew the relation (iroh).
      learn(joiner, data, out);
      out.send(joiner, topic, new Message.Neighbor<>(Priority.HIGH, meData));
      return;
    }
    if (walk.ttl() == 0 || active.size() <= 1) {
      if (!pending.containsKey(joiner)) {
        // PeerData before the first send, so a runtime acting in order knows how to dial.
        learn(joiner, data, out);
        requestNeighbor(joiner, Priority.HIGH, out);
      }
      return;
    }
    if (walk.ttl() == config.passiveRandomWalkLength()) {
      addPassive(joiner, data, out);
    }
    if (pending.containsKey(joiner)) {
      return;
    }
    P next = active.pickRandomExcept(from, joiner, rng);
    if (next == null) {
      // Only the sender is left to forward to: end the walk here instead.
      learn(joiner, data, out);
      requestNeighbor(joiner, Priority.HIGH, out);
      return;
    }
    out.send(next, topic, new Message.ForwardJoin<>(walk.peer(), walk.ttl() - 1));
  }

  private void onNeighbor(P from, Message.Neighbor<P> msg, Outbox<P> out) {
    if (active.contains(from)) {
      pending.remove(from);
      learn(from, msg.data(), out);
      return;
    }
    boolean isReply = pending.remove(from) != null;
    if (isReply || msg.priority() == Priority.HIGH || active.size() < config.activeViewCapacity()) {
      if (!isReply) {
        // LOW: should the relation end before the reply lands, the peer takes it as a request,
        // and a stale reply must never force an eviction there (that cascades). Sent before
        // NeighborUp, as in onJoin.
        out.send(from, topic, new Message.Neighbor<>(Priority.LOW, meData));
      }
      addActive(from, msg.data(), out);
    } else {
      sendShuffleReply(from, config.shuffleActiveViewCount() + config.shufflePassiveViewCount(), out);
      out.send(from, topic, new Message.Disconnect<>(true));
      out.disconnect(from);
      forget(from);
    }
  }

  private void onDisconnect(P from, boolean alive, Outbox<P> out) {
    boolean wasPending = pending.remove(from) != null;
    if (active.contains(from)) {
      removeActive(from, out);
      if (alive) {
        addPassive(from, null, out);
      } else {
        passive.remove(from);
        forget(from);
      }
      refill(from, out);
    } else if (alive) {
      addPassive(from, null, out);
      if (wasPending) {
        // A refusal: do not ask this peer again before the next shuffle.
        refused.add(from);
        refusalsLeft--;
        refill(from, out);
      }
    } else {
      passive.remove(from);
      forget(from);
      if (wasPending) {
        refill(from, out);
      }
    }
  }

  private void onShuffle(P from, Message.Shuffle<P> shuffle, Outbox<P> out) {
    P origin = shuffle.origin();
    if (origin.equals(me)) {
      return;
    }
    P next = null;
    if (shuffle.ttl() > 0 && active.size() > 1) {
      next = active.pickRandomExcept(origin, from, rng);
    }
    if (next != null) {
      out.send(next, topic, new Message.Shuffle<>(origin, shuffle.nodes(), shuffle.ttl() - 1));
      return;
    }
    // Accept: answer with a sample of our own, taken before merging theirs.
    int len = Math.min(shuffle.nodes().size(), config.maxShuffleNodes());
    List<PeerInfo<P>> reply = sampleViews(len, origin);
    for (PeerInfo<P> node : shuffle.nodes()) {
      addPassive(node.id(), node.data(), out);
    }
    out.send(origin, topic, new Message.ShuffleReply<>(reply));
  }

  private void onShuffleReply(Message.ShuffleReply<P> reply, Outbox<P> out) {
    for (PeerInfo<P> node : reply.nodes()) {
      addPassive(node.id(), node.data(), out);
    }
    refill(null, out);
  }

  // ------------------------------------------------------------------ transport and timers

  void onPeerDisconnected(P peer, Outbox<P> out) {
    boolean wasPending = pending.remove(peer) != null;
    if (active.contains(peer)) {
      // The connection failed: the paper's failure detector. Drop the peer entirely.
      removeActive(peer, out);
      passive.remove(peer);
      forget(peer);
      refill(peer, out);
    } else if (wasPending) {
      passive.remove(peer);
      forget(peer);
      refill(peer, out);
    }
  }

  void onShuffleTimer(Outbox<P> out) {
    refusalsLeft = config.refusalBudget();
    refused.view().clear();
    P target = active.pickRandom(rng);
    if (target != null) {
      List<PeerInfo<P>> nodes = new ArrayList<>(config.maxShuffleNodes());
      for (P p : active.sample(config.shuffleActiveViewCount(), target, rng)) {
        nodes.add(info(p));
      }
      for (P p : passive.sample(config.shufflePassiveViewCount(), target, rng)) {
        nodes.add(info(p));
      }
      // Room for ourselves is kept: we are the one peer a Shuffle must carry.
      nodes = new ArrayList<>(
          FrameSizes.fitPeerInfos(nodes, maxFrameSize - FrameSizes.peerInfoSize(meData.length)));
      nodes.add(new PeerInfo<>(me, meData));
      out.send(target, topic, new Message.Shuffle<>(me, nodes, config.shuffleRandomWalkLength()));
    }
    refill(null, out);
    out.schedule(shuffleIntervalNanos, new Timer.DoShuffle<>(topic));
  }

  void onPendingTimer(P peer, long requestId, Outbox<P> out) {
    Long current = pending.get(peer);
    if (current == null || current != requestId) {
      return;
    }
    // No answer in time: taken as failed (paper p7).
    pending.remove(peer);
    passive.remove(peer);
    forget(peer);
    refill(null, out);
  }

  // ------------------------------------------------------------------ view maintenance

  private void addActive(P peer, byte[] data, Outbox<P> out) {
    if (active.contains(peer)) {
      learn(peer, data, out);
      return;
    }
    passive.remove(peer);
    pending.remove(peer);
    if (active.size() >= config.activeViewCapacity()) {
      evict(active.pickRandom(rng), out);
    }
    active.add(peer);
    learn(peer, data, out);
    listener.neighborUp(peer, out);
  }

  private void evict(P victim, Outbox<P> out) {
    removeActive(victim, out);
    sendShuffleReply(victim, config.shuffleActiveViewCount() + config.shufflePassiveViewCount(), out);
    out.send(victim, topic, new Message.Disconnect<>(true));
    out.disconnect(victim);
    addPassive(victim, null, out);
  }

  private void removeActive(P peer, Outbox<P> out) {
    active.remove(peer);
    listener.neighborDown(peer, out);
  }

  private void addPassive(P peer, byte[] data, Outbox<P> out) {
    if (peer.equals(me)) {
      return;
    }
    if (active.contains(peer) || passive.contains(peer)) {
      learn(peer, data, out);
      return;
    }
    if (passive.size() >= config.passiveViewCapacity()) {
      P dropped = passive.removeRandom(rng);
      forget(dropped);
    }
    passive.add(peer);
    learn(peer, data, out);
  }

  /**
   * Asks a random passive peer to become a neighbour if the active view (counting outstanding
   * requests) has room. HIGH below {@code highPriorityBelow} neighbours (paper: none at all), else
   * LOW while the refusal budget lasts.
   */
  private void refill(P skip, Outbox<P> out) {
    if (active.size() + pending.size() >= config.activeViewCapacity()) {
      return;
    }
    Priority priority = active.size() < config.highPriorityBelow() ? Priority.HIGH : Priority.LOW;
    if (priority == Priority.LOW && refusalsLeft <= 0) {
      return;
    }
    P candidate = passive.pickRandomWhere(
        p -> !p.equals(skip) && !pending.containsKey(p) && !refused.contains(p), rng);
    if (candidate == null) {
      return;
    }
    requestNeighbor(candidate, priority, out);
  }

  private void requestNeighbor(P peer, Priority priority, Outbox<P> out) {
    long id = ++requestSeq;
    pending.put(peer, id);
    out.send(peer, topic, new Message.Neighbor<>(priority, meData));
    out.schedule(neighborTimeoutNanos, new Timer.PendingNeighbor<>(topic, peer, id));
  }

  private void sendShuffleReply(P to, int len, Outbox<P> out) {
    out.send(to, topic, new Message.ShuffleReply<>(sampleViews(len, to)));
  }

  /** Up to {@code len} peers: passive first, active as filler (iroh), never {@code except}. */
  private List<PeerInfo<P>> sampleViews(int len, P except) {
    List<P> picks = passive.sample(len, except, rng);
    if (picks.size() < len) {
      picks.addAll(active.sample(len - picks.size(), except, rng));
    }
    List<PeerInfo<P>> infos = new ArrayList<>(picks.size());
    for (P p : picks) {
      infos.add(info(p));
    }
    return FrameSizes.fitPeerInfos(infos, maxFrameSize);
  }

  private PeerInfo<P> info(P peer) {
    return new PeerInfo<>(peer, peerData.get(peer));
  }

  /** Stores {@code data} for {@code peer}; reports it when new or changed (iroh). */
  private void learn(P peer, byte[] data, Outbox<P> out) {
    if (data == null) {
      return;
    }
    byte[] old = peerData.put(peer, data);
    if (data.length > 0 && !Arrays.equals(old, data)) {
      out.peerData(peer, data);
    }
  }

  /** Drops the data of a peer that is in no view and not pending. */
  private void forget(P peer) {
    if (!active.contains(peer) && !passive.contains(peer) && !pending.containsKey(peer)) {
      peerData.remove(peer);
    }
  }

  // ------------------------------------------------------------------ queries

  boolean isActiveOrPending(P peer) {
    return active.contains(peer) || pending.containsKey(peer);
  }

  boolean isActive(P peer) {
    return active.contains(peer);
  }

  List<P> activeView() {
    return active.snapshot();
  }

  List<P> passiveView() {
    return passive.snapshot();
  }

  List<P> pendingPeers() {
    return List.copyOf(pending.keySet());
  }

  int activeSize() {
    return active.size();
  }

  /** The live active list; callers must not modify it. */
  List<P> activeLive() {
    return active.view();
  }

  byte[] peerData(P peer) {
    return peerData.get(peer);
  }
}
