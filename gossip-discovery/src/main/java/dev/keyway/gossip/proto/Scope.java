package dev.keyway.gossip.proto;

/** How far a broadcast travels. */
public enum Scope {
  /** To every member of the topic's swarm, along the PlumTree. Deduplicated by message id. */
  SWARM,
  /** To the direct neighbours only; not forwarded, not recorded, not deduplicated. */
  NEIGHBORS
}
