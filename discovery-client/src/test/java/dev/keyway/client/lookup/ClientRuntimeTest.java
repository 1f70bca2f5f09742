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
      // Wide margins: this thread may be descheduled for tens of milliseconds on a loaded CI
      // machine, and 'x' must still be pending when it is cancelled, 'a' still due before 'b'.
      s.schedule(Duration.ofMillis(500), () -> order.append('b'));
      Scheduler.Cancellable c = s.schedule(Duration.ofMillis(300), () -> order.append('x'));
      s.schedule(Duration.ofMillis(5), () -> order.append('a'));
      s.schedule(Duration.ofMillis(600), done::countDown);
      assertThat(c.cancel()).isTrue();
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(order.toString()).isEqualTo("ab");
    }
  }

  @Test
  void closeLeavesNoKeywayThreads() throws Exception {
    // Threads of runtimes closed by earlier tests may still be ending (close() does not wait for
    // the last instructions of a thread): only the threads started here must all end.
    Set<String> before = keywayThreads();
    ClientRuntime rt = ClientRuntime.create();
    rt.loop();
    CountDownLatch ran = new CountDownLatch(1);
    rt.http().executor().orElseThrow().execute(ran::countDown);
    assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
    Set<String> started = new java.util.HashSet<>(keywayThreads());
    started.removeAll(before);
    assertThat(started).anyMatch(n -> n.startsWith("keyway-client-loop-"))
        .anyMatch(n -> n.startsWith("keyway-client-http-"));
    rt.close();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!before.containsAll(keywayThreads()) && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      Thread.yield();
    }
    assertThat(keywayThreads()).as("keyway threads left after close").isSubsetOf(before);
    assertThatThrownBy(rt::scheduler).isInstanceOf(IllegalStateException.class);
  }
}
