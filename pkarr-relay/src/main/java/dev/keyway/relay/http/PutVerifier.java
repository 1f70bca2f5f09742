package dev.keyway.relay.http;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.packet.InvalidPacketException;
import dev.keyway.client.packet.PacketBatch;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.relay.metrics.RelayMetrics;
import io.vertx.core.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies the PUT bodies that complete together on one event loop as one {@link PacketBatch}.
 *
 * <p>The first body of a batch schedules the batch's verification as the event loop's next task,
 * which runs after the loop has read every connection that was ready. Under load that gathers the
 * PUTs of many connections (up to {@code maxBatch}; a full batch is verified at once), and a batch
 * costs about half the CPU per signature of verifying them one by one. An idle relay pays one
 * task hop and verifies a lone body as before.
 *
 * <p>A batch that holds a bad signature fails as a whole, and then every body in it is verified
 * again on its own: one bad PUT costs its batch's honest PUTs their verification twice. So that a
 * client sending bad signatures cannot multiply the relay's work that way, the bodies after a
 * failed batch are verified one by one ({@link PacketBatch#verifyEach}) for a cool-down of
 * {@value #FIRST_COOL_DOWN} bodies, which doubles (up to {@value #MAX_COOL_DOWN}) each time the
 * first batch after it fails again, and is forgotten once a batch holds. Under a steady stream of
 * bad signatures the relay thus verifies at about the one-by-one price (1.8 times a good batch's
 * per body) instead of 2.4 times a good batch's (ops/bench/RESULTS.md); honest traffic pays
 * nothing.
 *
 * <p>Each event-loop thread has its own batch, so no lock is taken; callbacks run on that thread.
 * The relay's {@code PUT /{key}} and the DNS server's {@code PUT /pkarr/{key}} use it.
 */
public final class PutVerifier {
  /**
   * Most bodies verified as one batch by default: the cost per signature levels off past 64
   * (ops/bench/RESULTS.md).
   */
  public static final int DEFAULT_MAX_BATCH = 64;
  /**
   * Bodies verified one by one after a batch fails: a failed batch of a few dozen then wastes at
   * most about a tenth of the one-by-one price of what follows it.
   */
  static final int FIRST_COOL_DOWN = 256;
  /** The longest cool-down, reached after six failures in a row: the waste falls under 1 %. */
  static final int MAX_COOL_DOWN = 8192;

  private static final Logger LOG = LoggerFactory.getLogger(PutVerifier.class);

  /** What a caller is told about its body: exactly one of the two is non-null. */
  public interface Callback {
    /**
     * Called on the submitting event loop with the verified packet, or the error: an
     * {@link InvalidPacketException} for a body that is not a valid packet, anything else for
     * a failure of verification itself (a bug: answer 500).
     */
    void verified(SignedPacket packet, RuntimeException error);
  }

  private final Random random;
  private final int maxBatch;
  private final RelayMetrics metrics;
  private final int firstCoolDown;
  private final int maxCoolDown;
  private final ThreadLocal<Pending> pending = ThreadLocal.withInitial(Pending::new);

  /**
   * @param random the source of each batch's random coefficients (a SecureRandom)
   * @param maxBatch the most bodies verified as one batch
   * @param metrics told the size of every batch
   */
  public PutVerifier(Random random, int maxBatch, RelayMetrics metrics) {
    this(random, maxBatch, metrics, FIRST_COOL_DOWN, MAX_COOL_DOWN);
  }

  /** With other cool-downs (tests). */
  PutVerifier(Random random, int maxBatch, RelayMetrics metrics, int firstCoolDown,
      int maxCoolDown) {
    this.random = random;
    this.maxBatch = maxBatch;
    this.metrics = metrics;
    this.firstCoolDown = firstCoolDown;
    this.maxCoolDown = maxCoolDown;
  }

  /**
   * Queues a body for verification; {@code callback} runs on this event loop once it is verified.
   *
   * @throws InvalidPacketException at once if the body's size is out of bounds
   */
  public void submit(Context context, PublicKey key, byte[] payload, Callback callback) {
    submit(context, key, payload, null, callback);
  }

  /**
   * {@link #submit(Context, PublicKey, byte[], Callback)} for a caller that knows the packet
   * stored under {@code key}: a body that is that packet's exact relay payload (a republish of
   * the same packet, as pkarr's republishers and homeservers send) was verified when it was
   * stored, so {@code callback} gets {@code stored} at once, unverified again.
   *
   * @param stored the packet the store holds for {@code key} (from a non-blocking cache), or null
   */
  public void submit(Context context, PublicKey key, byte[] payload, SignedPacket stored,
      Callback callback) {
    if (stored != null && stored.publicKey().equals(key) && stored.hasRelayPayload(payload)) {
      metrics.verifySkipped();
      callback.verified(stored, null);
      return;
    }
    Pending p = pending.get();
    p.batch.add(key, payload);
    p.callbacks.add(callback);
    if (p.batch.size() >= maxBatch) {
      flush(p);
    } else if (p.batch.size() == 1) {
      context.runOnContext(v -> flush(pending.get()));
    }
  }

  private void flush(Pending p) {
    if (p.batch.size() == 0) {
      return; // a full batch went earlier; this was its scheduled task
    }
    PacketBatch batch = p.batch;
    List<Callback> callbacks = p.callbacks;
    p.batch = new PacketBatch(random);
    p.callbacks = new ArrayList<>();
    List<PacketBatch.Result> results;
    try {
      results = verify(p, batch);
    } catch (RuntimeException e) {
      LOG.error("verifying a batch of {} PUT bodies failed", batch.size(), e);
      callbacks.forEach(c -> answer(c, null, e)); // every request is answered, none hangs
      return;
    }
    for (int i = 0; i < results.size(); i++) {
      answer(callbacks.get(i), results.get(i).packet(), results.get(i).error());
    }
  }

  /** Verifies as a batch, or one by one during a cool-down; starts or ends cool-downs. */
  private List<PacketBatch.Result> verify(Pending p, PacketBatch batch) {
    int n = batch.size();
    if (p.soloLeft > 0) {
      p.soloLeft = Math.max(0, p.soloLeft - n);
      metrics.verifiedAlone(n);
      return batch.verifyEach();
    }
    metrics.verifiedBatch(n);
    List<PacketBatch.Result> results = batch.verify();
    if (n > 1) {
      if (anyBadSignature(results)) {
        metrics.batchFailed();
        p.coolDown = p.coolDown == 0 ? firstCoolDown : Math.min(2 * p.coolDown, maxCoolDown);
        p.soloLeft = p.coolDown;
      } else {
        p.coolDown = 0;
      }
    }
    return results;
  }

  /** A bad signature is what fails the batch equation (keys were checked before it). */
  private static boolean anyBadSignature(List<PacketBatch.Result> results) {
    for (PacketBatch.Result r : results) {
      if (r.error() != null && r.error().reason() == InvalidPacketException.Reason.BAD_SIGNATURE) {
        return true;
      }
    }
    return false;
  }

  private static void answer(Callback callback, SignedPacket packet, RuntimeException error) {
    try {
      callback.verified(packet, error);
    } catch (RuntimeException e) {
      LOG.error("PUT after verification failed", e);
    }
  }

  /** One event loop's bodies waiting for verification. */
  private final class Pending {
    PacketBatch batch = new PacketBatch(random);
    List<Callback> callbacks = new ArrayList<>();
    /** Bodies still to verify one by one before the next batch. */
    int soloLeft;
    /** The cool-down the last failure started; 0 once a batch holds. */
    int coolDown;
  }
}
