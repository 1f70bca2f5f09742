package dev.keyway.gossip.proto;

import java.util.Objects;

/**
 * One announcement in an {@link Message.IHave}: the sender has message {@code id} and received it
 * at hop distance {@code round} from the origin.
 */
public record IHaveEntry(MessageId id, int round) {
  public IHaveEntry {
    Objects.requireNonNull(id, "id");
    if (round < 0 || round > Message.MAX_U16) {
      throw new IllegalArgumentException("round out of range 0..65535: " + round);
    }
  }
}
