package dev.keyway.relay.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.InvalidPacketException;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.relay.metrics.RelayMetrics;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Bodies that complete in one event-loop turn are verified as one batch, each answered alone. */
class PutVerifierTest {
  private final Vertx vertx = Vertx.vertx();
  private final List<Integer> batches = new CopyOnWriteArrayList<>();
  private final List<Integer> alone = new CopyOnWriteArrayList<>();
  private final AtomicInteger failedBatches = new AtomicInteger();
  private final AtomicInteger skipped = new AtomicInteger();
  private final RelayMetrics metrics = new RelayMetrics() {
    @Override
    public void verifiedBatch(int bodies) {
      batches.add(bodies);
    }

    @Override
    public void batchFailed() {
      failedBatches.incrementAndGet();
    }

    @Override
    public void verifiedAlone(int bodies) {
      alone.add(bodies);
    }

    @Override
    public void verifySkipped() {
      skipped.incrementAndGet();
    }
  };

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private record Body(PublicKey key, byte[] payload, boolean valid) {}

  private static List<Body> bodies(int n, int badEvery) {
    List<Body> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] seed = new byte[32];
      seed[0] = (byte) i;
      seed[1] = 42;
      SecretKey secret = SecretKey.fromBytes(seed);
      byte[] payload = SignedPacket.builder().txt("_iroh", 30, "addr=192.0.2.1:" + (1000 + i))
          .sign(secret, 1_700_000_000_000_000L + i).toRelayPayload();
      boolean valid = badEvery == 0 || i % badEvery != badEvery - 1;
      if (!valid) {
        payload[10] ^= 1;
      }
      out.add(new Body(secret.publicKey(), payload, valid));
    }
    return out;
  }

  /** Submits every body in one task on an event loop; returns each body's outcome in order. */
  private List<Object> submitTogether(PutVerifier verifier, List<Body> bodies) throws Exception {
    Context context = vertx.getOrCreateContext();
    Object[] outcomes = new Object[bodies.size()];
    CompletableFuture<Void> done = new CompletableFuture<>();
    int[] left = {bodies.size()};
    context.runOnContext(v -> {
      for (int i = 0; i < bodies.size(); i++) {
        int index = i;
        Body b = bodies.get(i);
        verifier.submit(context, b.key(), b.payload(), (packet, error) -> {
          assertThat(Context.isOnEventLoopThread()).isTrue();
          outcomes[index] = packet != null ? packet : error;
          if (--left[0] == 0) {
            done.complete(null);
          }
        });
      }
    });
    done.get(10, TimeUnit.SECONDS);
    return List.of(outcomes);
  }

  @Test
  void bodiesOfOneTurnAreOneBatch() throws Exception {
    List<Body> bodies = bodies(10, 0);
    List<Object> outcomes = submitTogether(new PutVerifier(new SecureRandom(), 64, metrics), bodies);
    assertThat(batches).containsExactly(10);
    for (int i = 0; i < bodies.size(); i++) {
      assertThat(outcomes.get(i)).isEqualTo(
          SignedPacket.fromRelayPayload(bodies.get(i).key(), bodies.get(i).payload()));
    }
  }

  /**
   * The stored packet's exact bytes are answered with it at once, unverified again; any other
   * body for the key (another signature over the same time and DNS, a newer packet), or the
   * stored packet of another key, is verified as usual.
   */
  @Test
  void theStoredPacketsExactBytesAreNotVerifiedAgain() throws Exception {
    PutVerifier verifier = new PutVerifier(new SecureRandom(), 64, metrics);
    Body body = bodies(1, 0).get(0);
    SignedPacket stored = SignedPacket.fromRelayPayload(body.key(), body.payload());
    Context context = vertx.getOrCreateContext();
    CompletableFuture<Object> same = new CompletableFuture<>();
    context.runOnContext(v -> verifier.submit(context, body.key(), body.payload().clone(), stored,
        (packet, error) -> same.complete(packet != null ? packet : error)));
    assertThat(same.get(10, TimeUnit.SECONDS)).isSameAs(stored);
    assertThat(skipped).hasValue(1);
    assertThat(batches).isEmpty();

    byte[] forged = body.payload().clone();
    forged[10] ^= 1; // same timestamp and DNS, another signature
    CompletableFuture<Object> other = new CompletableFuture<>();
    context.runOnContext(v -> verifier.submit(context, body.key(), forged, stored,
        (packet, error) -> other.complete(packet != null ? packet : error)));
    assertThat(other.get(10, TimeUnit.SECONDS)).isInstanceOfSatisfying(InvalidPacketException.class,
        e -> assertThat(e.reason()).isEqualTo(InvalidPacketException.Reason.BAD_SIGNATURE));

    Body another = bodies(2, 0).get(1);
    CompletableFuture<Object> otherKey = new CompletableFuture<>();
    context.runOnContext(v -> verifier.submit(context, another.key(), body.payload(), stored,
        (packet, error) -> otherKey.complete(packet != null ? packet : error)));
    assertThat(otherKey.get(10, TimeUnit.SECONDS)).isInstanceOf(InvalidPacketException.class);
    assertThat(skipped).hasValue(1);
    assertThat(batches).containsExactly(1, 1);
  }

  @Test
  void aFullBatchGoesAtOnceAndTheRestAfterTheTurn() throws Exception {
    submitTogether(new PutVerifier(new SecureRandom(), 4, metrics), bodies(10, 0));
    assertThat(batches).containsExactly(4, 4, 2);
  }

  @Test
  void badSignaturesFailAloneInsideABatch() throws Exception {
    List<Body> bodies = bodies(20, 6);
    List<Object> outcomes = submitTogether(new PutVerifier(new SecureRandom(), 64, metrics), bodies);
    assertThat(batches).containsExactly(20);
    assertThat(failedBatches).hasValue(1);
    assertEachAnswered(bodies, outcomes);
  }

  /** Valid bodies get their packet, bad ones BAD_SIGNATURE. */
  private static void assertEachAnswered(List<Body> bodies, List<Object> outcomes) {
    for (int i = 0; i < bodies.size(); i++) {
      Body b = bodies.get(i);
      if (b.valid()) {
        assertThat(outcomes.get(i)).isEqualTo(SignedPacket.fromRelayPayload(b.key(), b.payload()));
      } else {
        assertThat(outcomes.get(i)).isInstanceOfSatisfying(InvalidPacketException.class,
            e -> assertThat(e.reason()).isEqualTo(InvalidPacketException.Reason.BAD_SIGNATURE));
      }
    }
  }

  /**
   * A bad signature fails its whole batch, which is then verified again body by body; the bodies
   * after it are verified alone for a cool-down (here 4, doubling to at most 16), so a client
   * sending bad signatures cannot have every batch paid for twice.
   */
  @Test
  void afterAFailedBatchBodiesAreVerifiedAloneForACoolDown() throws Exception {
    PutVerifier verifier = new PutVerifier(new SecureRandom(), 64, metrics, 4, 16);
    List<Body> first = bodies(8, 8);
    assertEachAnswered(first, submitTogether(verifier, first));
    assertThat(failedBatches).hasValue(1);

    submitTogether(verifier, bodies(3, 0));
    submitTogether(verifier, bodies(3, 0)); // 1 of the cool-down left: this turn uses it up
    assertThat(alone).containsExactly(3, 3);
    assertThat(batches).containsExactly(8);

    submitTogether(verifier, bodies(5, 5)); // the first batch after the cool-down fails again
    assertThat(failedBatches).hasValue(2);
    List<Body> during = bodies(8, 4); // the doubled cool-down: bad ones answered, no new failure
    assertEachAnswered(during, submitTogether(verifier, during));
    assertThat(alone).containsExactly(3, 3, 8);
    assertThat(failedBatches).hasValue(2);

    submitTogether(verifier, bodies(6, 0)); // a batch holds: the cool-down is forgotten
    submitTogether(verifier, bodies(6, 3));
    assertThat(failedBatches).hasValue(3);
    submitTogether(verifier, bodies(4, 0)); // 4 again, not 16
    submitTogether(verifier, bodies(2, 0));
    assertThat(alone).containsExactly(3, 3, 8, 4);
    assertThat(batches).containsExactly(8, 5, 6, 6, 2);
  }

  @Test
  void theCoolDownStopsGrowingAtItsMaximum() throws Exception {
    PutVerifier verifier = new PutVerifier(new SecureRandom(), 64, metrics, 2, 4);
    for (int round = 0; round < 3; round++) {
      submitTogether(verifier, bodies(4, 2));
      submitTogether(verifier, bodies(round == 0 ? 2 : 4, 0));
    }
    assertThat(failedBatches).hasValue(3);
    assertThat(alone).containsExactly(2, 4, 4);
    submitTogether(verifier, bodies(3, 0));
    assertThat(batches).containsExactly(4, 4, 4, 3);
  }

  /** A lone body is verified alone anyway: it neither counts as a failed batch nor starts one. */
  @Test
  void aLoneBadBodyStartsNoCoolDown() throws Exception {
    PutVerifier verifier = new PutVerifier(new SecureRandom(), 64, metrics, 4, 16);
    List<Body> lone = bodies(1, 1);
    assertEachAnswered(lone, submitTogether(verifier, lone));
    submitTogether(verifier, bodies(5, 0));
    assertThat(failedBatches).hasValue(0);
    assertThat(alone).isEmpty();
    assertThat(batches).containsExactly(1, 5);
  }

  @Test
  void aBodyOfTheWrongSizeIsRefusedAtOnce() {
    PutVerifier verifier = new PutVerifier(new SecureRandom(), 64, metrics);
    PublicKey key = bodies(1, 0).get(0).key();
    assertThatThrownBy(() -> verifier.submit(vertx.getOrCreateContext(), key, new byte[3],
        (p, e) -> { }))
        .isInstanceOf(InvalidPacketException.class);
    assertThat(batches).isEqualTo(Collections.emptyList());
  }

  /** If verification itself fails (a bug), every body of the batch is told, none is left hanging. */
  @Test
  void aFailingBatchAnswersEveryBody() throws Exception {
    java.util.Random broken = new java.util.Random() {
      @Override
      public void nextBytes(byte[] bytes) {
        throw new IllegalStateException("no randomness today");
      }
    };
    List<Object> outcomes = submitTogether(new PutVerifier(broken, 64, metrics), bodies(6, 0));
    assertThat(outcomes).hasSize(6).allSatisfy(o -> assertThat(o)
        .isInstanceOf(IllegalStateException.class));
  }
}
