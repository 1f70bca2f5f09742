package dev.keyway.relay.store;

import dev.keyway.client.packet.MicrosClock;
import dev.keyway.client.store.PacketStore;
import dev.keyway.client.store.PacketStoreContract;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract again with no read cache, no batch delay and no fsync, so every read and every
 * ordering decision goes to the database itself.
 */
class JdbcPacketStoreNoCacheContractTest extends PacketStoreContract {
  @TempDir Path dir;

  @Override
  protected PacketStore createStore(MicrosClock clock) {
    StoreOptions options = StoreOptions.builder()
        .readCacheSize(0)
        .maxBatchDelay(Duration.ZERO)
        .fsync(false)
        .readerConnections(2)
        .build();
    return JdbcPacketStore.openH2(dir, options, clock);
  }
}
