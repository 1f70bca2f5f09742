package dev.keyway.gossip.proto;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A message between two peers on one topic. The first six kinds are HyParView membership
 * messages, the last four PlumTree broadcast messages; the set and the fields are those of
 * iroh-gossip's {@code hyparview::Message} and {@code plumtree::Message}. Records are immutable
 * by convention: byte arrays are not copied, and neither side may modify them after handing them
 * over.
 *
 * @param <P> the peer identity type
 */
public sealed interface Message<P> {

  /** Whether this is a HyParView message (as opposed to a PlumTree one). */
  default boolean isMembership() {
    return false;
  }

  // ---------------------------------------------------------------- HyParView (membership)

  /** Asks the receiver to take the sender into its active view (paper §4.2, "Join"). */
  record Join<P>(byte[] data) implements Message<P> {
    @Override
    public boolean isMembership() {
      return true;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Join<?> j && Arrays.equals(data, j.data);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(data);
    }

    @Override
    public String toString() {
      return "Join[" + len(data) + "]";
    }
  }

  /** A random walk announcing a joining peer; {@code ttl} counts down from ARWL (paper §4.2). */
  record ForwardJoin<P>(PeerInfo<P> peer, int ttl) implements Message<P> {
    public ForwardJoin {
      Objects.requireNonNull(peer, "peer");
      checkU16(ttl, "ttl");
    }

    @Override
    public boolean isMembership() {
      return true;
    }
  }

  /** A random walk carrying a sample of the origin's views (paper §4.4). */
  record Shuffle<P>(P origin, List<PeerInfo<P>> nodes, int ttl) implements Message<P> {
    public Shuffle {
      Objects.requireNonNull(origin, "origin");
      nodes = List.copyOf(nodes);
      checkU16(ttl, "ttl");
    }

    @Override
    public boolean isMembership() {
      return true;
    }
  }

  /** A sample of the sender's views, answering a Shuffle or sent before a Disconnect. */
  record ShuffleReply<P>(List<PeerInfo<P>> nodes) implements Message<P> {
    public ShuffleReply {
      nodes = List.copyOf(nodes);
    }

    @Override
    public boolean isMembership() {
      return true;
    }
  }

  /**
   * A request to become neighbours, or the answer accepting one (a Neighbor from a peer we asked
   * is the reply). Carries the sender's peer data.
   */
  record Neighbor<P>(Priority priority, byte[] data) implements Message<P> {
    public Neighbor {
      Objects.requireNonNull(priority, "priority");
    }

    @Override
    public boolean isMembership() {
      return true;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Neighbor<?> n && priority == n.priority && Arrays.equals(data, n.data);
    }

    @Override
    public int hashCode() {
      return priority.hashCode() * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
      return "Neighbor[" + priority + ", " + len(data) + "]";
    }
  }

  /**
   * The sender dropped the receiver from its active view (or refused it). {@code alive} says the
   * sender is still running, so the receiver may keep it in its passive view.
   */
  record Disconnect<P>(boolean alive) implements Message<P> {
    @Override
    public boolean isMembership() {
      return true;
    }
  }

  // ---------------------------------------------------------------- PlumTree (broadcast)

  /**
   * A payload. {@code round} is the number of hops from the origin minus one (the origin sends
   * round 0); it is 0 and meaningless for {@link Scope#NEIGHBORS}.
   */
  record Gossip<P>(MessageId id, byte[] content, Scope scope, int round) implements Message<P> {
    public Gossip {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(content, "content");
      Objects.requireNonNull(scope, "scope");
      checkU16(round, "round");
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Gossip<?> g
          && id.equals(g.id)
          && scope == g.scope
          && round == g.round
          && Arrays.equals(content, g.content);
    }

    @Override
    public int hashCode() {
      return id.hashCode() * 31 + round;
    }

    @Override
    public String toString() {
      return "Gossip[" + id.fmtShort() + ", " + content.length + "b, " + scope + ", round=" + round + "]";
    }
  }

  /** The receiver should move the sender to its lazy set. */
  record Prune<P>() implements Message<P> {}

  /**
   * The receiver should move the sender to its eager set and, if {@code id} is not null, send that
   * payload. {@code round} is the round of the IHave that prompted it.
   */
  record Graft<P>(MessageId id, int round) implements Message<P> {
    public Graft {
      checkU16(round, "round");
    }
  }

  /** Announces payloads the sender has (lazy push). */
  record IHave<P>(List<IHaveEntry> entries) implements Message<P> {
    public IHave {
      entries = List.copyOf(entries);
    }
  }

  // ----------------------------------------------------------------

  /** The largest value of the u16 fields (round, ttl), as on iroh's wire. */
  int MAX_U16 = 0xffff;

  private static void checkU16(int value, String what) {
    if (value < 0 || value > MAX_U16) {
      throw new IllegalArgumentException(what + " out of range 0..65535: " + value);
    }
  }

  private static String len(byte[] data) {
    return data == null ? "no data" : data.length + "b";
  }
}
