package dev.keyway.client.lookup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.client.packet.MicrosClock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EventLoopTest {
  /**
   * A task that kills the loop thread with an Error (a StackOverflowError, say) leaves a loop
   * that refuses new work at once: before, it took it, and nothing ever ran it (lookups whose
   * timeouts were timers on that loop never completed).
   */
  @Test
  void aLoopKilledByAnErrorRefusesLaterWork() throws Exception {
    try (EventLoop loop = new EventLoop(MicrosClock.system())) {
      CountDownLatch ran = new CountDownLatch(1);
      loop.execute(ran::countDown);
      assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
      loop.execute(() -> {
        throw new StackOverflowError("test");
      });
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      boolean refused = false;
      while (!refused && System.nanoTime() < deadline) {
        try {
          loop.schedule(Duration.ofMillis(1), () -> { });
          Thread.sleep(10); // polling for the loop's death, not timing it
        } catch (IllegalStateException e) {
          refused = true;
        }
      }
      assertThat(refused).as("the dead loop refuses work").isTrue();
      assertThatThrownBy(() -> loop.execute(() -> { })).isInstanceOf(IllegalStateException.class);
    }
  }
}
