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

  /**
   * Longest text cached: {@code pk:<z32>} and a little more. The cache is bounded by entries, and
   * pkarr's URL-like forms let a path carry up to 4 KB around a key, so such paths are parsed
   * every time rather than letting requests fill the heap with 65,536 of them.
   */
  static final int MAX_CACHED_LENGTH = 64;

  /** {@link PublicKey#parsePkarr} of {@code text}, cached when the text is short. */
  PublicKey parse(String text) {
    if (text.length() > MAX_CACHED_LENGTH) {
      return PublicKey.parsePkarr(text);
    }
    PublicKey key = keys.getIfPresent(text);
    if (key == null) {
      key = PublicKey.parsePkarr(text);
      keys.put(text, key);
    }
    return key;
  }

  /** Entries cached (tests). */
  long size() {
    keys.cleanUp();
    return keys.estimatedSize();
  }
}
