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
 * How a serving command stops. Once it runs, SIGTERM, SIGINT (Ctrl-C) and SIGHUP (its terminal
 * went away; there is no configuration to reload) ask it to stop:
 * {@link #await()} returns after {@code close} has run, so the command ends normally and exits 0,
 * as its help says (from a shutdown hook alone the JVM would exit with 128 + the signal's number,
 * which service managers count as a failure). A second signal while it stops exits at once.
 * Anything else that ends the JVM ({@code System.exit}, SIGQUIT aside) still closes it, from a
 * shutdown hook. An interrupt of the waiting thread closes it too (embedded use, as in tests).
 *
 * <p>The signal handlers are the process's, so they are installed once and dispatch to every
 * command waiting at the time (several may run in one JVM, as in tests); with none waiting, a
 * signal does what the JVM would have done. A signal before the command is up (while it starts)
 * also gets the JVM's behaviour.
 */
final class StopOnSignal {
  private static final Logger LOG = LoggerFactory.getLogger("keyway");
  private static final List<String> SIGNALS = List.of("TERM", "INT", "HUP");
  /** Commands waiting for a stop signal now. */
  private static final Set<StopOnSignal> ACTIVE = ConcurrentHashMap.newKeySet();
  /** The JVM's handlers, replaced by {@link #dispatch} on first use; guarded by the class. */
  private static final Map<String, SignalHandler> JVM_HANDLERS = new HashMap<>();

  private final CountDownLatch requested = new CountDownLatch(1);
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Runnable close;
  private final Thread hook;

  /** Starts listening for stop signals and registers the shutdown hook now. */
  StopOnSignal(String name, Runnable close) {
    this.close = close;
    this.hook = new Thread(this::closeOnce, "keyway-" + name + "-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    installHandlers();
    ACTIVE.add(this);
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
        LOG.debug("SIG{} is not handled: {}", s, e.getMessage());
        JVM_HANDLERS.put(s, null);
      }
    }
  }

  private static void dispatch(Signal s) {
    List<StopOnSignal> waiting = List.copyOf(ACTIVE);
    if (waiting.isEmpty()) {
      jvmDefault(s);
      return;
    }
    if (waiting.stream().anyMatch(w -> w.requested.getCount() == 0)) {
      LOG.warn("SIG{} again while stopping: exiting at once", s.getName());
      Runtime.getRuntime().halt(128 + s.getNumber());
    }
    LOG.info("SIG{}: stopping gracefully (send it again to exit at once)", s.getName());
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
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the JVM is exiting and the hook closes (or closed) the command
      }
      closeOnce(); // with the interrupt flag clear, so that close can wait for what it stops
    } finally {
      ACTIVE.remove(this);
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void closeOnce() {
    if (closed.compareAndSet(false, true)) {
      close.run();
    }
  }
}
