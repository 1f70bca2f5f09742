package dev.keyway.gossip.sim;

import dev.keyway.gossip.proto.Event;
import dev.keyway.gossip.proto.GossipConfig;
import dev.keyway.gossip.proto.GossipState;
import dev.keyway.gossip.proto.InEvent;
import dev.keyway.gossip.proto.Message;
import dev.keyway.gossip.proto.OutEvent;
import dev.keyway.gossip.proto.Scope;
import dev.keyway.gossip.proto.Timer;
import dev.keyway.gossip.proto.TopicCommand;
import dev.keyway.gossip.proto.TopicId;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The simulated network: nodes, virtual time and the event queue. Single-threaded and fully
 * determined by its seed.
 *
 * <p>Model. A message from a to b arrives after the pair's latency, drawn once per pair from the
 * seeded range (so each direction of a link is FIFO, like a stream). A DisconnectPeer from a
 * reaches b as PeerDisconnected one microsecond after a's messages. A send to a crashed node, or
 * across a partition, fails: the sender gets PeerDisconnected after one round trip. Peers that hold
 * a connection (an active-view entry) to a node that crashes or ends up across a partition get
 * PeerDisconnected after {@code detect} plus the link latency even if they send nothing. Events
 * addressed to a crashed node, or to an earlier incarnation of a restarted one, are dropped.
 */
final class SimNetwork {
  static final TopicId TOPIC = TopicId.ofName("keyway-sim");

  private static final byte MSG = 0;
  private static final byte TIMER = 1;
  private static final byte DISC = 2;

  /** A queued event; the queue orders by time, then by the order it was scheduled in. */
  private static final class Ev {
    final long time;
    final byte kind;
    final boolean progress;
    final int node;
    final int from;
    final int epoch;
    final Object payload;

    Ev(long time, byte kind, boolean progress, int node, int from, int epoch, Object payload) {
      this.time = time;
      this.kind = kind;
      this.progress = progress;
      this.node = node;
      this.from = from;
      this.epoch = epoch;
      this.payload = payload;
    }
  }

  /** Receives what the metrics need. */
  interface Observer {
    void onReceived(int node, Event.Received<Integer> event, long now);

    void onPayload(int node, Message.Gossip<Integer> gossip);

    /** Every application event (NeighborUp, NeighborDown, Received), in order. */
    default void onEvent(int node, Event<Integer> event, long now) {}

    /** Every message handed to the network, before latency, loss or failure apply. */
    default void onSend(int from, int to, Message<Integer> message, long now) {}
  }

  final int n;
  private final long seed;
  private final GossipConfig config;
  private final Integer[] ids;
  private final GossipState<Integer>[] nodes;
  private final boolean[] alive;
  private final int[] epoch;
  private final int[] group;
  private boolean partitioned;
  private int liveCount;

  private final EventQueue<Ev> queue = new EventQueue<>();
  private long now;
  private long seq;
  private final long latMin;
  private final long latSpan;
  private final long detectNanos;
  private final double loss;
  /** Randomness of the network itself (loss); node and scenario randomness are separate. */
  private final SplittableRandom netRng;

  private long inflight;
  private long progressTimers;
  private boolean draining;
  private final ArrayList<Ev> deferred = new ArrayList<>();

  long eventsProcessed;
  long messagesSent;
  long messagesDropped;
  private Observer observer;

  @SuppressWarnings("unchecked")
  SimNetwork(int n, long seed, GossipConfig config, int latMinMs, int latMaxMs, double loss, int detectMs) {
    this.n = n;
    this.seed = seed;
    this.config = config;
    this.ids = new Integer[n];
    for (int i = 0; i < n; i++) {
      ids[i] = i; // one boxed id per node, shared by every event and view that names it
    }
    this.nodes = (GossipState<Integer>[]) new GossipState<?>[n];
    this.alive = new boolean[n];
    this.epoch = new int[n];
    this.group = new int[n];
    this.latMin = latMinMs * 1_000_000L;
    this.latSpan = (latMaxMs - latMinMs) * 1_000_000L;
    this.detectNanos = detectMs * 1_000_000L;
    this.loss = loss;
    this.netRng = new SplittableRandom(mix(seed ^ 0x6e657477L));
    for (int i = 0; i < n; i++) {
      start(i);
    }
  }

  void setObserver(Observer observer) {
    this.observer = observer;
  }

  // ------------------------------------------------------------------ nodes

  private void start(int i) {
    SplittableRandom rng = new SplittableRandom(mix(seed * 0x9E3779B97F4A7C15L + i * 0x632BE59BD9B4E019L + epoch[i]));
    nodes[i] = new GossipState<>(ids[i], nodeData(i), config, rng);
    alive[i] = true;
    liveCount++;
  }

  /** A small stand-in for the addresses a real node announces. */
  private static byte[] nodeData(int i) {
    return new byte[] {10, 0, (byte) (i >> 8), (byte) i, 0x1f, (byte) 0x90};
  }

  GossipState<Integer> node(int i) {
    return nodes[i];
  }

  boolean isAlive(int i) {
    return alive[i];
  }

  int liveCount() {
    return liveCount;
  }

  long now() {
    return now;
  }

  /** Node {@code i} joins the topic through {@code bootstrap}. */
  void join(int i, int... bootstrap) {
    List<Integer> peers = new ArrayList<>(bootstrap.length);
    for (int b : bootstrap) {
      peers.add(ids[b]);
    }
    command(i, new TopicCommand.Join<>(peers));
  }

  /** Node {@code i} broadcasts {@code content} to the swarm. */
  void broadcast(int i, byte[] content) {
    command(i, new TopicCommand.Broadcast<>(content, Scope.SWARM));
  }

  private void command(int i, TopicCommand<Integer> command) {
    if (!alive[i]) {
      throw new IllegalStateException("node " + i + " is down");
    }
    dispatch(i, nodes[i].handle(new InEvent.Command<>(TOPIC, command), now));
  }

  /** Crashes the given nodes at the current time; their peers notice as described above. */
  void crash(int[] victims) {
    for (int v : victims) {
      if (alive[v]) {
        alive[v] = false;
        epoch[v]++;
        nodes[v] = null;
        liveCount--;
      }
    }
    notifyBrokenLinks();
  }

  /** Restarts a crashed node with empty state; it joins the topic through {@code bootstrap}. */
  void restart(int i, int bootstrap) {
    if (alive[i]) {
      return;
    }
    epoch[i]++;
    start(i);
    join(i, bootstrap);
  }

  /** Puts the given nodes in a second group; links between the groups fail. */
  void partition(int[] second) {
    java.util.Arrays.fill(group, 0);
    for (int v : second) {
      group[v] = 1;
    }
    partitioned = true;
    notifyBrokenLinks();
  }

  void heal() {
    partitioned = false;
  }

  private boolean blocked(int a, int b) {
    return partitioned && group[a] != group[b];
  }

  /** Every live node with a neighbour it can no longer reach gets PeerDisconnected after detect. */
  private void notifyBrokenLinks() {
    for (int v = 0; v < n; v++) {
      if (!alive[v]) {
        continue;
      }
      for (Integer p : nodes[v].activeView(TOPIC)) {
        if (!alive[p] || blocked(v, p)) {
          push(now + detectNanos + latency(v, p), DISC, false, v, p, null);
        }
      }
    }
  }

  // ------------------------------------------------------------------ time

  /** One-way latency of the pair, fixed per pair and seed. */
  long latency(int a, int b) {
    int lo = Math.min(a, b);
    int hi = Math.max(a, b);
    long h = mix(seed ^ (lo * 0xC2B2AE3D27D4EB4FL) ^ (hi * 0x165667B19E3779F9L));
    return latSpan == 0 ? latMin : latMin + Math.floorMod(h, latSpan + 1);
  }

  /** Processes events up to and including {@code deadline}, or until {@code done} holds. */
  void runUntil(long deadline, java.util.function.BooleanSupplier done) {
    while (!done.getAsBoolean()) {
      if (queue.isEmpty() || queue.peekTime() > deadline) {
        now = Math.max(now, deadline);
        return;
      }
      step();
    }
  }

  void runFor(long nanos) {
    runUntil(now + nanos, () -> false);
  }

  /**
   * Runs until no message, disconnect or short protocol timer (neighbour request, graft,
   * IHave dispatch) is queued, holding back periodic shuffles meanwhile, for at most
   * {@code maxNanos}. Returns whether the network became quiet.
   */
  boolean drain(long maxNanos) {
    long limit = now + maxNanos;
    draining = true;
    try {
      while (inflight > 0 || progressTimers > 0) {
        if (queue.isEmpty() || queue.peekTime() > limit) {
          return false;
        }
        step();
      }
      return true;
    } finally {
      draining = false;
      for (Ev e : deferred) {
        push(Math.max(e.time, now), TIMER, false, e.node, -1, e.payload, e.epoch);
      }
      deferred.clear();
    }
  }

  private void step() {
    Ev e = queue.poll();
    now = e.time;
    if (e.kind != TIMER) {
      inflight--;
    } else if (e.progress) {
      progressTimers--;
    }
    if (!alive[e.node] || e.epoch != epoch[e.node]) {
      return;
    }
    eventsProcessed++;
    InEvent<Integer> in;
    if (e.kind == MSG) {
      @SuppressWarnings("unchecked")
      Message<Integer> m = (Message<Integer>) e.payload;
      if (m instanceof Message.Gossip<Integer> g && g.scope() == Scope.SWARM && observer != null) {
        observer.onPayload(e.node, g);
      }
      in = new InEvent.RecvMessage<>(ids[e.from], TOPIC, m);
    } else if (e.kind == TIMER) {
      @SuppressWarnings("unchecked")
      Timer<Integer> t = (Timer<Integer>) e.payload;
      if (draining && t instanceof Timer.DoShuffle) {
        deferred.add(e);
        return;
      }
      in = new InEvent.TimerExpired<>(t);
    } else {
      in = new InEvent.PeerDisconnected<>(ids[e.from]);
    }
    dispatch(e.node, nodes[e.node].handle(in, now));
  }

  private void dispatch(int node, List<OutEvent<Integer>> outs) {
    for (int i = 0, size = outs.size(); i < size; i++) {
      OutEvent<Integer> o = outs.get(i);
      if (o instanceof OutEvent.SendMessage<Integer> s) {
        send(node, s.to(), s.message());
      } else if (o instanceof OutEvent.ScheduleTimer<Integer> t) {
        Timer<Integer> timer = t.timer();
        boolean progress = !(timer instanceof Timer.DoShuffle) && !(timer instanceof Timer.EvictCache);
        push(now + t.delayNanos(), TIMER, progress, node, -1, timer);
      } else if (o instanceof OutEvent.DisconnectPeer<Integer> d) {
        int p = d.peer();
        if (alive[p]) {
          push(now + latency(node, p) + 1_000, DISC, false, p, node, null);
        }
      } else if (o instanceof OutEvent.EmitEvent<Integer> ev && observer != null) {
        observer.onEvent(node, ev.event(), now);
        if (ev.event() instanceof Event.Received<Integer> r) {
          observer.onReceived(node, r, now);
        }
      }
      // PeerData: the simulator has no address book.
    }
  }

  private void send(int from, int to, Message<Integer> message) {
    messagesSent++;
    if (observer != null) {
      observer.onSend(from, to, message, now);
    }
    long lat = latency(from, to);
    if (!alive[to] || blocked(from, to)) {
      messagesDropped++;
      // The connection attempt fails after a round trip (the papers' TCP failure detector).
      push(now + 2 * lat, DISC, false, from, to, null);
      return;
    }
    if (loss > 0 && netRng.nextDouble() < loss) {
      messagesDropped++;
      return;
    }
    push(now + lat, MSG, false, to, from, message);
  }

  private void push(long time, byte kind, boolean progress, int node, int from, Object payload) {
    push(time, kind, progress, node, from, payload, epoch[node]);
  }

  private void push(long time, byte kind, boolean progress, int node, int from, Object payload, int ep) {
    if (kind != TIMER) {
      inflight++;
    } else if (progress) {
      progressTimers++;
    }
    queue.add(time, seq++, new Ev(time, kind, progress, node, from, ep, payload));
  }

  int queued() {
    return queue.size();
  }

  /** SplitMix64's finalizer. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
