package dev.keyway.client.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.record.EndpointInfo;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * {@link ClientRuntime.Builder#callbackExecutor}: streams whose sources the test completes (on
 * its own threads, standing in for the loop), with callbacks on an executor of named threads.
 */
class CallbackExecutorTest {
  static final String PREFIX = "app-callback-";
  private final SecretKey key = Fixtures.key(61);
  private final EndpointInfo info = Fixtures.info(key, "https://relay.example./");
  private final ExecutorService pool = Executors.newFixedThreadPool(8, named(PREFIX));

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  /** Daemon threads named {@code prefix1}, {@code prefix2}, … */
  static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private ClientRuntime runtime(java.util.concurrent.Executor callbacks) {
    ClientRuntime.Builder b = ClientRuntime.builder().scheduler(new ManualScheduler());
    return (callbacks == null ? b : b.callbackExecutor(callbacks)).build();
  }

  private LookupItem item(int i) {
    return LookupItem.of(info, "p" + i);
  }

  /**
   * Many sources answering from two threads at once, callbacks on eight threads: one listener
   * sees every item once, in arrival order (the summary's), never two at a time, always on the
   * executor; done() runs after the last item.
   */
  @Test
  void itemsReachListenersInArrivalOrderOnAManyThreadExecutor() throws Exception {
    int n = 400;
    try (ClientRuntime rt = runtime(pool)) {
      List<CompletableFuture<Optional<LookupItem>>> sources = new ArrayList<>();
      List<LookupStream> parts = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        CompletableFuture<Optional<LookupItem>> f = new CompletableFuture<>();
        sources.add(f);
        parts.add(LookupStream.of("s" + i, f));
      }
      LookupStream stream = LookupStream.merge(parts).callbacksOn(rt);
      List<String> seen = Collections.synchronizedList(new ArrayList<>());
      List<String> threads = new CopyOnWriteArrayList<>();
      AtomicInteger running = new AtomicInteger();
      AtomicInteger overlaps = new AtomicInteger();
      stream.onItem(i -> {
        if (running.incrementAndGet() != 1) {
          overlaps.incrementAndGet();
        }
        Thread.yield(); // give another thread the chance to overlap, were it allowed to
        seen.add(i.provenance());
        threads.add(Thread.currentThread().getName());
        running.decrementAndGet();
      });
      CompletableFuture<Integer> seenAtDone = stream.done().thenApply(s -> seen.size());
      CompletableFuture<String> firstThread = stream.first().thenApply(i -> Thread.currentThread().getName());

      Thread even = new Thread(() -> completeEvery(sources, 0));
      Thread odd = new Thread(() -> completeEvery(sources, 1));
      even.start();
      odd.start();
      even.join(30_000);
      odd.join(30_000);

      LookupSummary summary = stream.done().get(30, TimeUnit.SECONDS);
      assertThat(seenAtDone.get(30, TimeUnit.SECONDS)).as("done() after the last item").isEqualTo(n);
      assertThat(seen).as("arrival order").containsExactlyElementsOf(
          summary.items().stream().map(LookupItem::provenance).toList());
      assertThat(overlaps).as("one listener call at a time").hasValue(0);
      assertThat(threads).allMatch(t -> t.startsWith(PREFIX));
      assertThat(firstThread.get(30, TimeUnit.SECONDS)).startsWith(PREFIX);
    }
  }

  private void completeEvery(List<CompletableFuture<Optional<LookupItem>>> sources, int parity) {
    for (int i = parity; i < sources.size(); i += 2) {
      sources.get(i).complete(Optional.of(item(i)));
    }
  }

  /**
   * A listener and a first() dependent that throw are logged; the stream's later items and its
   * summary still arrive, and a later stream on the same runtime delivers on the executor.
   */
  @Test
  void aThrowingCallbackBreaksNeitherItsStreamNorLaterOnes() throws Exception {
    ListAppender<ILoggingEvent> logged = capture(LookupStream.class);
    ListAppender<ILoggingEvent> runtimeLogged = capture(ClientRuntime.class);
    try (ClientRuntime rt = runtime(pool)) {
      CompletableFuture<Optional<LookupItem>> a = new CompletableFuture<>();
      CompletableFuture<Optional<LookupItem>> b = new CompletableFuture<>();
      LookupStream stream = LookupStream.merge(LookupStream.of("a", a), LookupStream.of("b", b)).callbacksOn(rt);
      List<String> seen = new CopyOnWriteArrayList<>();
      stream.onItem(i -> {
        throw new IllegalStateException("listener bug");
      });
      stream.onItem(i -> seen.add(i.provenance()));
      CompletableFuture<Object> broken = stream.first().thenApply(i -> {
        throw new IllegalStateException("dependent bug");
      });
      a.complete(Optional.of(item(1)));
      b.complete(Optional.of(item(2)));
      assertThat(stream.done().get(30, TimeUnit.SECONDS).items()).hasSize(2);
      assertThat(broken).failsWithin(30, TimeUnit.SECONDS);
      assertThat(seen).containsExactly("p1", "p2");

      CompletableFuture<Optional<LookupItem>> later = new CompletableFuture<>();
      LookupStream next = LookupStream.of("later", later).callbacksOn(rt);
      CompletableFuture<String> thread = next.first().thenApply(i -> Thread.currentThread().getName());
      later.complete(Optional.of(item(3)));
      assertThat(thread.get(30, TimeUnit.SECONDS)).startsWith(PREFIX);

      // And a task of a publisher's kind that throws does not stop its lane.
      java.util.concurrent.Executor lane = rt.newSerialCallbackExecutor();
      CountDownLatch after = new CountDownLatch(1);
      lane.execute(() -> {
        throw new IllegalStateException("task bug");
      });
      lane.execute(after::countDown);
      assertThat(after.await(30, TimeUnit.SECONDS)).as("the lane goes on").isTrue();
      assertThat(messages(logged)).contains("lookup item listener failed");
      assertThat(messages(runtimeLogged)).contains("keyway client callback failed");
    } finally {
      release(LookupStream.class, logged);
      release(ClientRuntime.class, runtimeLogged);
    }
  }

  /**
   * An executor that refuses (shut down before the runtime): callbacks run on the thread that
   * completes the stream instead of never, and the runtime warns once for all its streams.
   */
  @Test
  void aRefusingExecutorFallsBackToTheCompletingThreadWithOneWarning() throws Exception {
    ExecutorService shut = Executors.newFixedThreadPool(1, named(PREFIX));
    shut.shutdown();
    ListAppender<ILoggingEvent> logged = capture(ClientRuntime.class);
    try (ClientRuntime rt = runtime(shut)) {
      for (int round = 0; round < 2; round++) {
        CompletableFuture<Optional<LookupItem>> f = new CompletableFuture<>();
        LookupStream stream = LookupStream.of("s", f).callbacksOn(rt);
        List<String> threads = new CopyOnWriteArrayList<>();
        stream.onItem(i -> threads.add(Thread.currentThread().getName()));
        CompletableFuture<String> first = stream.first().thenApply(i -> Thread.currentThread().getName());
        CompletableFuture<LookupSummary> done = stream.done();
        f.complete(Optional.of(item(round)));
        String here = Thread.currentThread().getName();
        assertThat(first).isCompletedWithValue(here);
        assertThat(threads).containsExactly(here);
        assertThat(done).isCompleted();
      }
      List<String> warnings;
      synchronized (logged) {
        warnings = logged.list.stream().filter(e -> e.getLevel() == Level.WARN)
            .map(ILoggingEvent::getFormattedMessage).toList();
      }
      assertThat(warnings).hasSize(1);
      assertThat(warnings.get(0)).contains("refused");
    } finally {
      release(ClientRuntime.class, logged);
    }
  }

  /** Without an executor, callbacks run on the thread that completes the source, as before. */
  @Test
  void withoutAnExecutorCallbacksRunWhereTheSourceCompletes() throws Exception {
    try (ClientRuntime rt = runtime(null)) {
      CompletableFuture<Optional<LookupItem>> f = new CompletableFuture<>();
      LookupStream stream = LookupStream.of("s", f).callbacksOn(rt);
      List<String> threads = new CopyOnWriteArrayList<>();
      stream.onItem(i -> threads.add(Thread.currentThread().getName()));
      CompletableFuture<String> first = stream.first().thenApply(i -> Thread.currentThread().getName());
      Thread completer = new Thread(() -> f.complete(Optional.of(item(0))), "source-completer");
      completer.start();
      completer.join(30_000);
      assertThat(first).isCompletedWithValue("source-completer");
      assertThat(threads).containsExactly("source-completer");
      AtomicInteger ran = new AtomicInteger();
      rt.newSerialCallbackExecutor().execute(ran::incrementAndGet);
      assertThat(ran).as("at once, on the calling thread").hasValue(1);
    }
  }

  private static ListAppender<ILoggingEvent> capture(Class<?> loggerOf) {
    Logger log = (Logger) LoggerFactory.getLogger(loggerOf);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    log.addAppender(appender);
    return appender;
  }

  private static void release(Class<?> loggerOf, ListAppender<ILoggingEvent> appender) {
    ((Logger) LoggerFactory.getLogger(loggerOf)).detachAppender(appender);
  }

  private static List<String> messages(ListAppender<ILoggingEvent> logged) {
    synchronized (logged) {
      return logged.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
  }
}
