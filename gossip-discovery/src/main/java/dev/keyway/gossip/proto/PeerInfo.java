package dev.keyway.gossip.proto;

import java.util.Arrays;
import java.util.Objects;

/**
 * A peer and, optionally, its opaque peer data (in the net layer: its addresses), as carried in
 * ForwardJoin, Shuffle and ShuffleReply.
 *
 * @param id the peer
 * @param data the peer's data, or {@code null} when unknown
 * @param <P> the peer identity type
 */
public record PeerInfo<P>(P id, byte[] data) {
  public PeerInfo {
    Objects.requireNonNull(id, "id");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PeerInfo<?> p && id.equals(p.id) && Arrays.equals(data, p.data);
  }

  @Override
  public int hashCode() {
    return id.hashCode() * 31 + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "PeerInfo[" + id + (data == null ? "" : ", " + data.length + "b") + "]";
  }
}
