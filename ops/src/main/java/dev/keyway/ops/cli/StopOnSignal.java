package dev.keyway.ops.cli;

import java.util.concurrent.CountDownLatch;

/**
 * How a serving command stops: {@code close} runs once, from a shutdown hook on SIGTERM or Ctrl-C,
 * or from {@link #await()} when the waiting thread is interrupted (embedded use, as in tests).
 */
final class StopOnSignal {
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Runnable close;
  private final Thread hook;

  /** Registers the shutdown hook now (thread {@code keyway-NAME-shutdown}). */
  StopOnSignal(String name, Runnable close) {
    this.close = close;
    this.hook = new Thread(() -> {
      close.run();
      stopped.countDown();
    }, "keyway-" + name + "-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Waits until a signal has stopped the command, or closes it here on interrupt. */
  void await() {
    try {
      stopped.await();
    } catch (InterruptedException e) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running already
      }
      close.run();
      Thread.currentThread().interrupt();
    }
  }
}
