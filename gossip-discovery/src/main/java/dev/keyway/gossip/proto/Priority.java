package dev.keyway.gossip.proto;

/** The priority of a HyParView {@link Message.Neighbor} request (paper §4.3). */
public enum Priority {
  /** Sent by a node whose active view is empty: always accepted, evicting a random neighbour. */
  HIGH,
  /** Sent otherwise: accepted only if the receiver has a free slot in its active view. */
  LOW
}
