package dev.keyway.gossip.net;

import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.keys.PublicKey;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Where each peer can be dialled, in two tiers: addresses from this node's own sources (its
 * bootstrap configuration, the peers it is asked to join, verified announcements handed to
 * {@link GossipNode#addAddresses}, the address lookup) and hearsay, the peer data other peers
 * relay in Join, ForwardJoin and Shuffle messages, which nobody signed. A dial tries the first
 * tier, then the hearsay: a hostile member that lists dead addresses for a peer can add a few
 * failed dials at the end, never push out or go before the addresses that work.
 *
 * <p>Each tier keeps at most {@code perPeer} addresses per peer, newest first (merged, not
 * replaced), for at most {@code maxPeers} peers, least recently used dropped first. Not
 * thread-safe: the node uses it on its event loop only.
 */
final class DialAddresses {
  private final int perPeer;
  private final Map<PublicKey, List<SocketAddr>> own;
  private final Map<PublicKey, List<SocketAddr>> hearsay;

  DialAddresses(int maxPeers, int perPeer) {
    this.perPeer = perPeer;
    this.own = lru(maxPeers);
    this.hearsay = lru(maxPeers);
  }

  private static Map<PublicKey, List<SocketAddr>> lru(int maxPeers) {
    return new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<PublicKey, List<SocketAddr>> eldest) {
        return size() > maxPeers;
      }
    };
  }

  /** Addresses of {@code peer} from this node's own sources, in front of those known. */
  void remember(PublicKey peer, List<SocketAddr> addrs) {
    merge(own, peer, addrs);
  }

  /** Addresses of {@code peer} that another peer relayed, tried after the node's own. */
  void rememberHearsay(PublicKey peer, List<SocketAddr> addrs) {
    merge(hearsay, peer, addrs);
  }

  private void merge(Map<PublicKey, List<SocketAddr>> table, PublicKey peer, List<SocketAddr> addrs) {
    if (addrs.isEmpty()) {
      return;
    }
    LinkedHashSet<SocketAddr> merged = new LinkedHashSet<>(addrs);
    List<SocketAddr> known = table.get(peer);
    if (known != null) {
      merged.addAll(known);
    }
    table.put(peer, merged.stream().limit(perPeer).toList());
  }

  /** The order to dial {@code peer} in: its own-source addresses, then the hearsay, no repeats. */
  List<InetSocketAddress> targets(PublicKey peer) {
    LinkedHashSet<SocketAddr> addrs = new LinkedHashSet<>();
    List<SocketAddr> mine = own.get(peer);
    if (mine != null) {
      addrs.addAll(mine);
    }
    List<SocketAddr> relayed = hearsay.get(peer);
    if (relayed != null) {
      addrs.addAll(relayed);
    }
    List<InetSocketAddress> out = new ArrayList<>(addrs.size());
    for (SocketAddr a : addrs) {
      out.add(a.toInetSocketAddress());
    }
    return out;
  }
}
