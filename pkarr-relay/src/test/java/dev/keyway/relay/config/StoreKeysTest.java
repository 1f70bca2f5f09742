package dev.keyway.relay.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.relay.store.StoreOptions;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class StoreKeysTest {
  @Test
  void nameEveryStoreOption() {
    assertThat(StoreKeys.of("t", "t.delay", "other.cap"))
        .containsOnlyKeys(Arrays.stream(StoreOptions.class.getRecordComponents())
            .map(RecordComponent::getName).toArray(String[]::new))
        .containsEntry("maxBatchDelay", "t.delay")
        .containsEntry("capacity", "other.cap")
        .containsEntry("maxAge", "t.eviction")
        .containsEntry("readerConnections", "t.reader_connections");
  }
}
