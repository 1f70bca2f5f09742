package dev.keyway.gossip.book;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A burst of newcomers costs one hand-over at once and one per spacing after, not one each. */
class HandOverPacerTest {
  @Test
  void theFirstRequestHandsOverAtOnceAndABurstOnceMoreWhenTheSpacingEnds() {
    HandOverPacer pacer = new HandOverPacer();
    assertThat(pacer.request()).isTrue();
    assertThat(pacer.request()).isFalse();
    assertThat(pacer.request()).isFalse();
    assertThat(pacer.spacingEnded()).as("the burst, coalesced").isTrue();
    assertThat(pacer.spacingEnded()).as("nobody came during the second spacing").isFalse();
    assertThat(pacer.request()).as("idle again: at once").isTrue();
    assertThat(pacer.spacingEnded()).isFalse();
  }

  @Test
  void aSteadyStreamOfNewcomersGetsOneHandOverPerSpacing() {
    HandOverPacer pacer = new HandOverPacer();
    int handOvers = pacer.request() ? 1 : 0;
    for (int spacing = 0; spacing < 10; spacing++) {
      for (int newcomer = 0; newcomer < 5; newcomer++) {
        handOvers += pacer.request() ? 1 : 0;
      }
      handOvers += pacer.spacingEnded() ? 1 : 0;
    }
    assertThat(handOvers).isEqualTo(11);
  }
}
