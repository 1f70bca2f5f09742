package dev.keyway.client.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.packet.MicrosClock;
import org.junit.jupiter.api.Test;

/** The in-memory store against the shared contract. */
class InMemoryPacketStoreTest extends PacketStoreContract {

  @Override
  protected PacketStore createStore(MicrosClock clock) {
    return new InMemoryPacketStore(clock);
  }

  @Test
  void upsertCompletesAtOnce() {
    assertThat(store.upsert(packet(key(1), 1, "x"))).isCompletedWithValue(UpsertOutcome.INSERTED);
  }

  @Test
  void outcomesSayWhetherTheOfferedPacketIsCurrent() {
    assertThat(UpsertOutcome.INSERTED.isCurrent()).isTrue();
    assertThat(UpsertOutcome.UPDATED.isCurrent()).isTrue();
    assertThat(UpsertOutcome.UNCHANGED.isCurrent()).isTrue();
    assertThat(UpsertOutcome.STALE.isCurrent()).isFalse();
  }
}
