package dev.keyway.gossip.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.gossip.proto.GossipConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class GossipNodeConfigTest {
  @Test
  void networkNodesBatchIHavesLongerThanTheProtocolDefault() {
    assertThat(GossipNodeConfig.defaults().gossip().plumTree().dispatchTimeout())
        .isEqualTo(GossipNodeConfig.DEFAULT_IHAVE_DISPATCH).isEqualTo(Duration.ofMillis(250));
    assertThat(GossipConfig.defaults().plumTree().dispatchTimeout()).isEqualTo(Duration.ofMillis(5));
    // Everything else of the protocol's defaults is kept.
    assertThat(GossipNodeConfig.defaults().gossip().plumTree().withDispatchTimeout(Duration.ofMillis(5)))
        .isEqualTo(GossipConfig.defaults().plumTree());
  }
}
