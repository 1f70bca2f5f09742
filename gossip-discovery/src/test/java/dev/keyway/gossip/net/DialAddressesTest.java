package dev.keyway.gossip.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DialAddressesTest {
  private static PublicKey key(int seed) {
    byte[] b = new byte[32];
    new Random(seed).nextBytes(b);
    return SecretKey.fromBytes(b).publicKey();
  }

  private static List<SocketAddr> addrs(int from, int count) {
    List<SocketAddr> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(SocketAddr.parse("192.0.2." + (from + i) + ":4433"));
    }
    return out;
  }

  /**
   * A hostile member's peer data listing 16 dead addresses for a peer (a full table before)
   * neither pushes out nor goes before the address the node learnt from the peer's announcement.
   */
  @Test
  void relayedPeerDataNeverPushesOutOrPrecedesTheNodesOwnAddresses() {
    DialAddresses table = new DialAddresses(100, 16);
    PublicKey peer = key(1);
    SocketAddr works = SocketAddr.parse("198.51.100.7:4433");
    table.remember(peer, List.of(works));
    table.rememberHearsay(peer, addrs(1, 16));
    List<InetSocketAddress> targets = table.targets(peer);
    assertThat(targets.get(0)).isEqualTo(works.toInetSocketAddress());
    assertThat(targets).hasSize(17);
    // Hearsay alone is still worth a dial when nothing better is known.
    PublicKey other = key(2);
    table.rememberHearsay(other, addrs(50, 2));
    assertThat(table.targets(other)).hasSize(2);
    // The node's own newer addresses go first; repeats are dialled once.
    table.remember(peer, List.of(SocketAddr.parse("192.0.2.3:4433")));
    assertThat(table.targets(peer).get(0)).isEqualTo(new InetSocketAddress("192.0.2.3", 4433));
    assertThat(table.targets(peer)).doesNotHaveDuplicates().hasSize(17);
  }

  @Test
  void eachTierIsBoundedPerPeerAndInPeers() {
    DialAddresses table = new DialAddresses(2, 4);
    table.remember(key(1), addrs(1, 10));
    assertThat(table.targets(key(1))).hasSize(4).first()
        .isEqualTo(new InetSocketAddress("192.0.2.1", 4433));
    table.remember(key(2), addrs(20, 1));
    table.remember(key(3), addrs(30, 1));
    assertThat(table.targets(key(1))).as("least recently used peer dropped").isEmpty();
    assertThat(table.targets(key(3))).hasSize(1);
  }
}
