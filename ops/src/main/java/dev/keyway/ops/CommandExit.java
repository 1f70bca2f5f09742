package dev.keyway.ops;

/** Ends a command with a specific exit code and an optional message for stderr. */
public final class CommandExit extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int code;

  public CommandExit(int code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  /** The process exit code. */
  public int code() {
    return code;
  }
}
