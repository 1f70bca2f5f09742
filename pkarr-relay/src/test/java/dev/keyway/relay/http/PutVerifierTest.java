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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Bodies that complete in one event-loop turn are verified as one batch, each answered alone. */
class PutVerifierTest {
  private final Vertx vertx = Vertx.vertx();
  private final List<Integer> batches = new CopyOnWriteArrayList<>();
  private final RelayMetrics metrics = new RelayMetrics() {
    @Override
    public void verifiedBatch(int bodies) {
      batches.add(bodies);
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
    for (int i = 0; i < bodies.size(); i++) {
      if (bodies.get(i).valid()) {
        assertThat(outcomes.get(i)).isInstanceOf(SignedPacket.class);
      } else {
        assertThat(outcomes.get(i)).isInstanceOfSatisfying(InvalidPacketException.class,
            e -> assertThat(e.reason()).isEqualTo(InvalidPacketException.Reason.BAD_SIGNATURE));
      }
    }
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
