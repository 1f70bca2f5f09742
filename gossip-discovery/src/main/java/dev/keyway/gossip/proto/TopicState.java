package dev.keyway.gossip.proto;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Both protocol layers of one topic. HyParView's neighbour changes reach PlumTree within the same
 * call, before any later event of that call is produced.
 */
final class TopicState<P extends Comparable<P>> implements HyParView.Listener<P> {
  final TopicId id;
  final HyParView<P> membership;
  final PlumTree<P> tree;

  TopicState(P me, byte[] meData, TopicId id, GossipConfig config, RandomGenerator rng) {
    this.id = id;
    this.membership = new HyParView<>(me, meData, id, config.hyParView(), config.maxFrameSize(), rng, this);
    this.tree = new PlumTree<>(me, id, config.plumTree(), config.maxFrameSize());
  }

  @Override
  public void neighborUp(P peer, Outbox<P> out) {
    tree.neighborUp(peer);
    out.emit(id, new Event.NeighborUp<>(peer));
  }

  @Override
  public void neighborDown(P peer, Outbox<P> out) {
    tree.neighborDown(peer);
    out.emit(id, new Event.NeighborDown<>(peer));
  }

  void onMessage(P from, Message<P> message, Outbox<P> out) {
    if (message.isMembership()) {
      membership.onMessage(from, message, out);
    } else {
      tree.onMessage(from, message, out);
    }
    // A message over a temporary connection (a shuffle reply, a graft from a former neighbour):
    // close it once handled (iroh). A Disconnect is followed by the sender's own close.
    if (!(message instanceof Message.Disconnect) && !membership.isActiveOrPending(from)
        && !out.disconnects(from)) {
      out.disconnect(from);
    }
  }

  void onTimer(Timer<P> timer, Outbox<P> out) {
    if (timer instanceof Timer.SendGraft<P> t) {
      tree.onSendGraft(t.id(), out);
    } else if (timer instanceof Timer.DispatchLazyPush<P>) {
      tree.onDispatch(out);
    } else if (timer instanceof Timer.EvictCache<P>) {
      tree.onEvict(out);
    } else if (timer instanceof Timer.DoShuffle<P>) {
      membership.onShuffleTimer(out);
    } else if (timer instanceof Timer.PendingNeighbor<P> t) {
      membership.onPendingTimer(t.peer(), t.requestId(), out);
    }
  }

  void join(List<P> peers, Outbox<P> out) {
    membership.join(peers, out);
  }

  void onPeerDisconnected(P peer, Outbox<P> out) {
    membership.onPeerDisconnected(peer, out);
  }
}
