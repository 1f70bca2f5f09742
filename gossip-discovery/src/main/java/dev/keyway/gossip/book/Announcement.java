package dev.keyway.gossip.book;

import dev.keyway.client.addr.RelayUrl;
import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.addr.TransportAddr;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.record.EndpointInfo;
import dev.keyway.client.record.UserData;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a node says about itself on the address-book topic: who it is, what it is called, how to
 * reach it, and when it said so. Signed by the node key before it is broadcast
 * ({@link Announcements}); a receiver keeps it only if the signature verifies and the signer is
 * {@link #nodeId()}.
 *
 * @param nodeId the announcing node
 * @param name a human name (at most {@value #MAX_NAME_BYTES} UTF-8 bytes); not unique, not trusted
 * @param relayUrls relay servers it can be reached through (at most {@value #MAX_RELAYS})
 * @param directAddrs its direct socket addresses (at most {@value #MAX_ADDRS})
 * @param userData optional user data (iroh's, at most 245 bytes), or null
 * @param counter increases by one with every announcement of this run
 * @param timestampMicros when it was made, µs since the epoch (the sender's clock); with
 *     {@code counter} it orders a node's announcements, so older ones are recognised as replays
 */
public record Announcement(PublicKey nodeId, String name, List<RelayUrl> relayUrls, List<SocketAddr> directAddrs,
    UserData userData, long counter, long timestampMicros) {
  public static final int MAX_NAME_BYTES = 64;
  public static final int MAX_RELAYS = 4;
  public static final int MAX_ADDRS = 16;

  public Announcement {
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(name, "name");
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
      throw new IllegalArgumentException("name longer than " + MAX_NAME_BYTES + " bytes");
    }
    relayUrls = List.copyOf(relayUrls);
    directAddrs = List.copyOf(directAddrs);
    if (relayUrls.size() > MAX_RELAYS) {
      throw new IllegalArgumentException("more than " + MAX_RELAYS + " relay URLs");
    }
    if (directAddrs.size() > MAX_ADDRS) {
      throw new IllegalArgumentException("more than " + MAX_ADDRS + " direct addresses");
    }
    if (counter < 0 || timestampMicros < 0) {
      throw new IllegalArgumentException("counter and timestamp must not be negative");
    }
  }

  /** Whether this announcement is newer than {@code other} (same node): timestamp, then counter. */
  public boolean isNewerThan(Announcement other) {
    return isNewerThan(other.timestampMicros, other.counter);
  }

  /**
   * Whether this announcement is newer than a message of the same node signed at
   * {@code otherTimestampMicros} with {@code otherCounter} (a {@link Leave}, say): timestamp, then
   * counter.
   */
  public boolean isNewerThan(long otherTimestampMicros, long otherCounter) {
    if (timestampMicros != otherTimestampMicros) {
      return timestampMicros > otherTimestampMicros;
    }
    return counter > otherCounter;
  }

  /** All addresses: relays first, then direct ones (iroh's order). */
  public List<TransportAddr> addrs() {
    List<TransportAddr> out = new ArrayList<>();
    for (RelayUrl r : relayUrls) {
      out.add(new TransportAddr.Relay(r));
    }
    for (SocketAddr a : directAddrs) {
      out.add(new TransportAddr.Ip(a));
    }
    return out;
  }

  /** As the client's {@link EndpointInfo}: id, addresses, user data. */
  public EndpointInfo toEndpointInfo() {
    return EndpointInfo.of(nodeId, addrs(), userData);
  }

  /** Whether the reachability part (addresses, user data, name) differs from {@code other}'s. */
  public boolean sameContactAs(Announcement other) {
    return name.equals(other.name) && relayUrls.equals(other.relayUrls) && directAddrs.equals(other.directAddrs)
        && Objects.equals(userData, other.userData);
  }
}
