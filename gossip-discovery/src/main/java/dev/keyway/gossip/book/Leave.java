package dev.keyway.gossip.book;

import dev.keyway.client.keys.PublicKey;
import java.util.Objects;

/**
 * What a node says on the address-book topic when it stops on purpose: "drop my entry now". Signed
 * by the node key before it is broadcast ({@link Leaves}); a receiver takes it only if the signature
 * verifies and the signer is {@link #nodeId()}.
 *
 * <p>It is ordered against the node's announcements like they are among themselves: timestamp,
 * then counter. A node signs its leave after its last announcement (a timestamp at least one µs
 * later, the next counter), so the leave outranks everything it announced in that run and nothing
 * it announces after a restart (which the clock dates later). A receiver removes an entry only if
 * the leave is newer than the entry's announcement: a leave captured and replayed after the node
 * restarted is older than the restarted node's announcements and removes nothing.
 *
 * @param nodeId the node that is leaving
 * @param counter the node's announcement counter after its last announcement of this run
 * @param timestampMicros when it was signed, µs since the epoch (the sender's clock)
 */
public record Leave(PublicKey nodeId, long counter, long timestampMicros) {
  public Leave {
    Objects.requireNonNull(nodeId, "nodeId");
    if (counter < 0 || timestampMicros < 0) {
      throw new IllegalArgumentException("counter and timestamp must not be negative");
    }
  }

  /** Whether this leave is newer than {@code a} (same node): timestamp, then counter. */
  public boolean isNewerThan(Announcement a) {
    return isNewerThan(a.timestampMicros(), a.counter());
  }

  /** Whether this leave is newer than a message signed at {@code otherTimestampMicros} with {@code otherCounter}. */
  public boolean isNewerThan(long otherTimestampMicros, long otherCounter) {
    if (timestampMicros != otherTimestampMicros) {
      return timestampMicros > otherTimestampMicros;
    }
    return counter > otherCounter;
  }
}
