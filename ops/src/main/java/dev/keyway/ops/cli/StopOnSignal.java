package dev.keyway.ops.cli;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * How a serving command stops. SIGTERM, SIGINT (Ctrl-C) and SIGHUP (its terminal went away; there
 * is no configuration to reload) ask it to stop: {@link #await()} returns after {@code close} has
 * run, so the command ends normally and exits 0, as its help says (from a shutdown hook alone the
 * JVM would exit with 128 + the signal's number, which service managers count as a failure). A
 * second signal while it stops exits at once. Anything else that ends the JVM
 * ({@code System.exit}, SIGQUIT aside) still closes it, from a shutdown hook. An interrupt of the
 * waiting thread closes it too (embedded use, as in tests).
 *
 * <p>A signal while the command starts is no different: a serving command creates its
 * {@code StopOnSignal} before it opens anything ({@link #StopOnSignal(String)}), a signal then
 * marks the stop as {@linkplain #requested() requested}, the command skips what it has not started
 * yet and {@link #started} closes what it has, logs that it stopped during start-up and makes the
 * command exit 0. From {@code main} the signals are {@linkplain #holdUntilCommandRuns() held} even
 * before the arguments are parsed; {@link #releaseHeld()} gives a held signal the JVM's behaviour
 * when the command turns out not to serve ({@code keyway key}, {@code relay --check}).
 *
 * <p>The signal handlers are the process's, so they are installed once and dispatch to every
 * command registered at the time (several may run in one JVM, as in tests); with none registered
 * and none to come, a signal does what the JVM would have done.
 */
public final class StopOnSignal {
  /** A command that serves until stopped, and so takes over the signals while it starts. */
  public interface Serving {
    /** Whether this invocation serves (false for a one-shot mode such as {@code --check}). */
    default boolean serves() {
      return true;
    }
  }

  private static final List<String> SIGNALS = List.of("TERM", "INT", "HUP");
  /** Commands starting or waiting for a stop signal now. */
  private static final Set<StopOnSignal> ACTIVE = ConcurrentHashMap.newKeySet();
  /** The JVM's handlers, replaced by {@link #dispatch} on first use; guarded by the class. */
  private static final Map<String, SignalHandler> JVM_HANDLERS = new HashMap<>();
  /** Whether a serving command may still claim signals that come before it runs; guarded by the class. */
  private static boolean holding;
  /** The first signal that came while {@link #holding}; guarded by the class. */
  private static Signal held;

  private final String name;
  private final CountDownLatch requested = new CountDownLatch(1);
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Runnable close;
  private volatile Thread hook;

  /**
   * Starts listening for stop signals for a command that is about to start: a signal from now
   * on (or one {@linkplain #holdUntilCommandRuns() held} since {@code main}) only marks the stop
   * as requested; {@link #started} or {@link #abandon} must follow.
   */
  StopOnSignal(String name) {
    this.name = name;
    // Logging starts here, on this thread: started by the first signal's handler instead, it
    // would race the command's own first log line (SLF4J then warns of "replayed" calls).
    log();
    installHandlers();
    Signal early;
    synchronized (StopOnSignal.class) {
      ACTIVE.add(this);
      early = held;
      held = null;
      holding = false;
    }
    if (early != null) {
      log().info("SIG{} during start-up: stopping once what has started can be closed (send it"
          + " again to exit at once)", early.getName());
      requested.countDown();
    }
  }

  /**
   * Called first thing in {@code main}: signals that come before a serving command has created its
   * {@code StopOnSignal} are kept for it instead of ending the JVM.
   */
  public static void holdUntilCommandRuns() {
    installHandlers();
    synchronized (StopOnSignal.class) {
      holding = true;
    }
  }

  /**
   * The command that runs does not serve: signals get the JVM's behaviour again, including one
   * that came while it was parsed. Does nothing unless {@link #holdUntilCommandRuns()} was called.
   */
  public static void releaseHeld() {
    Signal early;
    synchronized (StopOnSignal.class) {
      holding = false;
      early = held;
      held = null;
    }
    if (early != null) {
      jvmDefault(early);
    }
  }

  /** Whether a stop was asked for: a starting command skips what it has not started yet. */
  boolean requested() {
    return requested.getCount() == 0;
  }

  /**
   * The command has started what it could, which {@code close} closes. Returns true if it is to
   * serve now (then {@link #await()}); false if a stop was asked for while it started, in which
   * case everything is closed already, one line says so, and the command should end normally.
   */
  boolean started(Runnable close) {
    this.close = close;
    Thread h = new Thread(this::closeOnce, "keyway-" + name + "-shutdown");
    try {
      Runtime.getRuntime().addShutdownHook(h);
      hook = h;
    } catch (IllegalStateException shuttingDown) {
      requested.countDown(); // the JVM is exiting: close now rather than from a hook
    }
    if (!requested()) {
      return true;
    }
    await();
    log().info("stopped during start-up; what had started is closed");
    return false;
  }

  /** Starting failed: what the command opened is its to close; stop listening for this one. */
  void abandon() {
    ACTIVE.remove(this);
    removeHook();
  }

  private static Logger log() {
    // Not a static field: logging starts only after LogLevelSetting checked the environment.
    return LoggerFactory.getLogger("keyway");
  }

  private static synchronized void installHandlers() {
    for (String s : SIGNALS) {
      if (JVM_HANDLERS.containsKey(s)) {
        continue;
      }
      try {
        JVM_HANDLERS.put(s, Signal.handle(new Signal(s), StopOnSignal::dispatch));
      } catch (IllegalArgumentException e) {
        // Ignored by the process (started in the background by a shell) or reserved (-Xrs): the
        // signal stays as it is, and so does its exit code.
        log().debug("SIG{} is not handled: {}", s, e.getMessage());
        JVM_HANDLERS.put(s, null);
      }
    }
  }

  private static void dispatch(Signal s) {
    List<StopOnSignal> waiting;
    synchronized (StopOnSignal.class) {
      waiting = List.copyOf(ACTIVE);
      if (waiting.isEmpty() && holding) {
        if (held != null) {
          Runtime.getRuntime().halt(128 + s.getNumber()); // asked twice before anything started
        }
        held = s;
        return;
      }
    }
    if (waiting.isEmpty()) {
      jvmDefault(s);
      return;
    }
    if (waiting.stream().anyMatch(StopOnSignal::requested)) {
      log().warn("SIG{} again while stopping: exiting at once", s.getName());
      Runtime.getRuntime().halt(128 + s.getNumber());
    }
    if (waiting.stream().allMatch(w -> w.close != null)) {
      log().info("SIG{}: stopping gracefully (send it again to exit at once)", s.getName());
    } else {
      log().info("SIG{} during start-up: stopping once what has started can be closed (send it"
          + " again to exit at once)", s.getName());
    }
    for (StopOnSignal w : waiting) {
      w.requested.countDown();
    }
  }

  /** What the JVM does with the signal: exit with 128 + its number, running shutdown hooks. */
  private static void jvmDefault(Signal s) {
    SignalHandler jvm;
    synchronized (StopOnSignal.class) {
      jvm = JVM_HANDLERS.get(s.getName());
    }
    try {
      if (jvm != null) {
        jvm.handle(s);
        return;
      }
    } catch (UnsupportedOperationException nativeHandler) {
      // SIG_DFL and SIG_IGN cannot be called from Java: do what the default would
    }
    new Thread(() -> System.exit(128 + s.getNumber()), "keyway-exit").start();
  }

  /** Waits for a stop signal (or an interrupt), then closes; returns once closed. */
  void await() {
    boolean interrupted = false;
    try {
      requested.await();
    } catch (InterruptedException e) {
      interrupted = true;
    }
    try {
      removeHook();
      closeOnce(); // with the interrupt flag clear, so that close can wait for what it stops
    } finally {
      ACTIVE.remove(this);
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void removeHook() {
    Thread h = hook;
    if (h == null) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(h);
    } catch (IllegalStateException shuttingDown) {
      // the JVM is exiting and the hook closes (or closed) the command
    }
  }

  private void closeOnce() {
    Runnable c = close;
    if (c != null && closed.compareAndSet(false, true)) {
      c.run();
    }
  }
}
