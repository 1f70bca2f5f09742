package dev.keyway.relay.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class ThrottledLogTest {
  private final Logger logger = ((LoggerContext) LoggerFactory.getILoggerFactory())
      .getLogger("dev.keyway.relay.http.ThrottledLogTest.sink");
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final ThrottledLog log = new ThrottledLog(logger, now::get, Duration.ofMinutes(1));

  @BeforeEach
  void attach() {
    appender.start();
    logger.addAppender(appender);
  }

  @AfterEach
  void detach() {
    logger.detachAppender(appender);
  }

  @Test
  void eachKindIsLoggedAtMostOnceAnIntervalWithTheCountSinceItsLastLine() {
    for (int i = 0; i < 100; i++) {
      log.warn("store failed", "disk full " + i, null);
      log.warn("overloaded", "queue full " + i, null);
      now.addAndGet(100);
    }
    assertThat(appender.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
        "store failed: disk full 0 (repeats are summarized at most once every 1m)",
        "overloaded: queue full 0 (repeats are summarized at most once every 1m)");
    now.addAndGet(60_000);
    log.warn("store failed", "disk full again", null);
    log.warn("store failed", "disk full once more", null);
    assertThat(appender.list).hasSize(3);
    assertThat(appender.list.get(2).getFormattedMessage())
        .isEqualTo("store failed: 100 times in the last 70 s; latest: disk full again");
    // alone after a quiet interval: no count to report
    now.addAndGet(120_000);
    log.warn("overloaded", "queue full later", null);
    assertThat(appender.list.get(3).getFormattedMessage()).startsWith("overloaded: 100 times");
    now.addAndGet(120_000);
    log.warn("overloaded", "queue full much later", null);
    assertThat(appender.list.get(4).getFormattedMessage())
        .isEqualTo("overloaded: queue full much later (repeats are summarized at most once every 1m)");
    assertThat(appender.list).allMatch(e -> e.getLevel() == Level.WARN && e.getThrowableProxy() == null);
  }

  @Test
  void anUnexpectedFailureKeepsItsStackTraceAndAClockThatWentBackDoesNotSilenceIt() {
    IllegalStateException bug = new IllegalStateException("bug");
    log.error("unexpected", "PUT /x: " + bug, bug);
    log.error("unexpected", "PUT /x: " + bug, bug);
    now.addAndGet(-5_000);
    log.error("unexpected", "PUT /y: " + bug, bug);
    assertThat(appender.list).hasSize(2);
    assertThat(appender.list).allMatch(e -> e.getLevel() == Level.ERROR
        && e.getThrowableProxy() != null && e.getThrowableProxy().getMessage().equals("bug"));
    assertThat(appender.list.get(1).getFormattedMessage()).contains("2 times", "PUT /y");
  }

  /** A second, different bug within the interval of a recurring one is logged, with its trace. */
  @Test
  void aDifferentUnexpectedFailureIsNotHiddenBehindARecurringOne() {
    IllegalStateException steady = new IllegalStateException("steady");
    for (int i = 0; i < 5; i++) {
      log.error("unexpected", "PUT /x", new java.util.concurrent.CompletionException(steady));
    }
    ClassCastException rare = new ClassCastException("rare");
    log.error("unexpected", "PUT /y", new java.util.concurrent.CompletionException(rare));
    log.error("unexpected", "PUT /x", new java.util.concurrent.CompletionException(steady));
    assertThat(appender.list).hasSize(2);
    assertThat(appender.list.get(0).getFormattedMessage()).contains("IllegalStateException");
    assertThat(appender.list.get(1).getFormattedMessage()).contains("ClassCastException", "PUT /y");
    assertThat(appender.list.get(1).getThrowableProxy().getCause().getMessage()).isEqualTo("rare");
  }
}
