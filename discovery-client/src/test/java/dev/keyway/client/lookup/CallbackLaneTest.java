package dev.keyway.client.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.record.EndpointInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Order and liveness of a stream's callback lane: {@code first()} before {@code done()} for
 * streams that end without an item, executors that run tasks inline or throw errors, merges of
 * streams that have lanes, late listeners, cancelling, and what {@link ClientRuntime#close()}
 * waits for.
 */
class CallbackLaneTest {
  private static final String PREFIX = "lane-test-";
  private final SecretKey key = Fixtures.key(62);
  private final EndpointInfo info = Fixtures.info(key, "https://relay.example./");
  private final ExecutorService pool = Executors.newFixedThreadPool(4, CallbackExecutorTest.named(PREFIX));

  @AfterEach
  void stop() throws InterruptedException {
    pool.shutdown();
    pool.awaitTermination(10, TimeUnit.SECONDS);
  }

  private static ClientRuntime runtime(Executor callbacks) {
    ClientRuntime.Builder b = ClientRuntime.builder().scheduler(new ManualScheduler());
    return (callbacks == null ? b : b.callbackExecutor(callbacks)).build();
  }

  private LookupItem item(int i) {
    return LookupItem.of(info, "p" + i);
  }

  /** The three ways a source ends without an item, by iteration. */
  private static void endWithoutItem(CompletableFuture<Optional<LookupItem>> source, int i) {
    switch (i % 3) {
      case 0 -> source.complete(Optional.empty());
      case 1 -> source.completeExceptionally(new IllegalStateException("source failed"));
      default -> source.cancel(true);
    }
  }

  /**
   * A done() callback of a stream that ends with no item finds first() complete. Before,
   * the done() copy (a later dependent) ran before the dependent that completes first(), so
   * first().get() inside it waited for a completion queued behind it. The wait is bounded.
   */
  private void doneCallbacksFindFirstComplete(Executor callbacks, int iterations) throws Exception {
    try (ClientRuntime rt = runtime(callbacks)) {
      for (int i = 0; i < iterations; i++) {
        CompletableFuture<Optional<LookupItem>> source = new CompletableFuture<>();
        LookupStream s = LookupStream.of("s", source).callbacksOn(rt);
        CompletableFuture<String> seen = s.done().thenApply(summary -> firstWithin(s));
        endWithoutItem(source, i);
        assertThat(seen.get(30, TimeUnit.SECONDS)).as("iteration %d", i).isEqualTo("complete");
      }
    }
  }

  private static String firstWithin(LookupStream s) {
    try {
      s.first().get(2, TimeUnit.SECONDS);
      return "complete";
    } catch (TimeoutException e) {
      return "first() not complete when done() ran";
    } catch (ExecutionException | CancellationException e) {
      return "complete"; // failed or cancelled: complete all the same
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return e.toString();
    }
  }

  @Test
  void doneCallbacksFindFirstCompleteOnAPool() throws Exception {
    doneCallbacksFindFirstComplete(pool, 300);
  }

  @Test
  void doneCallbacksFindFirstCompleteOnAnInlineExecutor() throws Exception {
    doneCallbacksFindFirstComplete(Runnable::run, 30);
  }

  @Test
  void doneCallbacksFindFirstCompleteWithoutAnExecutor() throws Exception {
    doneCallbacksFindFirstComplete(null, 30);
  }

  /** And the other way round, which worked before: a first() callback may wait for done(). */
  @Test
  void firstCallbacksOfAStreamWithoutItemsFindDoneComplete() throws Exception {
    for (Executor callbacks : new Executor[] {null, pool, Runnable::run}) {
      try (ClientRuntime rt = runtime(callbacks)) {
        for (int i = 0; i < 30; i++) {
          CompletableFuture<Optional<LookupItem>> source = new CompletableFuture<>();
          LookupStream s = LookupStream.of("s", source).callbacksOn(rt);
          CompletableFuture<Integer> outcomes = s.first().handle((item, error) -> {
            try {
              return s.done().get(2, TimeUnit.SECONDS).outcomes().size();
            } catch (Exception e) {
              return -1;
            }
          });
          endWithoutItem(source, i);
          assertThat(outcomes.get(30, TimeUnit.SECONDS)).as("%s, iteration %d", callbacks, i).isEqualTo(1);
        }
      }
    }
  }

  /**
   * An executor whose execute throws an Error (no native thread left): the lane falls back to
   * the calling thread as for a refusal, the error does not reach the code completing the
   * source, and the lane keeps working (before, it stayed "scheduled" and never ran again).
   */
  @Test
  void anExecutorThrowingAnErrorFallsBackAndTheLaneGoesOn() throws Exception {
    Executor broken = task -> {
      throw new OutOfMemoryError("unable to create native thread: possibly out of memory");
    };
    try (ClientRuntime rt = runtime(broken)) {
      CompletableFuture<Optional<LookupItem>> a = new CompletableFuture<>();
      CompletableFuture<Optional<LookupItem>> b = new CompletableFuture<>();
      LookupStream s = LookupStream.merge(LookupStream.of("a", a), LookupStream.of("b", b)).callbacksOn(rt);
      List<String> seen = new CopyOnWriteArrayList<>();
      s.onItem(i -> seen.add(i.provenance()));
      CompletableFuture<Optional<LookupItem>> first = s.first();
      a.complete(Optional.of(item(1)));
      b.complete(Optional.of(item(2)));
      assertThat(first.get(5, TimeUnit.SECONDS)).map(LookupItem::provenance).contains("p1");
      assertThat(s.done().get(5, TimeUnit.SECONDS).items()).hasSize(2);
      assertThat(seen).containsExactly("p1", "p2");
      CountDownLatch ran = new CountDownLatch(1);
      rt.newSerialCallbackExecutor().execute(ran::countDown);
      assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
    }
  }

  /** An executor that runs tasks on the calling thread works, and keeps each stream's order. */
  @Test
  void anInlineExecutorKeepsOrder() throws Exception {
    try (ClientRuntime rt = runtime(Runnable::run)) {
      List<CompletableFuture<Optional<LookupItem>>> sources = new ArrayList<>();
      List<LookupStream> parts = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        CompletableFuture<Optional<LookupItem>> f = new CompletableFuture<>();
        sources.add(f);
        parts.add(LookupStream.of("s" + i, f));
      }
      LookupStream s = LookupStream.merge(parts).callbacksOn(rt);
      List<String> events = new CopyOnWriteArrayList<>();
      s.onItem(i -> {
        events.add(i.provenance());
        if (i.provenance().equals("p0")) {
          // Completing another source from inside a callback: queued behind this one, not nested.
          sources.get(1).complete(Optional.of(item(1)));
          events.add("end p0");
        }
      });
      s.first().thenAccept(i -> events.add("first"));
      s.done().thenAccept(x -> events.add("done"));
      for (int i = 0; i < sources.size(); i++) {
        if (i != 1) {
          sources.get(i).complete(Optional.of(item(i)));
        }
      }
      assertThat(s.done().get(5, TimeUnit.SECONDS).items()).hasSize(20);
      List<String> expected = new ArrayList<>(List.of("p0", "end p0", "p1", "first"));
      for (int i = 2; i < 20; i++) {
        expected.add("p" + i);
      }
      expected.add("done");
      assertThat(events).containsExactlyElementsOf(expected);
    }
  }

  /**
   * A merge of streams that have lanes (as a resolver's services hand out) has a lane of its
   * own: its callbacks run on the executor in arrival order, the parts' own listeners still run,
   * and cancelling the merge cancels the parts' sources.
   */
  @Test
  void mergedStreamsThatHaveLanes() throws Exception {
    try (ClientRuntime rt = runtime(pool)) {
      CompletableFuture<Optional<LookupItem>> a = new CompletableFuture<>();
      CompletableFuture<Optional<LookupItem>> b = new CompletableFuture<>();
      CompletableFuture<Optional<LookupItem>> c = new CompletableFuture<>();
      LookupStream pa = LookupStream.of("a", a).callbacksOn(rt);
      LookupStream pb = LookupStream.of("b", b).callbacksOn(rt);
      LookupStream pc = LookupStream.of("c", c).callbacksOn(rt);
      List<String> partSeen = new CopyOnWriteArrayList<>();
      pa.onItem(i -> partSeen.add(i.provenance() + "@" + Thread.currentThread().getName()));
      LookupStream merged = LookupStream.merge(pa, pb, pc);
      assertThat(merged.callbacksOn(rt)).as("already has a lane").isSameAs(merged);
      List<String> seen = new CopyOnWriteArrayList<>();
      merged.onItem(i -> seen.add(i.provenance() + "@" + Thread.currentThread().getName()));
      CompletableFuture<String> done = merged.done().thenApply(x -> "done@" + Thread.currentThread().getName());
      b.complete(Optional.of(item(2)));
      a.complete(Optional.of(item(1)));
      assertThat(merged.cancel()).isTrue();
      assertThat(c).isCancelled();
      assertThat(done.get(30, TimeUnit.SECONDS)).startsWith("done@" + PREFIX);
      assertThat(seen).hasSize(2).allMatch(t -> t.contains("@" + PREFIX));
      assertThat(seen).extracting(t -> t.substring(0, 2)).containsExactly("p2", "p1");
      assertThat(pa.done().get(30, TimeUnit.SECONDS).found()).isTrue();
      assertThat(partSeen).hasSize(1).allMatch(t -> t.startsWith("p1@" + PREFIX));
    }
  }

  /**
   * A listener added after its item arrived gets it in the lane before the dependents of a
   * first() asked for after it: first() is returned complete only once the lane caught up.
   */
  @Test
  void aLateListenerRunsBeforeFirstAskedAfterIt() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (ClientRuntime rt = runtime(pool)) {
      CompletableFuture<Optional<LookupItem>> f = new CompletableFuture<>();
      LookupStream s = LookupStream.of("s", f).callbacksOn(rt);
      List<String> events = new CopyOnWriteArrayList<>();
      // Holds the lane until the late listener and first() are in place.
      s.onItem(i -> await(release));
      f.complete(Optional.of(item(1)));
      assertThat(s.first()).as("the lane has not caught up").isNotDone();
      s.onItem(i -> events.add("late listener"));
      CompletableFuture<Void> firstSeen = s.first().thenAccept(i -> events.add("first"));
      release.countDown();
      firstSeen.get(30, TimeUnit.SECONDS);
      assertThat(events).containsExactly("late listener", "first");
      // Once caught up, first() is complete at once; dependents run on the caller.
      s.done().get(30, TimeUnit.SECONDS);
      assertThat(s.first()).isCompleted();
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The lane a service's stream gets is cheap to strip: a resolver asks for the stream without
   * callbacks and gets the one the service made, and a merge of laned streams strips to a merge
   * without a lane, whose callbacks run where its sources complete.
   */
  @Test
  void strippingALaneGivesBackTheStreamWithoutOne() throws Exception {
    try (ClientRuntime rt = runtime(pool)) {
      CompletableFuture<Optional<LookupItem>> a = new CompletableFuture<>();
      LookupStream plain = LookupStream.of("a", a);
      LookupStream laned = plain.callbacksOn(rt);
      assertThat(laned.withoutCallbacks()).isSameAs(plain);
      assertThat(plain.withoutCallbacks()).isSameAs(plain);
      LookupStream merged = LookupStream.merge(laned, LookupStream.notFound("b").callbacksOn(rt));
      LookupStream stripped = merged.withoutCallbacks();
      assertThat(stripped).isNotSameAs(merged);
      List<String> threads = new CopyOnWriteArrayList<>();
      stripped.onItem(i -> threads.add(Thread.currentThread().getName()));
      Thread completer = new Thread(() -> a.complete(Optional.of(item(1))), "source-completer");
      completer.start();
      completer.join(30_000);
      assertThat(threads).containsExactly("source-completer");
      assertThat(merged.done().get(30, TimeUnit.SECONDS).items()).hasSize(1);
      // The laned stream and the plain one share their items.
      assertThat(laned.itemsSoFar()).isEqualTo(plain.itemsSoFar()).hasSize(1);
    }
  }

  /** cancel() on the stream callbacksOn returns cancels the source it presents. */
  @Test
  void cancellingTheStreamOnALaneCancelsItsSource() throws Exception {
    try (ClientRuntime rt = runtime(pool)) {
      CompletableFuture<Optional<LookupItem>> f = new CompletableFuture<>();
      LookupStream plain = LookupStream.of("s", f);
      LookupStream s = plain.callbacksOn(rt);
      assertThat(s).isNotSameAs(plain);
      assertThat(s.cancel()).isTrue();
      assertThat(f).isCancelled();
      assertThat(s.done().get(30, TimeUnit.SECONDS).outcomes()).extracting(SourceOutcome::status)
          .containsExactly(SourceOutcome.Status.CANCELLED);
      assertThat(s.first()).failsWithin(30, TimeUnit.SECONDS);
    }
  }

  /**
   * close() waits (a bounded time) for the callbacks it set off, failing the operations still
   * running, to have run on the executor: an application that shuts its executor down right
   * after closing the runtime does not strand them. The executor here starts each task late.
   */
  @Test
  void closeWaitsForTheCallbacksItSetOff() throws Exception {
    ExecutorService slow = Executors.newSingleThreadExecutor(CallbackExecutorTest.named(PREFIX));
    Executor late = task -> slow.execute(() -> {
      sleep(100);
      task.run();
    });
    AtomicBoolean ran = new AtomicBoolean();
    try {
      ClientRuntime rt = runtime(late);
      LookupStream s = LookupStream.of("s", rt.track(new CompletableFuture<>())).callbacksOn(rt);
      s.done().thenAccept(x -> ran.set(true));
      rt.close();
      assertThat(ran).as("done() callbacks ran before close() returned").isTrue();
    } finally {
      slow.shutdownNow();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * close() from inside a callback does not wait for its own lane: no wait at all, observed
   * through the lanes' count of waits rather than the time close() took (a wait for itself
   * would end after CLOSE_WAIT, well within any timeout a test could use).
   */
  @Test
  void closeFromACallbackDoesNotWaitForItself() throws Exception {
    ClientRuntime rt = runtime(pool);
    CompletableFuture<Optional<LookupItem>> f = new CompletableFuture<>();
    LookupStream s = LookupStream.of("s", f).callbacksOn(rt);
    Consumer<LookupItem> closer = i -> rt.close();
    s.onItem(closer);
    CompletableFuture<Boolean> closed = s.first().thenApply(i -> rt.isClosed());
    f.complete(Optional.of(item(1)));
    assertThat(closed.get(30, TimeUnit.SECONDS)).isTrue();
    // first() completes in the lane after the listener, so after close() returned.
    assertThat(rt.callbackLanes().waits()).as("close() waited").isZero();
  }

  /**
   * The same from a callback that a refusing executor left on the thread completing the source:
   * that thread is not one of the executor's, yet close() must not wait for the lane it drains.
   */
  @Test
  void closeFromARefusedCallbackDoesNotWaitForItself() throws Exception {
    Executor refusing = task -> {
      throw new RejectedExecutionException("shut down");
    };
    ClientRuntime rt = runtime(refusing);
    CompletableFuture<Optional<LookupItem>> f = new CompletableFuture<>();
    LookupStream s = LookupStream.of("s", f).callbacksOn(rt);
    s.onItem(i -> rt.close());
    f.complete(Optional.of(item(1))); // runs the lane here, close() included
    assertThat(rt.isClosed()).isTrue();
    assertThat(rt.callbackLanes().waits()).as("close() waited").isZero();
  }

  /**
   * close() on the callback executor's own thread, outside any callback (a window-close handler
   * on a UI thread): the callbacks it sets off are queued behind the caller on that one thread,
   * so waiting for them would only take CLOSE_WAIT and achieve nothing. It does not wait, and
   * they run once it returned, in order.
   */
  @Test
  void closeOnTheExecutorsOwnThreadDoesNotWaitForCallbacksQueuedBehindIt() throws Exception {
    ExecutorService ui = Executors.newSingleThreadExecutor(CallbackExecutorTest.named(PREFIX));
    try {
      ClientRuntime rt = runtime(ui);
      // As in an application, the thread has run callbacks of the runtime before.
      CompletableFuture<Optional<LookupItem>> earlier = new CompletableFuture<>();
      LookupStream before = LookupStream.of("earlier", earlier).callbacksOn(rt);
      CountDownLatch ranBefore = new CountDownLatch(1);
      before.onItem(i -> ranBefore.countDown());
      earlier.complete(Optional.of(item(1)));
      assertThat(ranBefore.await(30, TimeUnit.SECONDS)).isTrue();
      // A lookup still running at close: close() fails it, which queues its callbacks.
      LookupStream s = LookupStream.of("s", rt.track(new CompletableFuture<>())).callbacksOn(rt);
      List<String> events = new CopyOnWriteArrayList<>();
      CompletableFuture<Void> failed = s.first().handle((i, e) -> events.add("first"))
          .thenCompose(x -> s.done()).thenAccept(x -> events.add("done"));
      CompletableFuture<Integer> waits = CompletableFuture.supplyAsync(() -> {
        rt.close(); // not inside any drain: a plain task on the executor's thread
        events.add("closed");
        return rt.callbackLanes().waits();
      }, ui);
      assertThat(waits.get(30, TimeUnit.SECONDS)).as("close() waited").isZero();
      failed.get(30, TimeUnit.SECONDS);
      assertThat(events).containsExactly("closed", "first", "done");
    } finally {
      ui.shutdown();
      ui.awaitTermination(10, TimeUnit.SECONDS);
    }
  }
}
