package dev.keyway.ops;

import dev.keyway.client.InvalidInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import picocli.CommandLine;

/**
 * Maps failures of a command to a message and an exit code, once, for every command: bad input
 * is a usage error (2) with the parser's message; I/O problems are failures (1) with the file
 * named; anything else is a bug and keeps its stack trace.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
  /** {@code <3>} under systemd's journal, so that the reason is filed as an error. */
  private static final String PREFIX = dev.keyway.ops.log.JournalStream.errorPrefix();

  @Override
  public int handleExecutionException(
      Exception ex, CommandLine cli, CommandLine.ParseResult parseResult) {
    if (ex instanceof UncheckedIOException u && u.getMessage() != null
        && !u.getMessage().equals(String.valueOf(u.getCause()))) {
      // Our own wrappers say what was being done ("relay cannot listen on 127.0.0.1:6881");
      // the cause alone ("BindException: Address already in use") would lose that.
      cli.getErr().println(PREFIX + "keyway: " + withReason(u.getMessage(), u.getCause()));
      return CommandLine.ExitCode.SOFTWARE;
    }
    Throwable e = ex instanceof UncheckedIOException u ? u.getCause() : ex;
    if (e instanceof InvalidInputException) {
      cli.getErr().println(PREFIX + "keyway: " + e.getMessage());
      return CommandLine.ExitCode.USAGE;
    }
    if (e instanceof FileAlreadyExistsException f) {
      cli.getErr().println(PREFIX + "keyway: " + f.getFile() + " already exists" + reason(f));
      return CommandLine.ExitCode.SOFTWARE;
    }
    if (e instanceof IOException io) {
      cli.getErr().println(PREFIX + "keyway: " + describe(io));
      return CommandLine.ExitCode.SOFTWARE;
    }
    if (e instanceof CommandExit exit) {
      if (exit.getMessage() != null) {
        cli.getErr().println(PREFIX + "keyway: " + exit.getMessage());
      }
      return exit.code();
    }
    throw ex instanceof RuntimeException r ? r : new IllegalStateException(ex);
  }

  /**
   * An I/O failure in words: the file and what went wrong. The JDK's file exceptions carry only
   * the path as their message, so the kind of failure comes from the exception's type.
   */
  static String describe(IOException e) {
    if (e instanceof AccessDeniedException f) {
      return f.getFile() + ": permission denied";
    }
    if (e instanceof NoSuchFileException f) {
      return f.getFile() + ": no such file or directory";
    }
    if (e instanceof NotDirectoryException f) {
      return f.getFile() + ": not a directory";
    }
    if (e instanceof FileSystemException f && f.getFile() != null) {
      return f.getFile() + ": " + (f.getReason() != null ? f.getReason() : kind(e));
    }
    return e.getMessage() != null ? e.getMessage() : kind(e);
  }

  /** {@code context} and, unless it says it already, the reason of {@code cause}. */
  private static String withReason(String context, Throwable cause) {
    if (!(cause instanceof IOException io)) {
      return context;
    }
    String reason = describe(io);
    return context.contains(reason) ? context : context + " (" + reason + ")";
  }

  private static String kind(Throwable e) {
    return e.getClass().getSimpleName().replaceAll("(Exception|Error)$", "")
        .replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(java.util.Locale.ROOT);
  }

  private static String reason(FileAlreadyExistsException f) {
    return f.getReason() == null ? "" : " (" + f.getReason() + ")";
  }
}
