package dev.keyway.gossip.book;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.gossip.net.GossipNodeConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link GossipAddressBook#nodeConfig}: the IHave window of a node that carries an address book. */
class NodeConfigTest {
  private static Duration window(GossipNodeConfig c) {
    return c.gossip().plumTree().dispatchTimeout();
  }

  @Test
  void batchesIHavesForAThirdOfTheIntervalUpToOneSecond() {
    GossipNodeConfig base = GossipNodeConfig.defaults();
    BookConfig book = BookConfig.defaults("n");
    assertThat(book.announceInterval()).isEqualTo(Duration.ofSeconds(3));
    assertThat(window(GossipAddressBook.nodeConfig(base, book))).isEqualTo(Duration.ofSeconds(1));
    assertThat(window(GossipAddressBook.nodeConfig(base, book.withAnnounceInterval(Duration.ofSeconds(30)))))
        .isEqualTo(GossipAddressBook.MAX_IHAVE_WINDOW);
    assertThat(window(GossipAddressBook.nodeConfig(base, book.withAnnounceInterval(Duration.ofMillis(1500)))))
        .isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void neverShortensTheBaseWindowAndKeepsEverythingElse() {
    GossipNodeConfig base = GossipNodeConfig.defaults();
    BookConfig fast = BookConfig.defaults("n").withAnnounceInterval(Duration.ofMillis(300));
    assertThat(window(base)).isEqualTo(GossipNodeConfig.DEFAULT_IHAVE_DISPATCH);
    assertThat(GossipAddressBook.nodeConfig(base, fast)).isSameAs(base);

    GossipNodeConfig tuned = GossipAddressBook.nodeConfig(base, BookConfig.defaults("n"));
    assertThat(tuned.withGossip(base.gossip())).isEqualTo(base);
    assertThat(tuned.gossip().hyParView()).isEqualTo(base.gossip().hyParView());
    assertThat(tuned.gossip().plumTree().withDispatchTimeout(window(base))).isEqualTo(base.gossip().plumTree());
  }

  /** Expiries whose replay window would overflow, and timers Vert.x cannot set, are refused. */
  @Test
  void bookConfigRefusesExpiriesPastThirtyDaysAndSubMillisecondTimers() {
    BookConfig base = BookConfig.defaults("n");
    org.assertj.core.api.Assertions.assertThat(base.withExpiry(BookConfig.MAX_EXPIRY).expiry())
        .isEqualTo(BookConfig.MAX_EXPIRY);
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> base.withExpiry(java.time.Duration.ofDays(365 * 38)))
        .hasMessageContaining("expiry must be at most 30 days");
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> base.withExpiry(java.time.Duration.ofMillis(3)))
        .hasMessageContaining("sweepInterval must be at least 1 ms");
  }
}
