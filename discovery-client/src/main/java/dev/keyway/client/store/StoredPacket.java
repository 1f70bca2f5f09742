package dev.keyway.client.store;

import dev.keyway.client.packet.SignedPacket;
import java.util.Objects;

/**
 * A packet as a store holds it, with the local time it was last received.
 *
 * @param packet the newest packet known for its key
 * @param lastSeenMicros when this node last received exactly these bytes, in microseconds since
 *     the epoch; freshness for caches and HTTP {@code Memento-Datetime} derive from it, never from
 *     the signed timestamp
 */
public record StoredPacket(SignedPacket packet, long lastSeenMicros) {
  public StoredPacket {
    Objects.requireNonNull(packet, "packet");
  }

  /** This state with its packet's key {@link SignedPacket#compact() compact}, for caches. */
  public StoredPacket compact() {
    SignedPacket compact = packet.compact();
    return compact == packet ? this : new StoredPacket(compact, lastSeenMicros);
  }
}
