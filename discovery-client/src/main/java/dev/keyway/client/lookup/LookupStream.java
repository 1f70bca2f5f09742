package dev.keyway.client.lookup;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
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
 *       exceptionally. {@code first()} is always complete by then, so a {@code done()} callback
 *       may read it.
 * </ul>
 * <h2>Threads</h2>
 * Streams handed out by a {@link Resolver} or by the runtime's lookups follow the runtime's
 * {@linkplain ClientRuntime.Builder#callbackExecutor callback executor}, if one is set: every
 * listener call and every completion of the futures of {@link #first()} and {@link #done()} then
 * runs on it, in the stream's lane: one at a time, in order (items in arrival order,
 * {@code first()} after the listeners had its item, {@code done()} after the last item and after
 * {@code first()}), and may block. {@link #isDone()} and {@link #itemsSoFar()} tell what the
 * sources did, which the lane may not have passed on yet.
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
  /** Sources, items, listeners and futures; shared with the streams that present this one. */
  private final State state;
  /** Where this stream's callbacks run, in order; null: on the thread that completes them. */
  private final SerialExecutor callbacks;
  /** The stream this one presents on {@link #callbacks} (see {@link #callbacksOn}), or null. */
  private final LookupStream origin;
  /** Run by {@link #cancel()} of a {@link #view}, or null. */
  private final Runnable onCancel;
  /** Whether {@link #onCancel} ran. */
  private final AtomicBoolean cancelHookRan = new AtomicBoolean();
  /** The streams a {@link #merge} was made of (cancelled through them), or null. */
  private final List<LookupStream> parts;

  private record Source(String name, CompletableFuture<Optional<LookupItem>> result) {}

  /** A listener and the lane its calls go to (null: called where the item arrives). */
  private record Listener(Consumer<? super LookupItem> consumer, SerialExecutor lane) {}

  private LookupStream(List<Source> sources) {
    this(sources, null);
  }

  private LookupStream(List<Source> sources, Runnable onCancel) {
    this(sources, onCancel, null);
  }

  private LookupStream(List<Source> sources, Runnable onCancel, List<LookupStream> parts) {
    this.state = new State(sources);
    this.callbacks = null;
    this.origin = null;
    this.onCancel = onCancel;
    this.parts = parts;
  }

  /**
   * {@code origin} with its callbacks on {@code lane}: the same state, so it costs no future
   * dependents of its own (the lookups hand these out, and a resolver strips them again).
   */
  private LookupStream(LookupStream origin, SerialExecutor lane) {
    this.state = origin.state;
    this.callbacks = lane;
    this.origin = origin;
    this.onCancel = null;
    this.parts = null;
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
   * If any of them has its callbacks on a runtime's callback executor, so does the merge, in a
   * lane of its own.
   */
  public static LookupStream merge(Collection<LookupStream> streams) {
    List<Source> all = new ArrayList<>();
    SerialExecutor lane = null;
    for (LookupStream s : streams) {
      all.addAll(s.state.sources);
      if (lane == null && s.callbacks != null) {
        lane = s.callbacks.sibling();
      }
    }
    // Cancelled through its parts, so that each part's hook (a view's reader count) runs, once.
    LookupStream merged = new LookupStream(all, null, List.copyOf(streams));
    // A merge of streams handed out to the application is handed out too: its callbacks go there.
    return lane == null ? merged : new LookupStream(merged, lane);
  }

  /** Like {@link #merge(Collection)}. */
  public static LookupStream merge(LookupStream... streams) {
    return merge(List.of(streams));
  }

  /**
   * This stream, with its callbacks on {@code runtime}'s
   * {@linkplain ClientRuntime.Builder#callbackExecutor callback executor}: for lookups that hand
   * streams to the application. Itself when the runtime has none or this stream already has one;
   * otherwise a stream of the same sources and items, with a lane of its own, whose
   * {@link #cancel()} cancels this one. Cheap: it shares this stream's state.
   */
  public LookupStream callbacksOn(ClientRuntime runtime) {
    if (callbacks != null) {
      return this;
    }
    SerialExecutor lane = runtime.newCallbackLane();
    return lane == null ? this : new LookupStream(this, lane);
  }

  /**
   * This stream with callbacks where its sources complete, for the client's own bookkeeping:
   * the stream {@link #callbacksOn} presented, at no cost.
   */
  LookupStream withoutCallbacks() {
    return origin != null ? origin : this;
  }

  /**
   * Calls {@code listener} with every item: first those that already arrived, then the others as
   * they arrive. A listener registered before an item arrives has it before {@link #first()}
   * completes with that item. Returns this stream.
   *
   * <p>Without a callback executor the calls for items already here run at once on the calling
   * thread, the others on the thread that completes a source (often the client's loop), before
   * {@code first()}'s dependents: keep such listeners short. With one, every call runs in this
   * stream's lane on the executor, after the callbacks queued before it; this method returns
   * without waiting for them.
   */
  public LookupStream onItem(Consumer<? super LookupItem> listener) {
    Objects.requireNonNull(listener, "listener");
    List<LookupItem> past = state.listen(new Listener(listener, callbacks));
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
   * It completes before {@link #done()} does.
   */
  public CompletableFuture<Optional<LookupItem>> first() {
    if (callbacks == null) {
      return state.first.copy();
    }
    if (state.first.isDone() && callbacks.caughtUp()) {
      return state.first.copy();
    }
    return relay(state.first);
  }

  /**
   * The summary, once every source has ended and {@link #first()} is complete; a new future per
   * call.
   */
  public CompletableFuture<LookupSummary> done() {
    // Known before the future completes (first() completes in between): asked from a first()
    // callback of a stream without items, it is returned complete, as before.
    LookupSummary known = state.summary;
    if (known != null && state.first.isDone() && (callbacks == null || callbacks.caughtUp())) {
      return CompletableFuture.completedFuture(known);
    }
    return callbacks == null ? state.done.copy() : relay(state.done);
  }

  /** A copy of {@code source} completed in this stream's lane, behind the callbacks queued before. */
  private <T> CompletableFuture<T> relay(CompletableFuture<T> source) {
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

  /**
   * Items that arrived so far, in arrival order. With a callback executor this may list items
   * that this stream's listeners have not been called with yet: their calls wait in the lane.
   */
  public List<LookupItem> itemsSoFar() {
    return state.items();
  }

  /** Names of the sources, in order. */
  public List<String> sourceNames() {
    return state.sources.stream().map(Source::name).toList();
  }

  /**
   * True once every source has ended. With a callback executor it may be true before the
   * futures {@link #first()} and {@link #done()} handed out have completed, and before the last
   * listener calls ran: those wait in the stream's lane. Wait on {@code done()} to know that.
   */
  public boolean isDone() {
    return state.summary != null;
  }

  /** Cancels the sources that have not ended; returns true if any was cancelled. */
  public boolean cancel() {
    if (origin != null) {
      return origin.cancel();
    }
    boolean any = false;
    if (parts != null) {
      for (LookupStream p : parts) {
        any |= p.cancel();
      }
      return any;
    }
    for (Source s : state.sources) {
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
    List<Source> mapped = new ArrayList<>(state.sources.size());
    for (Source s : state.sources) {
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
    List<Source> copies = new ArrayList<>(state.sources.size());
    for (int i = 0; i < state.sources.size(); i++) {
      Source s = state.sources.get(i);
      // After this stream's listeners had the item (the resolver's cache among them): a reader
      // of the view that resolves again at once finds it cached.
      copies.add(new Source(s.name, state.recorded.get(i).thenCompose(ignored -> s.result)));
    }
    return new LookupStream(copies, Objects.requireNonNull(onCancel, "onCancel"));
  }

  @Override
  public String toString() {
    return "LookupStream" + sourceNames();
  }

  /**
   * What a stream knows, shared by the streams that present it with and without a lane: the
   * sources, the items in arrival order, the listeners (each with its lane), and the futures.
   */
  private static final class State {
    final List<Source> sources;
    /** Per source: done once its item (if any) has reached the listeners. */
    final List<CompletableFuture<?>> recorded;
    final CompletableFuture<Optional<LookupItem>> first = new CompletableFuture<>();
    final CompletableFuture<LookupSummary> done;
    /** The summary, set just before {@link #first} and {@link #done} complete; or null. */
    volatile LookupSummary summary;
    // guarded by this
    private final List<LookupItem> arrived = new ArrayList<>();
    private final List<Listener> listeners = new ArrayList<>();

    State(List<Source> sources) {
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
      // first() completes here, before done(): a dependent of done() (one added after a
      // dependent that completed first(), which the JDK may run before it) finds first() done,
      // and in a lane the first() relays are queued before the done() ones.
      this.done = CompletableFuture.allOf(recorded).handle((v, e) -> {
        LookupSummary s = summarize();
        summary = s;
        finishFirst(s);
        return s;
      });
    }

    /** Adds {@code l}; returns the items it missed, already queued in its lane if it has one. */
    synchronized List<LookupItem> listen(Listener l) {
      List<LookupItem> past = List.copyOf(arrived);
      listeners.add(l);
      if (l.lane() != null) {
        for (LookupItem item : past) {
          l.lane().enqueue(() -> deliver(l.consumer(), item));
        }
      }
      return past;
    }

    synchronized List<LookupItem> items() {
      return List.copyOf(arrived);
    }

    private void arrive(LookupItem item) {
      List<Listener> toCall;
      synchronized (this) {
        arrived.add(item);
        toCall = List.copyOf(listeners);
        // Queued under the lock that orders arrivals: every lane sees items in arrival order.
        for (Listener l : toCall) {
          if (l.lane() != null) {
            l.lane().enqueue(() -> deliver(l.consumer(), item));
          }
        }
      }
      // Listeners first: whoever waits on first() must find their effects (e.g. the resolver's
      // cache insert) already done. In a lane, first()'s relays queue behind these calls.
      for (Listener l : toCall) {
        if (l.lane() != null) {
          l.lane().flush();
        } else {
          deliver(l.consumer(), item);
        }
      }
      first.complete(Optional.of(item));
    }

    private LookupSummary summarize() {
      List<SourceOutcome> outcomes = new ArrayList<>(sources.size());
      for (Source s : sources) {
        outcomes.add(outcome(s));
      }
      return new LookupSummary(items(), outcomes);
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
  }
}
