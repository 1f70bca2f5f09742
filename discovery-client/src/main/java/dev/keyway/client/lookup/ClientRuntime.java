package dev.keyway.client.lookup;

import dev.keyway.client.packet.MicrosClock;
import dev.keyway.client.packet.Timestamps;
import java.lang.reflect.Method;
import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every lookup and publisher of one client shares: the time, the randomness, the one
 * {@link EventLoop} thread (timers and DNS sockets) and the JDK {@link HttpClient} with its
 * executor. Build one, hand it to the builders of {@code DnsLookup}, {@code DohLookup},
 * {@code PkarrRelayLookup}, {@code PkarrPublisher} and {@link Resolver}, and close it last.
 *
 * <h2>Threads</h2>
 * A runtime owns at most: the loop thread {@code keyway-client-loop-N} (started lazily, on the
 * first timer or socket), and the HTTP executor threads {@code keyway-client-http-N} (a cached
 * pool, so none while idle), plus, shared by every runtime of the process, the daemon thread
 * {@code keyway-client-watch} while any loop runs (it reports a loop held by one task for over a
 * second, and ends with the last loop). With a {@linkplain Builder#scheduler manual scheduler} timers run on
 * the test's thread and the loop starts only for sockets. The JDK's HTTP client also has its own
 * selector thread; on Java 21 and later {@link #close()} shuts it down, on Java 17 it ends once
 * the client is unreachable (the runtime drops its reference on close). The JDK completes the
 * futures of {@code sendAsync} on its {@code CompletableFuture} default executor (short-lived
 * unnamed threads when the common pool has parallelism 1, as on 2 cores), not on the executor;
 * those threads end with their task. An
 * {@linkplain Builder#httpClient injected HTTP client} is never closed by the runtime.
 *
 * <h2>Where application callbacks run</h2>
 * By default, callbacks of the futures and listeners the client hands out run on the thread that
 * completes them: the loop thread for DNS answers and timeouts, a JDK thread for HTTP answers.
 * They must not block then, or every DNS answer and timer of the client waits. With
 * {@link Builder#callbackExecutor} they run on the application's executor instead, in serial
 * lanes: one per {@link LookupStream} (its listeners and the futures of its {@code first()} and
 * {@code done()}, in order), one per {@code PkarrPublisher} <em>listener</em> (listeners of one
 * publisher may run concurrently), and a fresh one per answer that completes
 * {@code publishNow()} futures. Callbacks of different lanes may run concurrently; there they
 * may block. What {@link #close()} and a publisher's {@code close()} complete is described there.
 *
 * <p>{@link #close()} stops all of them, fails the lookups and publish rounds still running, and
 * fails further use, all with {@link IllegalStateException}. Thread-safe.
 */
public final class ClientRuntime implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClientRuntime.class);
  private static final AtomicLong HTTP_THREADS = new AtomicLong();

  /** Longest {@link #close()} waits for queued callbacks on the callback executor. */
  public static final Duration CLOSE_WAIT = Duration.ofSeconds(1);

  /** Default for HTTP requests that set no timeout of their own. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private final MicrosClock clock;
  private final Timestamps timestamps;
  private final Scheduler injectedScheduler;
  private final RandomGenerator random;
  private final HttpClient injectedHttp;
  /** Lanes on the application's callback executor, or null: callbacks run where they complete. */
  private final CallbackLanes callbackLanes;
  private EventLoop loop;
  private ExecutorService httpExecutor;
  private HttpClient http;
  private boolean closed;
  /** Per key and relay URL: see {@link #publishFloor}. */
  private final ConcurrentHashMap<String, AtomicLong> publishFloors = new ConcurrentHashMap<>();
  /** Futures of operations in progress, failed by {@link #close()}. */
  private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();

  private ClientRuntime(Builder b) {
    this.injectedScheduler = b.scheduler;
    this.clock = b.scheduler != null ? b.scheduler.clock()
        : b.clock != null ? b.clock : MicrosClock.system();
    this.timestamps = b.scheduler == null && b.clock == null ? Timestamps.system()
        : new Timestamps(clock);
    this.random = b.random != null ? b.random : new SecureRandom();
    this.injectedHttp = b.httpClient;
    this.callbackLanes = b.callbackExecutor == null ? null : new CallbackLanes(b.callbackExecutor);
  }

  /** A runtime on the system clock, with secure randomness and its own HTTP client. */
  public static ClientRuntime create() {
    return builder().build();
  }

  /** Starts a builder; every setting has a default. */
  public static Builder builder() {
    return new Builder();
  }

  /** Wall-clock time in microseconds. */
  public MicrosClock clock() {
    return clock;
  }

  /**
   * Signed-packet timestamps for every publisher on this runtime, from one sequence: a publisher
   * made after another (a reconfiguration) never signs before it, even if the clock stepped back
   * meanwhile, as iroh's timestamps never go back within a process (unless the clock stepped back
   * by more than {@link Timestamps#MAX_AHEAD}; {@link #publishFloor} covers that case). On the
   * system clock this is the process-wide {@link Timestamps#system()}.
   */
  public Timestamps timestamps() {
    return timestamps;
  }

  /**
   * The lowest timestamp the next packet of {@code key} sent to {@code relay} may carry: one
   * above every packet of that key the relay may hold from a publisher on this runtime. Shared by
   * those publishers, so that one made after another for the same key signs above what the first
   * left on each relay, whatever the clock did meanwhile (an iroh relay answers 204 to an older
   * packet and keeps the newer one). Used by {@code PkarrPublisher}.
   */
  public AtomicLong publishFloor(dev.keyway.client.keys.PublicKey key, java.net.URI relay) {
    return publishFloors.computeIfAbsent(key.toZ32() + " " + relay, k -> new AtomicLong(Long.MIN_VALUE));
  }

  /**
   * Makes a new lane: an executor for one sequence of application callbacks (one publisher
   * listener's calls, say), for components that call application code. Each call makes a new,
   * independent lane: tasks given to one lane run one at a time, in the order given; tasks of
   * different lanes may run concurrently. With a {@linkplain Builder#callbackExecutor callback
   * executor} they run on that executor (on the calling thread if it refuses them, see there);
   * without one, each runs at once on the calling thread, as before. A task that throws is
   * logged, and the next one runs.
   */
  public Executor newSerialCallbackExecutor() {
    SerialExecutor lane = newCallbackLane();
    return lane != null ? lane : ClientRuntime::runLogged;
  }

  private static void runLogged(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      LOG.warn("keyway client callback failed", e);
    }
  }

  /** A lane on the callback executor, or null when callbacks run where they complete. */
  SerialExecutor newCallbackLane() {
    return callbackLanes == null ? null : callbackLanes.newLane();
  }

  /** Randomness for DNS query ids and jitter. */
  public RandomGenerator random() {
    return random;
  }

  /** Where timers run: the injected scheduler, or the loop. */
  public Scheduler scheduler() {
    synchronized (this) {
      checkOpen();
    }
    return injectedScheduler != null ? injectedScheduler : loop();
  }

  /** The loop thread for sockets (started on first use). */
  public synchronized EventLoop loop() {
    checkOpen();
    if (loop == null) {
      loop = new EventLoop(clock);
    }
    return loop;
  }

  /** The HTTP client (created on first use unless injected). */
  public synchronized HttpClient http() {
    checkOpen();
    if (injectedHttp != null) {
      return injectedHttp;
    }
    if (http == null) {
      ThreadFactory threads = r -> {
        Thread t = new Thread(r, "keyway-client-http-" + HTTP_THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
      };
      httpExecutor = Executors.newCachedThreadPool(threads);
      http = HttpClient.newBuilder()
          .executor(httpExecutor)
          .connectTimeout(DEFAULT_CONNECT_TIMEOUT)
          // as reqwest (iroh) does: a relay or DoH URL that moved (http to https, a new path)
          // keeps working; never from https to http
          .followRedirects(HttpClient.Redirect.NORMAL)
          .build();
    }
    return http;
  }

  /**
   * Registers the future of an operation that runs on this runtime (a lookup, a publish round):
   * if the runtime is closed before it completes, it fails with an
   * {@link IllegalStateException} instead of waiting forever for timers and sockets that are
   * gone. Returns {@code future}.
   */
  public <T> CompletableFuture<T> track(CompletableFuture<T> future) {
    synchronized (this) {
      if (!closed) {
        pending.add(future);
        future.whenComplete((r, e) -> pending.remove(future));
        return future;
      }
    }
    future.completeExceptionally(closedWhilePending());
    return future;
  }

  private static IllegalStateException closedWhilePending() {
    return new IllegalStateException("keyway client runtime closed before the operation completed");
  }

  /** True once {@link #close()} was called. */
  public synchronized boolean isClosed() {
    return closed;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("keyway client runtime is closed");
    }
  }

  /**
   * Stops the loop and the HTTP executor, and fails the {@linkplain #track tracked} operations
   * still running (lookups, publish rounds) with an {@link IllegalStateException}; idempotent.
   * With a {@linkplain Builder#callbackExecutor callback executor}, then waits up to
   * {@link #CLOSE_WAIT} for the callbacks queued so far (those failures' among them) to have run
   * there, not counting those of the calling thread's own lane when called from a callback. On
   * one of that executor's own threads (one it has run callbacks on, such as the single thread
   * of a UI toolkit's executor) it does not wait: the callbacks may be queued behind the caller,
   * and run once it returns. It never shuts that executor down.
   */
  @Override
  public void close() {
    EventLoop l;
    ExecutorService ex;
    HttpClient h;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      l = loop;
      ex = httpExecutor;
      h = http;
      loop = null;
      httpExecutor = null;
      http = null;
    }
    if (l != null) {
      l.close();
    }
    if (h != null) {
      shutdownNow(h);
    }
    if (ex != null) {
      ex.shutdownNow();
    }
    for (CompletableFuture<?> f : List.copyOf(pending)) {
      f.completeExceptionally(closedWhilePending());
    }
    // The failures above set callbacks off on the application's executor: give them a moment,
    // so that an executor shut down right after this call does not strand them.
    if (callbackLanes != null && !callbackLanes.awaitIdle(CLOSE_WAIT)) {
      LOG.debug("closed with {} callback lanes still busy", callbackLanes.busyLanes());
    }
  }

  /** Lanes on the callback executor, or null without one (tests observe their close waits). */
  CallbackLanes callbackLanes() {
    return callbackLanes;
  }

  /** Java 21 added {@code HttpClient.shutdownNow()}; on 17 the client ends when unreachable. */
  private static void shutdownNow(HttpClient h) {
    try {
      Method m = HttpClient.class.getMethod("shutdownNow");
      m.invoke(h);
    } catch (NoSuchMethodException older) {
      // Java 17: the selector thread exits once the client is garbage
    } catch (ReflectiveOperationException | RuntimeException e) {
      // best effort
    }
  }

  /** Settings of a {@link ClientRuntime}. */
  public static final class Builder {
    private MicrosClock clock; // null: the system clock
    private Scheduler scheduler;
    private RandomGenerator random;
    private HttpClient httpClient;
    private Executor callbackExecutor;

    private Builder() {}

    /** Wall clock for timestamps and cache ages (default: the system UTC clock). */
    public Builder clock(MicrosClock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Where timers run; its clock replaces {@link #clock}. For tests: a manual scheduler. */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** Randomness for query ids and jitter (default: {@link SecureRandom}; seed it in tests). */
    public Builder random(RandomGenerator random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /** Use this HTTP client instead of creating one; the caller keeps ownership. */
    public Builder httpClient(HttpClient httpClient) {
      this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
      return this;
    }

    /**
     * Where application callbacks run (default: none, see below): {@link LookupStream#onItem}
     * listeners and the dependents of the futures of {@link LookupStream#first()} and
     * {@link LookupStream#done()}, and a {@code PkarrPublisher}'s outcome listeners and
     * {@code publishNow} futures. The client completes the futures it hands out on this
     * executor, so that their dependents run there; timers, socket reads and parsing stay on the
     * client's threads.
     *
     * <p>Callbacks run in serial lanes on the executor; a lane holds no thread, only a queue, and
     * its callbacks run one at a time, in the order produced, on whichever executor thread is
     * free. Each {@link LookupStream} handed to the application has a lane: its items in arrival
     * order, {@code first()} after the listeners had that item, {@code done()} after the last
     * item and after {@code first()}. Each listener of a {@code PkarrPublisher} has a lane of its
     * own (its outcomes in order; listeners of one publisher may run concurrently), and the
     * {@code publishNow} futures an answer completes get a fresh lane, so that a listener that
     * waits for a round holds up neither. Lanes run concurrently with each other.
     *
     * <p>With it, a callback may block, e.g. wait for another lookup of the same runtime, as long
     * as the executor has a free thread for that lookup's callbacks (a single-thread executor has
     * not). A callback must not wait for a later callback of its own lane (say, for another item
     * inside an {@code onItem} listener): they run one at a time. A future asked for once its
     * outcome is known and its lane has caught up (or from one of the lane's callbacks) is
     * returned complete, and dependents added to a complete future run on the thread that adds
     * them, as with any {@code CompletableFuture}; {@code *Async} methods choose their own
     * executor as usual. A callback that throws is logged and the next one runs, with or without
     * an executor.
     *
     * <p>What the executor must do:
     * <ul>
     *   <li>{@code execute} must neither block nor run the task on the calling thread: it is
     *       called on the client's loop and HTTP threads. With {@code Runnable::run} or
     *       {@code CallerRunsPolicy} callbacks work and keep their order, but run back on those
     *       threads, where they must not block.
     *   <li>It must run every task it accepts: no {@code DiscardPolicy} or
     *       {@code DiscardOldestPolicy}, and no {@code shutdownNow()} while the runtime is open.
     *       A lane whose task was accepted and then dropped never runs again, and its futures
     *       never complete.
     *   <li>Shut it down after {@linkplain ClientRuntime#close() closing} the runtime, with
     *       {@code shutdown()} then {@code awaitTermination}: close fails the operations still
     *       running, which sets their callbacks off on the executor, and waits up to
     *       {@link ClientRuntime#CLOSE_WAIT} for the queued ones to have run (not for ever: a
     *       callback may be blocked; not at all when closed on one of the executor's threads,
     *       where they may be queued behind the caller). The runtime never shuts the executor
     *       down.
     * </ul>
     * If it refuses a task anyway ({@link java.util.concurrent.RejectedExecutionException}, or
     * any other exception or error from {@code execute}), the callbacks of that lane run on the
     * thread that produced them (usually the loop) rather than being dropped, so that nothing
     * waits forever for a future; refusals are logged at WARN at most once a minute (with the
     * count since the last warning), the others at DEBUG.
     *
     * <p>Without an executor (the default) callbacks run on the thread that completes them, as in
     * earlier versions: the loop thread for DNS answers and timeouts, a JDK thread for HTTP
     * answers, the caller's thread for what is already known. The default stays so because a
     * hand-off costs a thread switch per callback, changes the thread (and thread-locals) that
     * existing callbacks see, and a shared default pool (the common pool has one thread on two
     * cores) would still let blocking callbacks starve each other: only the application knows
     * which executor fits. Without one a callback that holds the loop for over a second is logged
     * with its stack.
     */
    public Builder callbackExecutor(Executor executor) {
      this.callbackExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    public ClientRuntime build() {
      return new ClientRuntime(this);
    }
  }
}
