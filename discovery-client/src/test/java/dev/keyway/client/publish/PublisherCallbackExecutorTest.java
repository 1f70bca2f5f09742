package dev.keyway.client.publish;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.lookup.ClientRuntime;
import dev.keyway.client.lookup.Fixtures;
import dev.keyway.client.lookup.ManualScheduler;
import dev.keyway.client.record.EndpointInfo;
import dev.keyway.client.resolve.TestRelay;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A publisher's listeners and publishNow futures on the runtime's callback executor. */
class PublisherCallbackExecutorTest {
  private static final String PREFIX = "app-callback-";
  private final ManualScheduler time = new ManualScheduler();
  private final SecretKey key = Fixtures.key(81);
  private final EndpointInfo info = Fixtures.info(key, "https://relay.example./");
  private final LinkedBlockingQueue<String> listenerThreads = new LinkedBlockingQueue<>();
  private TestRelay relay;
  private ExecutorService pool;
  private ClientRuntime rt;

  @BeforeEach
  void start() throws Exception {
    relay = new TestRelay("/pkarr", "keyway.localhost.");
    AtomicInteger n = new AtomicInteger();
    pool = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, PREFIX + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    rt = ClientRuntime.builder().scheduler(time).random(new SplittableRandom(3))
        .callbackExecutor(pool).build();
  }

  @AfterEach
  void stop() {
    rt.close();
    relay.close();
    pool.shutdownNow();
  }

  /**
   * Outcomes reach listeners, and publishNow's future completes, on the executor, not on the
   * JDK's HTTP threads; a listener that throws is logged and neither the other listener nor
   * later outcomes miss anything.
   */
  @Test
  void outcomesReachTheApplicationOnTheExecutorEvenPastAThrowingListener() throws Exception {
    Logger log = (Logger) LoggerFactory.getLogger(PkarrPublisher.class);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    log.addAppender(logged);
    List<String> failures = List.of();
    try {
      outcomesReachTheApplication();
      // The throwing listener has a lane of its own: its calls may still be under way.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while ((failures = listenerFailures(logged)).size() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
    } finally {
      log.detachAppender(logged);
    }
    assertThat(failures).as("each call of the throwing listener logged, on the executor")
        .hasSize(2).allMatch(f -> f.startsWith("listener bug on " + PREFIX));
  }

  private static List<String> listenerFailures(ListAppender<ILoggingEvent> logged) {
    synchronized (logged) { // the appender adds under its own lock
      return logged.list.stream().filter(e -> e.getLevel() == Level.WARN)
          .filter(e -> e.getFormattedMessage().contains("publish listener failed"))
          .map(e -> e.getThrowableProxy().getMessage() + " on " + e.getThreadName()).toList();
    }
  }

  private void outcomesReachTheApplication() throws Exception {
    CountDownLatch hold = new CountDownLatch(1);
    relay.holdPuts = hold; // the answer waits until every callback is in place
    try (PkarrPublisher publisher = PkarrPublisher.builder(rt, key).relay(relay.base()).jitter(0)
        .listener(o -> {
          throw new IllegalStateException("listener bug");
        })
        .listener(o -> listenerThreads.add(Thread.currentThread().getName()))
        .build()) {
      CompletableFuture<String> round = publisher.publishNow(info)
          .thenApply(outcomes -> Thread.currentThread().getName());
      hold.countDown();
      assertThat(round.get(30, TimeUnit.SECONDS)).startsWith(PREFIX);
      assertThat(listenerThreads.poll(30, TimeUnit.SECONDS)).startsWith(PREFIX);

      // The republish five minutes later reaches the same listeners.
      time.advance(Duration.ofMinutes(5));
      assertThat(listenerThreads.poll(30, TimeUnit.SECONDS)).startsWith(PREFIX);
      assertThat(publisher.status().values()).extracting(PublishOutcome::status)
          .containsExactly(PublishOutcome.Status.PUBLISHED);
      assertThat(relay.requests("PUT")).hasSize(2);
    }
  }

  /**
   * A listener may block, here until a second round of the same publisher is answered: that
   * round's future and the listener's next call do not queue behind it.
   */
  @Test
  void aListenerThatWaitsForTheNextRoundDoesNotStallIt() throws Exception {
    LinkedBlockingQueue<String> waited = new LinkedBlockingQueue<>();
    AtomicInteger calls = new AtomicInteger();
    PkarrPublisher[] self = new PkarrPublisher[1];
    try (PkarrPublisher publisher = PkarrPublisher.builder(rt, key).relay(relay.base()).jitter(0)
        .listener(o -> {
          listenerThreads.add(Thread.currentThread().getName());
          if (calls.incrementAndGet() != 1) {
            return;
          }
          try {
            List<PublishOutcome> again = self[0].publishNow().get(5, TimeUnit.SECONDS);
            waited.add(again.get(0).status().toString());
          } catch (Exception e) {
            waited.add(e.toString());
          }
        })
        .build()) {
      self[0] = publisher;
      publisher.publish(info);
      assertThat(waited.poll(30, TimeUnit.SECONDS)).isEqualTo("PUBLISHED");
      assertThat(relay.requests("PUT")).hasSize(2);
      // On the executor: on the HTTP thread that recorded the outcome it would stall that round.
      assertThat(listenerThreads.poll(30, TimeUnit.SECONDS)).startsWith(PREFIX);
    }
  }
}
