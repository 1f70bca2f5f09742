package dev.keyway.ops.cli;

import dev.keyway.ops.CommandExit;
import picocli.CommandLine;

/**
 * How {@code keyway gossip demo} and {@code keyway gossip swarm} word a failure to start: the
 * {@link StartFailure} a node throws when it cannot listen (the address, the transport and why), and
 * the exit-1 {@link CommandExit} the user sees. {@link #reason} also words the socket errors in
 * {@link GossipJoinWatch}'s warnings.
 */
final class GossipStartFailures {
  private GossipStartFailures() {}

  /** A failure to start as the exit-1 failure the user sees: what could not be done, and why. */
  static CommandExit startFailure(RuntimeException e) {
    if (e instanceof StartFailure f) {
      return new CommandExit(CommandLine.ExitCode.SOFTWARE, f.getMessage());
    }
    Throwable cause = e.getCause() != null ? e.getCause() : e;
    return new CommandExit(CommandLine.ExitCode.SOFTWARE, "cannot start: " + reason(cause));
  }

  /** A start failure whose message says what failed, where and why (shown as is). */
  static final class StartFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StartFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * The reason of a socket error in words: the message, without Netty's native prefix
   * ({@code bind(..) failed with error(-98): Address already in use} becomes
   * {@code Address already in use}).
   */
  static String reason(Throwable e) {
    Throwable t = e;
    while ((t instanceof IllegalStateException || t instanceof java.util.concurrent.CompletionException
        || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    String m = t.getMessage();
    if (m == null || m.isBlank()) {
      return t.getClass().getSimpleName();
    }
    return m.replaceFirst("^\\w+\\(\\.\\.\\) failed(?: with error\\(-?\\d+\\))?: ", "");
  }
}
