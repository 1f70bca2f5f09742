package dev.keyway.relay.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.relay.TestRelay;
import org.junit.jupiter.api.Test;

class KeyCacheTest {
  @Test
  void shortFormsAreCachedAndLongOnesParsedEachTime() {
    KeyCache cache = new KeyCache(16);
    PublicKey key = TestRelay.key(1).publicKey();
    String z32 = key.toZ32();
    assertThat(cache.parse(z32)).isEqualTo(key);
    assertThat(cache.parse("pk:" + z32)).isEqualTo(key);
    assertThat(cache.size()).isEqualTo(2);
    // pkarr's URL-like form lets a path carry kilobytes around the key: never kept, or a client
    // could fill the heap with 65,536 such paths (found by a review).
    for (int i = 0; i < 10; i++) {
      assertThat(cache.parse("x".repeat(3_000) + i + ":" + z32)).isEqualTo(key);
    }
    assertThat(cache.size()).isEqualTo(2);
  }
}
