package dev.keyway.gossip.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.keys.SecretKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Helpers for in-process network tests: start nodes on 127.0.0.1 port 0, await conditions. */
final class NetTestSupport {
  static final SecureRandom RANDOM = new SecureRandom();
  /** Generous: the suite runs on a loaded 2-core machine. */
  static final Duration TIMEOUT = Duration.ofSeconds(Long.getLong("keyway.test.timeout", 60));

  private NetTestSupport() {}

  static SecretKey key() {
    return SecretKey.generate(RANDOM);
  }

  /** Polls until {@code condition} holds; fails with {@code what} after {@link #TIMEOUT}. */
  static void await(String what, BooleanSupplier condition) {
    await(what, condition, () -> "");
  }

  static void await(String what, BooleanSupplier condition, Supplier<String> detail) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what + " " + detail.get());
      }
      try {
        Thread.sleep(20); // polling a condition, not a timing assertion
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** Drains every event of a subscription into a list (on the polling thread). */
  static List<GossipEvent> drain(GossipEvents events) {
    List<GossipEvent> out = new ArrayList<>();
    GossipEvent e;
    while ((e = events.tryPoll()) != null) {
      out.add(e);
    }
    return out;
  }

  static <T> T get(java.util.concurrent.CompletableFuture<T> f) {
    try {
      return f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static void assertTrue(boolean b, String what) {
    assertThat(b).as(what).isTrue();
  }
}
