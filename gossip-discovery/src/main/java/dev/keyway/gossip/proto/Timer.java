package dev.keyway.gossip.proto;

import java.util.Objects;

/**
 * A timer the state machine asked for with {@link OutEvent.ScheduleTimer}; the runtime hands it
 * back unchanged as {@link InEvent.TimerExpired} once the delay has passed. Timers are never
 * cancelled: each handler re-checks the state when its timer fires, so a stale timer is a no-op.
 *
 * @param <P> the peer identity type
 */
public sealed interface Timer<P> {
  /** The topic the timer belongs to. */
  TopicId topic();

  /** HyParView: time for a periodic shuffle. */
  record DoShuffle<P>(TopicId topic) implements Timer<P> {
    public DoShuffle {
      Objects.requireNonNull(topic, "topic");
    }
  }

  /** HyParView: the neighbour request {@code requestId} to {@code peer} may have gone unanswered. */
  record PendingNeighbor<P>(TopicId topic, P peer, long requestId) implements Timer<P> {
    public PendingNeighbor {
      Objects.requireNonNull(topic, "topic");
      Objects.requireNonNull(peer, "peer");
    }
  }

  /** PlumTree: the payload of {@code id} has not arrived yet; graft the next announcer. */
  record SendGraft<P>(TopicId topic, MessageId id) implements Timer<P> {
    public SendGraft {
      Objects.requireNonNull(topic, "topic");
      Objects.requireNonNull(id, "id");
    }
  }

  /** PlumTree: send the batched IHave announcements. */
  record DispatchLazyPush<P>(TopicId topic) implements Timer<P> {
    public DispatchLazyPush {
      Objects.requireNonNull(topic, "topic");
    }
  }

  /** PlumTree: drop expired message ids and cached payloads. */
  record EvictCache<P>(TopicId topic) implements Timer<P> {
    public EvictCache {
      Objects.requireNonNull(topic, "topic");
    }
  }
}
