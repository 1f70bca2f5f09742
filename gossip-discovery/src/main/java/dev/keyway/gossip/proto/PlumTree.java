package dev.keyway.gossip.proto;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/*
 * PlumTree: epidemic broadcast trees for one topic.
 *
 * Reference: J. Leitão, J. Pereira, L. Rodrigues, "Epidemic Broadcast Trees", SRDS 2007
 * (TR DI-FCUL 07-14, revised 2019); iroh-gossip src/proto/plumtree.rs.
 *
 * The neighbours (HyParView's active view) are split into an eager and a lazy set. A payload
 * goes in full to the eager peers and as an id-only IHave (batched for dispatchTimeout) to the
 * lazy ones. Neighbours start eager (all but initialLazyPercent of them, see PlumTreeConfig), so
 * the first broadcast floods; a node that receives a
 * duplicate prunes the sender (both move the link to lazy), which leaves a spanning tree of eager
 * links. A node that hears of a message only through IHaves grafts an announcer after
 * graftTimeout1 (then the next one every graftTimeout2): the announcer sends the payload and both
 * make the link eager, which repairs the tree after failures. The "optimization" (paper §3.8)
 * swaps a tree link for a lazy one that is at least optimizationThreshold hops shorter.
 *
 * Link ownership (ours): both ends of a link decide on their own to prune or graft it, and a Prune
 * and a Graft that cross in flight leave it eager at one end and lazy at the other, possibly for
 * good if no payload crosses it again. So each link has an owner, the end with the smaller id: the
 * owner's state is authoritative. When the owner changes the link, it tells the other end (the
 * Prune or Graft it sends anyway); when the other end changes it, its Prune or Graft is a request,
 * which the owner applies and confirms by sending the same kind back (a Graft without id). The
 * other end applies whatever the owner sends and never answers. The owner's last word thus always
 * reaches the other end after every change, and a quiet link is symmetric. Costs one control
 * message per change made by the non-owner; the wire messages are unchanged, and a peer that
 * does not follow the rule (iroh) just applies the confirmations like any Prune or Graft.
 *
 * Other departures from the paper and iroh:
 *   - IHaves are only accepted from neighbours, and Grafts from a non-neighbour are answered but
 *     do not touch the sets, so eager and lazy stay subsets of the active view.
 *   - Neighbors-scope broadcasts go to all neighbours (iroh sends them to the eager set only).
 *   - Memory is bounded: ids and cached payloads by count as well as age, announcements per IHave,
 *     tracked missing ids and queued IHave entries per peer (iroh's caps, see PlumTreeConfig).
 *   - Cache eviction is scheduled for the next expiry instead of every second while non-empty.
 */
final class PlumTree<P extends Comparable<P>> {

  private static final class Seen<P> {
    final MessageId id;
    final long at;
    /** Our forwarding copy (round already incremented), kept to answer Grafts; null once evicted. */
    Message.Gossip<P> payload;

    Seen(MessageId id, long at, Message.Gossip<P> payload) {
      this.id = id;
      this.at = at;
      this.payload = payload;
    }
  }

  private record Announcement<P>(P peer, int round) {}

  private static final class Missing<P> {
    final ArrayDeque<Announcement<P>> announcers = new ArrayDeque<>(4);
    boolean graftArmed;

    boolean announcedBy(P peer) {
      for (Announcement<P> a : announcers) {
        if (a.peer().equals(peer)) {
          return true;
        }
      }
      return false;
    }
  }

  private final P me;
  private final TopicId topic;
  private final PlumTreeConfig config;
  private final long graftTimeout1;
  private final long graftTimeout2;
  private final long dispatchTimeout;
  private final long cacheRetention;
  private final long idRetention;
  private final long evictInterval;

  private final PeerList<P> eager = new PeerList<>(8);
  private final PeerList<P> lazy = new PeerList<>(8);
  private final LinkedHashMap<P, ArrayList<IHaveEntry>> lazyQueue = new LinkedHashMap<>();
  private boolean dispatchArmed;
  /** Ids seen, oldest first (insertion order is time order). */
  private final LinkedHashMap<MessageId, Seen<P>> seen = new LinkedHashMap<>();
  /** Entries whose payload is cached, oldest first. */
  private final ArrayDeque<Seen<P>> cached = new ArrayDeque<>();
  /** Announced but not received, with who announced them. */
  private final LinkedHashMap<MessageId, Missing<P>> missing = new LinkedHashMap<>();
  private boolean evictArmed;

  private long payloadReceived;
  private long controlReceived;
  private long duplicates;
  private long invalid;
  private long graftsSent;
  private long prunesSent;
  private long droppedAnnouncements;
  private int maxRound;
  /** Entries per IHave: the configured cap, or fewer when a smaller frame limit holds fewer. */
  private final int iHavePerMessage;

  PlumTree(P me, TopicId topic, PlumTreeConfig config, int maxFrameSize) {
    this.me = me;
    this.iHavePerMessage = Math.max(1, Math.min(config.maxIHavePerMessage(), FrameSizes.maxIHaveEntries(maxFrameSize)));
    this.topic = topic;
    this.config = config;
    this.graftTimeout1 = config.graftTimeout1().toNanos();
    this.graftTimeout2 = config.graftTimeout2().toNanos();
    this.dispatchTimeout = config.dispatchTimeout().toNanos();
    this.cacheRetention = config.messageCacheRetention().toNanos();
    this.idRetention = config.messageIdRetention().toNanos();
    this.evictInterval = config.cacheEvictInterval().toNanos();
  }

  // ------------------------------------------------------------------ neighbours

  void neighborUp(P peer) {
    if (!eager.contains(peer) && !lazy.contains(peer)) {
      if (startsLazy(peer)) {
        lazy.add(peer);
      } else {
        eager.add(peer);
      }
    }
  }

  /**
   * Whether a new link starts lazy: {@link PlumTreeConfig#initialLazyPercent()} of links, picked
   * by a mix of both peers' hash codes taken in owner order, so both ends decide alike (the peer
   * type's hashCode must be value-based, as PublicKey's and Integer's are).
   */
  private boolean startsLazy(P peer) {
    if (config.initialLazyPercent() == 0) {
      return false;
    }
    boolean mine = owns(peer);
    long h = (mine ? me : peer).hashCode() * 0x9E3779B97F4A7C15L + (mine ? peer : me).hashCode();
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return Math.floorMod(h, 100) < config.initialLazyPercent();
  }

  void neighborDown(P peer) {
    eager.remove(peer);
    lazy.remove(peer);
    lazyQueue.remove(peer);
    // Announcements from this peer stay in `missing`; they are skipped when a graft is due.
  }

  private boolean isNeighbor(P peer) {
    return eager.contains(peer) || lazy.contains(peer);
  }

  private void makeEager(P peer) {
    if (lazy.remove(peer)) {
      eager.add(peer);
    }
  }

  private void makeLazy(P peer) {
    if (eager.remove(peer)) {
      lazy.add(peer);
    }
  }

  /** Whether this node owns the link to {@code peer} (see the design note). */
  private boolean owns(P peer) {
    return me.compareTo(peer) < 0;
  }

  /** Our own decision to make the link lazy; tells the peer. */
  private void prune(P peer, Outbox<P> out) {
    makeLazy(peer);
    out.send(peer, topic, new Message.Prune<>());
    prunesSent++;
  }

  // ------------------------------------------------------------------ broadcast

  /** Checks that a broadcast would be accepted, without changing anything. */
  void checkBroadcast(MessageId id, Scope scope) {
    if (scope == Scope.SWARM && seen.containsKey(id)) {
      throw new DuplicateMessageException(id);
    }
  }

  void broadcast(MessageId id, byte[] content, Scope scope, Outbox<P> out) {
    if (scope == Scope.NEIGHBORS) {
      Message.Gossip<P> msg = new Message.Gossip<>(id, content, Scope.NEIGHBORS, 0);
      for (P p : eager.view()) {
        out.send(p, topic, msg);
      }
      for (P p : lazy.view()) {
        out.send(p, topic, msg);
      }
      return;
    }
    checkBroadcast(id, scope);
    Message.Gossip<P> msg = new Message.Gossip<>(id, content, Scope.SWARM, 0);
    record(id, msg, out);
    for (P p : eager.view()) {
      out.send(p, topic, msg);
    }
    IHaveEntry entry = new IHaveEntry(id, 0);
    for (P p : lazy.view()) {
      queueIHave(p, entry, out);
    }
  }

  // ------------------------------------------------------------------ messages

  void onMessage(P from, Message<P> message, Outbox<P> out) {
    if (message instanceof Message.Gossip<P> m) {
      onGossip(from, m, out);
      return;
    }
    controlReceived++;
    if (message instanceof Message.Prune<P>) {
      onPrune(from, out);
    } else if (message instanceof Message.Graft<P> m) {
      onGraft(from, m, out);
    } else if (message instanceof Message.IHave<P> m) {
      onIHave(from, m.entries(), out);
    }
  }

  private void onGossip(P from, Message.Gossip<P> msg, Outbox<P> out) {
    payloadReceived++;
    if (!msg.id().matches(msg.content())) {
      invalid++;
      return;
    }
    boolean neighbor = isNeighbor(from);
    if (msg.scope() == Scope.NEIGHBORS) {
      if (neighbor) {
        out.emit(topic, new Event.Received<>(msg.id(), msg.content(), from, Scope.NEIGHBORS, 0));
      }
      return;
    }
    MessageId id = msg.id();
    if (seen.containsKey(id)) {
      duplicates++;
      // Every duplicate from a neighbour gets a Prune, even from one held lazy (iroh): the sender
      // holds us eager, e.g. after it restarted over a connection we kept, and only the Prune
      // brings its end in line.
      if (neighbor) {
        prune(from, out);
      }
      return;
    }
    int round = Math.min(msg.round() + 1, Message.MAX_U16);
    Message.Gossip<P> forward = new Message.Gossip<>(id, msg.content(), Scope.SWARM, round);
    record(id, forward, out);
    for (P p : eager.view()) {
      if (!p.equals(from)) {
        out.send(p, topic, forward);
      }
    }
    IHaveEntry entry = new IHaveEntry(id, round);
    for (P p : lazy.view()) {
      if (!p.equals(from)) {
        queueIHave(p, entry, out);
      }
    }
    Missing<P> announced = missing.remove(id);
    if (announced != null && neighbor) {
      optimize(from, round, announced, out);
    }
    if (msg.round() > maxRound) {
      maxRound = msg.round();
    }
    out.emit(topic, new Event.Received<>(id, msg.content(), from, Scope.SWARM, msg.round()));
  }

  /**
   * Paper §3.8: if a lazy neighbour announced this message at least optimizationThreshold hops
   * closer to the origin than the copy we got, graft it and prune the eager sender.
   */
  private void optimize(P from, int round, Missing<P> announced, Outbox<P> out) {
    Announcement<P> best = null;
    for (Announcement<P> a : announced.announcers) {
      if (isNeighbor(a.peer()) && (best == null || a.round() < best.round())) {
        best = a;
      }
    }
    if (best == null || best.peer().equals(from) || best.round() >= round
        || round - best.round() < config.optimizationThreshold()) {
      return;
    }
    if (!eager.contains(best.peer())) {
      makeEager(best.peer());
      out.send(best.peer(), topic, new Message.Graft<>(null, best.round()));
      graftsSent++;
    }
    if (eager.contains(from)) {
      prune(from, out);
    }
  }

  private void onPrune(P from, Outbox<P> out) {
    if (!isNeighbor(from)) {
      return;
    }
    makeLazy(from);
    if (owns(from)) {
      // A request from the other end: confirm.
      out.send(from, topic, new Message.Prune<>());
      prunesSent++;
    }
  }

  private void onGraft(P from, Message.Graft<P> graft, Outbox<P> out) {
    if (isNeighbor(from)) {
      makeEager(from);
      if (owns(from)) {
        // A request from the other end: confirm (a Graft without id asks for no payload).
        out.send(from, topic, new Message.Graft<>(null, graft.round()));
        graftsSent++;
      }
    }
    if (graft.id() != null) {
      Seen<P> s = seen.get(graft.id());
      if (s != null && s.payload != null) {
        out.send(from, topic, s.payload);
      }
    }
  }

  private void onIHave(P from, List<IHaveEntry> entries, Outbox<P> out) {
    if (!isNeighbor(from)) {
      return;
    }
    for (IHaveEntry e : entries) {
      if (seen.containsKey(e.id())) {
        continue;
      }
      Missing<P> m = missing.get(e.id());
      if (m == null) {
        if (missing.size() >= config.maxMissingMessages()) {
          droppedAnnouncements++;
          continue;
        }
        m = new Missing<>();
        missing.put(e.id(), m);
      }
      if (!m.announcedBy(from)) {
        m.announcers.add(new Announcement<>(from, e.round()));
      }
      if (!m.graftArmed) {
        m.graftArmed = true;
        out.schedule(graftTimeout1, new Timer.SendGraft<>(topic, e.id()));
      }
    }
  }

  // ------------------------------------------------------------------ timers

  void onSendGraft(MessageId id, Outbox<P> out) {
    Missing<P> m = missing.get(id);
    if (m == null) {
      return;
    }
    if (seen.containsKey(id)) {
      missing.remove(id);
      return;
    }
    Announcement<P> a = m.announcers.poll();
    while (a != null && !isNeighbor(a.peer())) {
      a = m.announcers.poll();
    }
    if (a == null) {
      // Nobody left to ask; a later IHave starts over.
      missing.remove(id);
      return;
    }
    makeEager(a.peer());
    out.send(a.peer(), topic, new Message.Graft<>(id, a.round()));
    graftsSent++;
    out.schedule(graftTimeout2, new Timer.SendGraft<>(topic, id));
  }

  void onDispatch(Outbox<P> out) {
    dispatchArmed = false;
    int max = iHavePerMessage;
    for (Map.Entry<P, ArrayList<IHaveEntry>> e : lazyQueue.entrySet()) {
      List<IHaveEntry> q = e.getValue();
      for (int i = 0; i < q.size(); i += max) {
        out.send(e.getKey(), topic, new Message.IHave<>(q.subList(i, Math.min(q.size(), i + max))));
      }
    }
    lazyQueue.clear();
  }

  void onEvict(Outbox<P> out) {
    evictArmed = false;
    long now = out.now;
    Iterator<Seen<P>> it = seen.values().iterator();
    while (it.hasNext()) {
      Seen<P> s = it.next();
      if (s.at + idRetention > now) {
        break;
      }
      s.payload = null;
      it.remove();
    }
    while (!cached.isEmpty() && cached.peekFirst().at + cacheRetention <= now) {
      cached.pollFirst().payload = null;
    }
    armEvict(out);
  }

  // ------------------------------------------------------------------ internals

  private void queueIHave(P peer, IHaveEntry entry, Outbox<P> out) {
    ArrayList<IHaveEntry> q = lazyQueue.computeIfAbsent(peer, k -> new ArrayList<>(4));
    if (q.size() >= config.maxLazyQueuePerPeer()) {
      droppedAnnouncements++;
      return;
    }
    q.add(entry);
    if (!dispatchArmed) {
      dispatchArmed = true;
      out.schedule(dispatchTimeout, new Timer.DispatchLazyPush<>(topic));
    }
  }

  private void record(MessageId id, Message.Gossip<P> payload, Outbox<P> out) {
    Seen<P> s = new Seen<>(id, out.now, payload);
    seen.put(id, s);
    cached.addLast(s);
    if (seen.size() > config.messageIdCapacity()) {
      Iterator<Seen<P>> it = seen.values().iterator();
      it.next().payload = null;
      it.remove();
    }
    while (cached.size() > config.messageCacheCapacity()) {
      cached.pollFirst().payload = null;
    }
    armEvict(out);
  }

  /** Arms the eviction timer for the next expiry, no sooner than the evict interval. */
  private void armEvict(Outbox<P> out) {
    if (evictArmed || seen.isEmpty()) {
      return;
    }
    long next = seen.values().iterator().next().at + idRetention;
    if (!cached.isEmpty()) {
      next = Math.min(next, cached.peekFirst().at + cacheRetention);
    }
    evictArmed = true;
    out.schedule(Math.max(evictInterval, next - out.now), new Timer.EvictCache<>(topic));
  }

  // ------------------------------------------------------------------ queries

  List<P> eagerPeers() {
    return eager.snapshot();
  }

  List<P> lazyPeers() {
    return lazy.snapshot();
  }

  boolean isEager(P peer) {
    return eager.contains(peer);
  }

  /** The live eager list; callers must not modify it. */
  List<P> eagerLive() {
    return eager.view();
  }

  boolean hasSeen(MessageId id) {
    return seen.containsKey(id);
  }

  int seenCount() {
    return seen.size();
  }

  int cachedCount() {
    return cached.size();
  }

  int missingCount() {
    return missing.size();
  }

  TopicStats stats() {
    return new TopicStats(payloadReceived, controlReceived, duplicates, invalid, graftsSent,
        prunesSent, droppedAnnouncements, maxRound, seen.size(), cached.size(), missing.size());
  }
}
