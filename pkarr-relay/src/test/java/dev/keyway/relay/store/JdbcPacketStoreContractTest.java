package dev.keyway.relay.store;

import dev.keyway.client.packet.MicrosClock;
import dev.keyway.client.store.PacketStore;
import dev.keyway.client.store.PacketStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The shared {@link PacketStore} contract on a real H2 file, with fsync on as by default. */
class JdbcPacketStoreContractTest extends PacketStoreContract {
  @TempDir Path dir;

  @Override
  protected PacketStore createStore(MicrosClock clock) {
    return JdbcPacketStore.openH2(dir, StoreOptions.defaults(), clock);
  }
}
