package dev.keyway.gossip.book;

import dev.keyway.client.keys.PublicKey;
import java.time.Duration;
import java.time.Instant;

/**
 * One node in the address book.
 *
 * @param announcement the newest verified announcement of the node
 * @param firstSeen when this book first accepted an announcement of it (local clock)
 * @param lastSeen when this book last accepted one (local clock); expiry counts from here
 * @param current whether the node currently owns its name (false while another node with the
 *     same name has announced more recently: a restart under a new id)
 */
public record BookEntry(Announcement announcement, Instant firstSeen, Instant lastSeen, boolean current) {
  /** The node id. */
  public PublicKey nodeId() {
    return announcement.nodeId();
  }

  /** The announced name. */
  public String name() {
    return announcement.name();
  }

  /** Time since the last announcement, at {@code now}. */
  public Duration age(Instant now) {
    Duration d = Duration.between(lastSeen, now);
    return d.isNegative() ? Duration.ZERO : d;
  }
}
