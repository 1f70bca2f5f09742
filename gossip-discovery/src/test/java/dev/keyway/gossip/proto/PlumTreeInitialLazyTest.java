package dev.keyway.gossip.proto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@link PlumTreeConfig#initialLazyPercent()}: which new links start lazy, decided alike at both ends. */
class PlumTreeInitialLazyTest {
  static final TopicId T = TopicId.ofName("t");

  /** Whether node {@code me} puts a new neighbour {@code peer} in its lazy set. */
  static boolean startsLazy(int me, int peer, PlumTreeConfig config) {
    PlumTree<Integer> tree = new PlumTree<>(me, T, config, GossipConfig.DEFAULT_MAX_FRAME_SIZE);
    tree.neighborUp(peer);
    assertThat(tree.eagerPeers().contains(peer) || tree.lazyPeers().contains(peer)).isTrue();
    return !tree.isEager(peer);
  }

  @Test
  void bothEndsOfALinkAgreeAndAboutTheConfiguredShareStartsLazy() {
    PlumTreeConfig config = PlumTreeConfig.defaults();
    assertThat(config.initialLazyPercent()).isEqualTo(10);
    int lazy = 0;
    int links = 0;
    for (int a = 0; a < 60; a++) {
      for (int b = a + 1; b < 60; b++) {
        boolean atA = startsLazy(a, b, config);
        assertThat(startsLazy(b, a, config)).as("link %d-%d", a, b).isEqualTo(atA);
        lazy += atA ? 1 : 0;
        links++;
      }
    }
    assertThat(links).isEqualTo(1770);
    assertThat(lazy).isBetween(120, 240); // 10 % of 1770 = 177, well inside the binomial spread
  }

  @Test
  void zeroStartsEveryLinkEagerAndHundredEveryLinkLazy() {
    PlumTreeConfig paper = PlumTreeConfig.defaults().withInitialLazyPercent(0);
    PlumTreeConfig allLazy = PlumTreeConfig.defaults().withInitialLazyPercent(100);
    for (int b = 1; b < 200; b++) {
      assertThat(startsLazy(0, b, paper)).isFalse();
      assertThat(startsLazy(0, b, allLazy)).isTrue();
    }
  }

  @Test
  void shareOutsideZeroToHundredIsRejected() {
    assertThatThrownBy(() -> PlumTreeConfig.defaults().withInitialLazyPercent(101))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("initialLazyPercent");
    assertThatThrownBy(() -> PlumTreeConfig.defaults().withInitialLazyPercent(-1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
