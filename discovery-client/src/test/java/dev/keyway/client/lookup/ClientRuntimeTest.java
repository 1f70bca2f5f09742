package dev.keyway.client.lookup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ClientRuntimeTest {

  static Set<String> keywayThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive).map(Thread::getName)
        .filter(n -> n.startsWith("keyway-client-")).collect(Collectors.toSet());
  }

  @Test
  void loopRunsTimersInOrderAndCancelledOnesNever() throws Exception {
    try (ClientRuntime rt = ClientRuntime.create()) {
      Scheduler s = rt.scheduler();
      StringBuffer order = new StringBuffer();
      CountDownLatch done = new CountDownLatch(1);
      s.schedule(Duration.ofMillis(30), () -> order.append('b'));
      Scheduler.Cancellable c = s.schedule(Duration.ofMillis(10), () -> order.append('x'));
      s.schedule(Duration.ofMillis(5), () -> order.append('a'));
      s.schedule(Duration.ofMillis(40), done::countDown);
      assertThat(c.cancel()).isTrue();
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(order.toString()).isEqualTo("ab");
    }
  }

  @Test
  void closeLeavesNoKeywayThreads() throws Exception {
    Set<String> before = keywayThreads();
    ClientRuntime rt = ClientRuntime.create();
    rt.loop();
    CountDownLatch ran = new CountDownLatch(1);
    rt.http().executor().orElseThrow().execute(ran::countDown);
    assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(keywayThreads()).hasSizeGreaterThan(before.size());
    rt.close();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!keywayThreads().equals(before) && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      Thread.yield();
    }
    assertThat(keywayThreads()).isEqualTo(before);
    assertThatThrownBy(rt::scheduler).isInstanceOf(IllegalStateException.class);
  }
}
