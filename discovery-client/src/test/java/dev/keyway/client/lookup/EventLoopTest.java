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

  /**
   * A task that holds the loop (an application callback that blocks, typically) is reported
   * once, with the loop's stack at that moment, so the blocking frame can be found; before, the
   * client just stalled, every DNS answer and timer with it.
   */
  @Test
  void aTaskHoldingTheLoopIsReportedOnceWithWhereItWaits() throws Exception {
    ch.qos.logback.classic.Logger log =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(EventLoop.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
        new ch.qos.logback.core.read.ListAppender<>();
    logged.start();
    log.addAppender(logged);
    try (EventLoop loop = new EventLoop(MicrosClock.system())) {
      // An interrupt from elsewhere (a container's shutdown code, say) does not end the watch.
      Thread.getAllStackTraces().keySet().stream()
          .filter(t -> t.getName().equals("keyway-client-watch")).forEach(Thread::interrupt);
      CountDownLatch quick = new CountDownLatch(1);
      loop.execute(quick::countDown);
      assertThat(quick.await(10, TimeUnit.SECONDS)).isTrue();
      CountDownLatch release = new CountDownLatch(1);
      loop.execute(() -> blockUntil(release));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (blockedWarnings(logged).isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20); // polling for the warning, not timing it
      }
      // A few more checks of the watch (every 250 ms) while still blocked: no second warning.
      Thread.sleep(800);
      release.countDown();
      var warnings = blockedWarnings(logged);
      assertThat(warnings).hasSize(1);
      assertThat(warnings.get(0).getFormattedMessage()).contains(loop.thread().getName(), "must not block");
      assertThat(java.util.Arrays.stream(warnings.get(0).getThrowableProxy().getStackTraceElementProxyArray())
          .map(Object::toString)).anyMatch(f -> f.contains("blockUntil"));
      CountDownLatch after = new CountDownLatch(1);
      loop.execute(after::countDown);
      assertThat(after.await(10, TimeUnit.SECONDS)).as("the loop runs again").isTrue();
    } finally {
      log.detachAppender(logged);
    }
  }

  private static void blockUntil(CountDownLatch release) {
    try {
      release.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static java.util.List<ch.qos.logback.classic.spi.ILoggingEvent> blockedWarnings(
      ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged) {
    synchronized (logged) { // the appender adds under its own lock
      return logged.list.stream().filter(e -> e.getFormattedMessage().contains("running one task")).toList();
    }
  }
}
