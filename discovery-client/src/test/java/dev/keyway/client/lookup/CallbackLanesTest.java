package dev.keyway.client.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The runtime's lanes: refusals warned about at most once a minute, with a count. */
class CallbackLanesTest {

  @Test
  void refusalsAreWarnedAboutAtMostOnceAMinuteWithTheCountInBetween() {
    AtomicLong now = new AtomicLong(5);
    CallbackLanes lanes = new CallbackLanes(task -> {
      throw new RejectedExecutionException("shut down");
    }, now::get);
    Logger log = (Logger) LoggerFactory.getLogger(ClientRuntime.class);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    log.addAppender(logged);
    try {
      SerialExecutor lane = lanes.newLane();
      List<Integer> ran = new java.util.concurrent.CopyOnWriteArrayList<>();
      lane.execute(() -> ran.add(1)); // warned
      now.addAndGet(Duration.ofSeconds(30).toNanos());
      lane.execute(() -> ran.add(2)); // counted
      lanes.newLane().execute(() -> ran.add(3)); // counted: one limit for the whole runtime
      now.addAndGet(Duration.ofSeconds(31).toNanos());
      lane.execute(() -> ran.add(4)); // a minute after the first warning: warned, with the count
      now.addAndGet(Duration.ofSeconds(1).toNanos());
      lane.execute(() -> ran.add(5)); // counted
      assertThat(ran).as("refused callbacks run on the calling thread").containsExactly(1, 2, 3, 4, 5);
      assertThat(warnings(logged)).hasSize(2);
      assertThat(warnings(logged).get(0)).contains("refused").contains("0 more refusals");
      assertThat(warnings(logged).get(1)).contains("2 more refusals");
      assertThat(lanes.busyLanes()).isZero();
    } finally {
      log.detachAppender(logged);
    }
  }

  private static List<String> warnings(ListAppender<ILoggingEvent> logged) {
    synchronized (logged) {
      return logged.list.stream().filter(e -> e.getLevel() == Level.WARN)
          .map(ILoggingEvent::getFormattedMessage).toList();
    }
  }
}
