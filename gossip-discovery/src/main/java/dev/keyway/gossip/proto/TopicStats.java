package dev.keyway.gossip.proto;

/**
 * Counters of one topic's broadcast layer, as a snapshot.
 *
 * @param payloadReceived Gossip messages received (including duplicates)
 * @param controlReceived Prune, Graft and IHave messages received
 * @param duplicates Gossip messages whose id was already known
 * @param invalid Gossip messages whose id is not the hash of the content (dropped)
 * @param graftsSent Graft messages sent for missing payloads or the tree optimization
 * @param prunesSent Prune messages sent
 * @param droppedAnnouncements IHave entries not queued or not tracked because a cap was reached
 * @param maxRound the highest round at which a message was first received (iroh's
 *     {@code max_last_delivery_hop})
 * @param seenIds message ids currently remembered for duplicate suppression
 * @param cachedPayloads payloads currently cached to answer Grafts
 * @param missingIds announced ids currently awaited
 */
public record TopicStats(
    long payloadReceived,
    long controlReceived,
    long duplicates,
    long invalid,
    long graftsSent,
    long prunesSent,
    long droppedAnnouncements,
    int maxRound,
    int seenIds,
    int cachedPayloads,
    int missingIds) {
  /** All zero: a topic that has not seen anything (or is not joined). */
  public static final TopicStats EMPTY = new TopicStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}
