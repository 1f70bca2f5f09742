package dev.keyway.client.keys;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Ed25519 signatures checked together: one multi-scalar multiplication for the whole batch
 * instead of one double-scalar multiplication each, about half the CPU per signature once a batch
 * holds a few dozen (see {@code ops/bench/RESULTS.md}). A relay under load verifies the PUTs that
 * arrived together this way.
 *
 * <p>{@link #verifyAll()} answers for the batch as a whole: true when every signature verifies
 * (by the rules of {@link PublicKey#verify}, with the cofactored equation), false when at least
 * one does not, without saying which. Callers then verify each with {@link PublicKey#verify}.
 * Not thread-safe; the message and signature arrays are read when {@link #verifyAll()} runs, not
 * copied.
 */
public final class SignatureBatch {
  private final Random random;
  private final List<PublicKey> keys = new ArrayList<>();
  private final List<Ed25519Batch.Item> items = new ArrayList<>();

  /**
   * @param random where the batch's random coefficients come from; a forger who could predict
   *     them could make a bad signature pass, so give a {@link java.security.SecureRandom}
   */
  public SignatureBatch(Random random) {
    this.random = random;
  }

  /** Adds the 64-byte signature at {@code signature[sigOff..]} by {@code key} over the message. */
  public void add(PublicKey key, byte[] message, int off, int len, byte[] signature, int sigOff) {
    keys.add(key);
    items.add(new Ed25519Batch.Item(key.bytes(), key.point(), signature, sigOff, message, off,
        len));
  }

  /** The number of signatures added. */
  public int size() {
    return items.size();
  }

  /**
   * True if every signature added verifies (a batch with a bad signature passes with probability
   * about 2^-128), false if any does not. An empty batch is true.
   */
  public boolean verifyAll() {
    if (items.size() < Ed25519Batch.MIN_BATCH) {
      for (int i = 0; i < items.size(); i++) {
        Ed25519Batch.Item it = items.get(i);
        if (!keys.get(i).verify(it.msg(), it.msgOff(), it.msgLen(), it.sig(), it.sigOff())) {
          return false;
        }
      }
      return true;
    }
    return Ed25519Batch.verifyAll(items, random);
  }
}
