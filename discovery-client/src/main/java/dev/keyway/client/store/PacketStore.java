package dev.keyway.client.store;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.packet.SignedPacket;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Holds the newest signed packet per public key: the contract shared by the pkarr relay, the DNS
 * server and their tests ({@code PacketStoreContract} in the test-jar checks an implementation).
 *
 * <h2>Ordering (pkarr's {@code more_recent_than} and cache update rule)</h2>
 * <ul>
 *   <li>With nothing stored for the key, the packet is stored: {@link UpsertOutcome#INSERTED}.
 *   <li>If the packet {@linkplain SignedPacket#isMoreRecentThan is more recent} than the stored
 *       one (larger timestamp; on equal timestamps, larger DNS bytes as unsigned bytes), it
 *       replaces it: {@link UpsertOutcome#UPDATED}.
 *   <li>If the bytes are identical, the stored packet stays and its last-seen becomes the later
 *       of the stored one and now: {@link UpsertOutcome#UNCHANGED}.
 *   <li>If neither is more recent but the bytes differ (the same timestamp and DNS bytes under
 *       another signature, from a signer whose nonces are random), the stored packet stays
 *       untouched, last-seen included, and the outcome is also {@link UpsertOutcome#UNCHANGED}:
 *       pkarr's relay answers such a PUT 204, as a republish, and keeps its cached packet.
 *   <li>Otherwise the stored packet is more recent and stays untouched, last-seen included:
 *       {@link UpsertOutcome#STALE}.
 * </ul>
 * The decision and the write are atomic per key: under any interleaving of concurrent upserts
 * for one key, the packet that ends up stored is the most recent of all of them, an older packet
 * never overwrites a newer one, and exactly one upsert of a given key into an empty store
 * reports INSERTED. The signed timestamp is not compared with the clock (pkarr has no
 * future-skew check). Last-seen times come from the implementation's injected clock.
 *
 * <h2>Reads</h2>
 * {@link #get} never waits for a writer (it serves the DNS hot path from a cache or a short
 * local read). Once an upsert's future has completed, {@code get} returns that packet or a more
 * recent one, and the timestamps one reader sees for a key never go backwards.
 *
 * <p>Callers must verify packets before offering them; a store trusts what it is given.
 */
public interface PacketStore extends AutoCloseable {

  /** The newest packet stored for {@code key}, if any. Never blocks on writers. */
  Optional<StoredPacket> get(PublicKey key);

  /**
   * Offers a verified packet. The future completes once the outcome is durable in the
   * implementation's terms (committed to disk for a database store; at once in memory), and
   * completes exceptionally if it cannot be made durable or the store is closed.
   */
  CompletableFuture<UpsertOutcome> upsert(SignedPacket packet);

  /** How many keys have a stored packet (may be approximate while writes are in flight). */
  long count();

  /** Releases resources. Afterwards {@link #get} throws and {@link #upsert} fails. */
  @Override
  void close();
}
