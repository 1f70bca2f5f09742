package dev.keyway.ops.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * How a serving command stops. SIGTERM and SIGINT (Ctrl-C) ask it to stop: {@link #await()}
 * returns after {@code close} has run, so the command ends normally and exits 0, as its help
 * says (from a shutdown hook alone the JVM would exit with 128 + the signal's number, which
 * service managers count as a failure). A second signal while it stops exits at once. Anything
 * else that ends the JVM (SIGHUP, {@code System.exit}) still closes it, from a shutdown hook.
 * An interrupt of the waiting thread closes it too (embedded use, as in tests).
 */
final class StopOnSignal {
  private static final Logger LOG = LoggerFactory.getLogger("keyway");
  private static final List<String> SIGNALS = List.of("TERM", "INT");

  private final CountDownLatch requested = new CountDownLatch(1);
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Runnable close;
  private final Thread hook;
  private final List<Restore> previous = new ArrayList<>();

  private record Restore(Signal signal, SignalHandler handler) {}

  /** Installs the signal handlers and the shutdown hook now (thread {@code keyway-NAME-shutdown}). */
  StopOnSignal(String name, Runnable close) {
    this.close = close;
    this.hook = new Thread(this::closeOnce, "keyway-" + name + "-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    for (String s : SIGNALS) {
      try {
        Signal signal = new Signal(s);
        previous.add(new Restore(signal, Signal.handle(signal, this::signalled)));
      } catch (IllegalArgumentException e) {
        // The JVM reserves the signal here (-Xrs, or another OS): the shutdown hook stops us.
        LOG.debug("cannot handle SIG{}: {}", s, e.getMessage());
      }
    }
  }

  private void signalled(Signal s) {
    if (requested.getCount() == 0) {
      LOG.warn("SIG{} again while stopping: exiting at once", s.getName());
      Runtime.getRuntime().halt(128 + s.getNumber());
    }
    LOG.info("SIG{}: stopping gracefully (send it again to exit at once)", s.getName());
    requested.countDown();
  }

  /** Waits for a stop signal (or an interrupt), then closes; returns once closed. */
  void await() {
    try {
      requested.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the JVM is exiting and the hook closes (or closed) the command
    }
    closeOnce();
    for (Restore r : previous) {
      Signal.handle(r.signal(), r.handler()); // the JVM's own handlers, for whatever runs next
    }
  }

  private void closeOnce() {
    if (closed.compareAndSet(false, true)) {
      close.run();
    }
  }
}
