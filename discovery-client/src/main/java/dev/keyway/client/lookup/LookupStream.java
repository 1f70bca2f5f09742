package dev.keyway.client.lookup;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The answers of one lookup as they arrive: the Java shape of iroh's resolve stream. A stream
 * has one or more <em>sources</em> (one per service asked, e.g. a DNS server and a pkarr relay);
 * each source ends once, with an item, "not found", an error, or cancellation. Sources run
 * concurrently; {@link #merge} combines streams.
 *
 * <h2>Reading it</h2>
 * <ul>
 *   <li>{@link #first()}: the first item of any source, as soon as it arrives. Absent
 *       ({@code Optional.empty()}) once every source has ended without an item and at least one
 *       said "not found" (or there were no sources). Completes exceptionally with
 *       {@link LookupFailedException} if every source failed.
 *   <li>{@link #onItem}: every item, in arrival order, including those that already arrived.
 *   <li>{@link #done()}: a {@link LookupSummary} once every source has ended; it never completes
 *       exceptionally.
 * </ul>
 * <h2>Threads</h2>
 * Streams handed out by a {@link Resolver} or by the runtime's lookups follow the runtime's
 * {@linkplain ClientRuntime.Builder#callbackExecutor callback executor}, if one is set: every
 * listener call and every completion of the futures of {@link #first()} and {@link #done()} then
 * runs on it, one at a time per stream, in order (items in arrival order, {@code first()} after
 * the listeners had its item, {@code done()} after the last item), and may block.
 *
 * <p>Without one (the default), callbacks run on the thread that completes a source: the
 * client's loop thread for DNS answers and timeouts (the thread that serves every DNS answer and
 * timer of the client), a thread of the JDK's {@code CompletableFuture} default executor for HTTP
 * answers (see {@link ClientRuntime}), or the caller's thread when the item has already arrived.
 * They must not block then; use the {@code *Async} methods of the futures to move work elsewhere.
 * A callback that holds the loop thread for over a second is logged with its stack.
 *
 * <p>Either way, a listener that throws is logged and the others still run.
 *
 * <h2>Cancelling</h2>
 * {@link #cancel()} cancels every source that has not ended: its pending network work (sockets,
 * HTTP requests, staggered retries, timers) stops, and its outcome is
 * {@link SourceOutcome.Status#CANCELLED}. Cancelling the future returned by {@link #first()}
 * does not cancel the stream.
 */
public final class LookupStream {
  private static final Logger LOG = LoggerFactory.getLogger(LookupStream.class);
  private final List<Source> sources;
  private final List<LookupItem> arrived = new ArrayList<>();
  private final List<Consumer<? super LookupItem>> listeners = new ArrayList<>();
  private final CompletableFuture<Optional<LookupItem>> first = new CompletableFuture<>();
  private final CompletableFuture<LookupSummary> done;
  /** Run by {@link #cancel()} of a {@link #view}, or null. */
  private final Runnable onCancel;
  /** Whether {@link #onCancel} ran. */
  private final java.util.concurrent.atomic.AtomicBoolean cancelHookRan = new java.util.concurrent.atomic.AtomicBoolean();
  /** The streams a {@link #merge} was made of (cancelled through them), or null. */
  private final List<LookupStream> parts;
  /** Per source: done once its item (if any) has reached this stream's listeners. */
  private final List<CompletableFuture<?>> recorded;
  /** Where this stream's callbacks run, in order; null: on the thread that completes them. */
  private final SerialExecutor callbacks;

  private record Source(String name, CompletableFuture<Optional<LookupItem>> result) {}

  private LookupStream(List<Source> sources) {
    this(sources, null);
  }

  private LookupStream(List<Source> sources, Runnable onCancel) {
    this(sources, onCancel, null);
  }

  private LookupStream(List<Source> sources, Runnable onCancel, List<LookupStream> parts) {
    this(sources, onCancel, parts, null);
  }

  private LookupStream(List<Source> sources, Runnable onCancel, List<LookupStream> parts,
      SerialExecutor callbacks) {
    this.callbacks = callbacks;
    this.onCancel = onCancel;
    this.parts = parts;
    this.sources = List.copyOf(sources);
    // Each source's item is recorded before the summary is built: the summary waits for these
    // handlers, not for the sources themselves (whose dependents run in no fixed order).
    CompletableFuture<?>[] recorded = new CompletableFuture<?>[this.sources.size()];
    for (int i = 0; i < recorded.length; i++) {
      recorded[i] = this.sources.get(i).result.handle((item, error) -> {
        if (error == null && item.isPresent()) {
          arrive(item.get());
        }
        return null;
      });
    }
    this.recorded = List.of(recorded);
    this.done = CompletableFuture.allOf(recorded).handle((v, e) -> summarize());
    done.thenAccept(this::finishFirst);
  }

  /**
   * A stream of one source whose answer is {@code result}: an item, empty for "not found", or an
   * exception for a failure. Cancelling the stream cancels {@code result}; producers watch for
   * that ({@code result.whenComplete}) to stop their work.
   */
  public static LookupStream of(String source, CompletableFuture<Optional<LookupItem>> result) {
    return new LookupStream(List.of(new Source(Objects.requireNonNull(source, "source"), result)));
  }

  /** A stream whose one source has already found {@code item}. */
  public static LookupStream found(String source, LookupItem item) {
    return of(source, CompletableFuture.completedFuture(Optional.of(item)));
  }

  /** A stream whose one source has already said "not found". */
  public static LookupStream notFound(String source) {
    return of(source, CompletableFuture.completedFuture(Optional.empty()));
  }

  /** A stream whose one source has already failed. */
  public static LookupStream failed(String source, Throwable error) {
    return of(source, CompletableFuture.failedFuture(error));
  }

  /** A stream with no sources (a service that does not resolve): absent at once. */
  public static LookupStream empty() {
    return new LookupStream(List.of());
  }

  /**
   * All sources of {@code streams} in one stream; items arrive as each source answers.
   * Cancelling it cancels what cancelling each of them would (a view's reader count included).
   */
  public static LookupStream merge(Collection<LookupStream> streams) {
    List<Source> all = new ArrayList<>();
    for (LookupStream s : streams) {
      all.addAll(s.sources);
    }
    // Cancelled through its parts, so that each part's hook (a view's reader count) runs, once.
    // A merge of streams whose callbacks go to an executor is handed out too: its own go there.
    SerialExecutor lane = null;
    for (LookupStream s : streams) {
      if (s.callbacks != null) {
        lane = s.callbacks.sibling();
        break;
      }
    }
    return new LookupStream(all, null, List.copyOf(streams), lane);
  }

  /** Like {@link #merge(Collection)}. */
  public static LookupStream merge(LookupStream... streams) {
    return merge(List.of(streams));
  }

  /**
   * This stream, with its callbacks on {@code runtime}'s
   * {@linkplain ClientRuntime.Builder#callbackExecutor callback executor}: for lookups that hand
   * streams to the application. Itself when the runtime has none or this stream already has one;
   * otherwise a stream of the same sources whose {@link #cancel()} cancels this one.
   */
  public LookupStream callbacksOn(ClientRuntime runtime) {
    if (callbacks != null) {
      return this;
    }
    SerialExecutor lane = runtime.newCallbackLane();
    return lane == null ? this : new LookupStream(sources, null, List.of(this), lane);
  }

  /** This stream with callbacks where its sources complete: for the client's own bookkeeping. */
  LookupStream withoutCallbacks() {
    return callbacks == null ? this : new LookupStream(sources, null, List.of(this), null);
  }

  private void arrive(LookupItem item) {
    List<Consumer<? super LookupItem>> toCall;
    synchronized (this) {
      arrived.add(item);
      toCall = List.copyOf(listeners);
      if (callbacks != null) {
        // Queued under the lock that orders arrivals: listeners see items in arrival order.
        for (Consumer<? super LookupItem> l : toCall) {
          callbacks.enqueue(() -> deliver(l, item));
        }
      }
    }
    if (callbacks != null) {
      callbacks.flush();
    } else {
      // Listeners first: whoever waits on first() must find their effects (e.g. the resolver's
      // cache insert) already done.
      for (Consumer<? super LookupItem> l : toCall) {
        deliver(l, item);
      }
    }
    // With an executor, first()'s futures complete in the lane, behind the deliveries above.
    first.complete(Optional.of(item));
  }

  /**
   * Calls {@code listener} with every item: at once for items that already arrived, then as the
   * others arrive. A listener registered before an item arrives runs before {@link #first()}
   * completes with that item, so keep listeners short. Returns this stream.
   */
  public LookupStream onItem(Consumer<? super LookupItem> listener) {
    Objects.requireNonNull(listener, "listener");
    List<LookupItem> past;
    synchronized (this) {
      past = List.copyOf(arrived);
      listeners.add(listener);
      if (callbacks != null) {
        for (LookupItem item : past) {
          callbacks.enqueue(() -> deliver(listener, item));
        }
      }
    }
    if (callbacks != null) {
      callbacks.flush();
      return this;
    }
    for (LookupItem item : past) {
      deliver(listener, item);
    }
    return this;
  }

  private static void deliver(Consumer<? super LookupItem> listener, LookupItem item) {
    try {
      listener.accept(item);
    } catch (RuntimeException e) {
      LOG.warn("lookup item listener failed", e);
    }
  }

  /**
   * The first item of any source; see the class description for absent and failed, and for the
   * thread its dependents run on. A new future per call: cancelling it does not cancel the stream.
   */
  public CompletableFuture<Optional<LookupItem>> first() {
    return callbacks == null ? first.copy() : relay(first);
  }

  /** The summary, once every source has ended; a new future per call. */
  public CompletableFuture<LookupSummary> done() {
    return callbacks == null ? done.copy() : relay(done);
  }

  /**
   * A copy of {@code source} completed in this stream's lane, behind the listener calls queued
   * before it. Already complete if {@code source} is and the lane has caught up, or when asked
   * from one of this stream's callbacks (which would wait for itself in the lane).
   */
  private <T> CompletableFuture<T> relay(CompletableFuture<T> source) {
    if (source.isDone() && callbacks.caughtUp()) {
      return source.copy();
    }
    CompletableFuture<T> out = new CompletableFuture<>();
    source.whenComplete((value, error) -> callbacks.execute(() -> {
      if (error == null) {
        out.complete(value);
      } else {
        // as copy() does, so that the copy is not itself "cancelled", and join() says the same
        out.completeExceptionally(error instanceof CompletionException ? error : new CompletionException(error));
      }
    }));
    return out;
  }

  /** Items that arrived so far, in arrival order. */
  public synchronized List<LookupItem> itemsSoFar() {
    return List.copyOf(arrived);
  }

  /** Names of the sources, in order. */
  public List<String> sourceNames() {
    return sources.stream().map(Source::name).toList();
  }

  /** True once every source has ended. */
  public boolean isDone() {
    return done.isDone();
  }

  /** Cancels the sources that have not ended; returns true if any was cancelled. */
  public boolean cancel() {
    boolean any = false;
    if (parts != null) {
      for (LookupStream p : parts) {
        any |= p.cancel();
      }
      return any;
    }
    for (Source s : sources) {
      any |= s.result.cancel(true);
    }
    // Once: cancel(true) also says true for a future cancelled before, so a second cancel()
    // would release a view's reader twice and could stop a lookup another reader still needs.
    if (any && onCancel != null && cancelHookRan.compareAndSet(false, true)) {
      onCancel.run();
    }
    return any;
  }

  /**
   * This stream with every source's item passed through {@code filter}, which may turn it into
   * "not found" (empty). Cancelling the result cancels the sources of this one.
   */
  LookupStream filtered(java.util.function.UnaryOperator<Optional<LookupItem>> filter) {
    List<Source> mapped = new ArrayList<>(sources.size());
    for (Source s : sources) {
      CompletableFuture<Optional<LookupItem>> m = s.result.thenApply(filter);
      m.whenComplete((r, e) -> {
        if (m.isCancelled()) {
          s.result.cancel(true); // producers watch their own future to stop
        }
      });
      mapped.add(new Source(s.name, m));
    }
    return new LookupStream(mapped, onCancel);
  }

  /**
   * Another reader's stream of the same sources: the same items and outcomes, but cancelling it
   * ends only the view (its sources show {@code CANCELLED}) and then runs {@code onCancel},
   * which decides whether the sources themselves stop (when no other reader is left).
   */
  LookupStream view(Runnable onCancel) {
    List<Source> copies = new ArrayList<>(sources.size());
    for (int i = 0; i < sources.size(); i++) {
      Source s = sources.get(i);
      // After this stream's listeners had the item (the resolver's cache among them): a reader
      // of the view that resolves again at once finds it cached.
      copies.add(new Source(s.name, recorded.get(i).thenCompose(ignored -> s.result)));
    }
    return new LookupStream(copies, Objects.requireNonNull(onCancel, "onCancel"));
  }

  private LookupSummary summarize() {
    List<SourceOutcome> outcomes = new ArrayList<>(sources.size());
    for (Source s : sources) {
      outcomes.add(outcome(s));
    }
    List<LookupItem> items;
    synchronized (this) {
      items = List.copyOf(arrived);
    }
    return new LookupSummary(items, outcomes);
  }

  private static SourceOutcome outcome(Source s) {
    CompletableFuture<Optional<LookupItem>> r = s.result;
    if (r.isCancelled()) {
      return new SourceOutcome(s.name, SourceOutcome.Status.CANCELLED, Optional.empty(), Optional.empty());
    }
    try {
      Optional<LookupItem> item = r.join();
      return new SourceOutcome(s.name,
          item.isPresent() ? SourceOutcome.Status.FOUND : SourceOutcome.Status.NOT_FOUND,
          item, Optional.empty());
    } catch (CancellationException e) {
      return new SourceOutcome(s.name, SourceOutcome.Status.CANCELLED, Optional.empty(), Optional.empty());
    } catch (CompletionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      SourceOutcome.Status status = cause instanceof CancellationException
          ? SourceOutcome.Status.CANCELLED : SourceOutcome.Status.FAILED;
      return new SourceOutcome(s.name, status, Optional.empty(), Optional.of(cause));
    }
  }

  private void finishFirst(LookupSummary summary) {
    if (first.isDone()) {
      return;
    }
    if (summary.found()) {
      first.complete(Optional.of(summary.items().get(0)));
    } else if (summary.notFound() || summary.outcomes().isEmpty()) {
      first.complete(Optional.empty());
    } else if (summary.outcomes().stream().allMatch(o -> o.status() == SourceOutcome.Status.CANCELLED)) {
      first.completeExceptionally(new CancellationException("lookup cancelled"));
    } else {
      first.completeExceptionally(new LookupFailedException(summary.outcomes()));
    }
  }

  @Override
  public String toString() {
    return "LookupStream" + sourceNames();
  }
}
