package dev.keyway.client.packet;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SignatureBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Relay payloads parsed and verified together: the same checks, in the same order and with the
 * same errors, as {@link SignedPacket#fromRelayPayload} one by one, but with the signatures
 * checked by one {@link SignatureBatch}. For a relay that receives many PUTs at once this halves
 * the CPU spent on signatures.
 *
 * <p>Sizes are checked by {@link #add}, which throws at once. {@link #verify()} checks the rest
 * and returns one {@link Result} per payload, in the order added. When the batch equation fails,
 * each payload is verified on its own, so one bad signature never fails the others; a batch that
 * holds one costs about 1.3 times the one-by-one price (2.4 times a good batch's, per payload).
 * {@link #verifyEach()} skips the equation, for callers that expect a bad signature.
 *
 * <p>Not thread-safe; a batch is used once.
 */
public final class PacketBatch {
  private final Random random;
  private final List<PublicKey> keys = new ArrayList<>();
  private final List<byte[]> canonicals = new ArrayList<>();

  /** The outcome for one payload: exactly one of the two is non-null. */
  public record Result(SignedPacket packet, InvalidPacketException error) {}

  /**
   * @param random the source of the batch's random coefficients, which a forger must not be able
   *     to predict: a {@link java.security.SecureRandom}
   */
  public PacketBatch(Random random) {
    this.random = random;
  }

  /**
   * Adds a relay payload ({@code sig|ts|dns}) published under {@code key}.
   *
   * @throws InvalidPacketException if its size is out of bounds, as
   *     {@link SignedPacket#fromRelayPayload} throws
   */
  public void add(PublicKey key, byte[] payload) {
    canonicals.add(SignedPacket.canonicalOf(key, payload));
    keys.add(key);
  }

  /** The number of payloads added. */
  public int size() {
    return keys.size();
  }

  /** Verifies every payload added; one result each, in order. */
  public List<Result> verify() {
    int n = keys.size();
    boolean allSigned = false;
    if (n > 1) {
      SignatureBatch signatures = new SignatureBatch(random);
      for (int i = 0; i < n; i++) {
        byte[] canonical = canonicals.get(i);
        byte[] signable = SignedPacket.signableOf(canonical);
        signatures.add(keys.get(i), signable, 0, signable.length, canonical,
            SignedPacket.signatureOffset());
      }
      allSigned = signatures.verifyAll();
    }
    return results(allSigned);
  }

  /**
   * Verifies every payload added on its own, without the batch equation: the same results as
   * {@link #verify()}, at the one-by-one price. For callers that expect a bad signature among
   * them, where the batch equation would fail and be paid for on top.
   */
  public List<Result> verifyEach() {
    return results(false);
  }

  private List<Result> results(boolean allSigned) {
    int n = keys.size();
    List<Result> results = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      try {
        results.add(new Result(allSigned
            ? SignedPacket.signatureVerified(keys.get(i), canonicals.get(i))
            : SignedPacket.verified(keys.get(i), canonicals.get(i)), null));
      } catch (InvalidPacketException e) {
        results.add(new Result(null, e));
      }
    }
    return results;
  }
}
