package dev.keyway.relay.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.keyway.client.keys.PublicKey;

/**
 * Remembers the keys parsed from request paths, so the hot GET path does not decode z-base-32
 * and decompress an Ed25519 point (tens of microseconds) for every request. Only valid keys are
 * kept; an invalid one is parsed (and refused) every time.
 */
final class KeyCache {
  private final Cache<String, PublicKey> keys;

  KeyCache(int size) {
    this.keys = Caffeine.newBuilder().maximumSize(size).executor(Runnable::run).build();
  }

  /** {@link PublicKey#parsePkarr} of {@code text}, cached. */
  PublicKey parse(String text) {
    PublicKey key = keys.getIfPresent(text);
    if (key == null) {
      key = PublicKey.parsePkarr(text);
      keys.put(text, key);
    }
    return key;
  }
}
