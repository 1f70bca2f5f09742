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
 * <p>Each event-loop thread has its own batch, so no lock is taken; callbacks run on that thread.
 * The relay's {@code PUT /{key}} and the DNS server's {@code PUT /pkarr/{key}} use it.
 */
public final class PutVerifier {
  /**
   * Most bodies verified as one batch by default: the cost per signature levels off past 64
   * (ops/bench/RESULTS.md).
   */
  public static final int DEFAULT_MAX_BATCH = 64;

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
  private final ThreadLocal<Pending> pending = ThreadLocal.withInitial(Pending::new);

  /**
   * @param random the source of each batch's random coefficients (a SecureRandom)
   * @param maxBatch the most bodies verified as one batch
   * @param metrics told the size of every batch
   */
  public PutVerifier(Random random, int maxBatch, RelayMetrics metrics) {
    this.random = random;
    this.maxBatch = maxBatch;
    this.metrics = metrics;
  }

  /**
   * Queues a body for verification; {@code callback} runs on this event loop once it is verified.
   *
   * @throws InvalidPacketException at once if the body's size is out of bounds
   */
  public void submit(Context context, PublicKey key, byte[] payload, Callback callback) {
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
    metrics.verifiedBatch(batch.size());
    List<PacketBatch.Result> results;
    try {
      results = batch.verify();
    } catch (RuntimeException e) {
      LOG.error("verifying a batch of {} PUT bodies failed", batch.size(), e);
      callbacks.forEach(c -> answer(c, null, e)); // every request is answered, none hangs
      return;
    }
    for (int i = 0; i < results.size(); i++) {
      answer(callbacks.get(i), results.get(i).packet(), results.get(i).error());
    }
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
  }
}
