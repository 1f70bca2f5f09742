package dev.keyway.ops;

import dev.keyway.client.InvalidInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;

/**
 * Maps failures of a command to a message and an exit code, once, for every command: bad input
 * is a usage error (2) with the parser's message; I/O problems are failures (1) with the file
 * named; anything else is a bug and keeps its stack trace.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
  @Override
  public int handleExecutionException(
      Exception ex, CommandLine cli, CommandLine.ParseResult parseResult) {
    Throwable e = ex instanceof UncheckedIOException u ? u.getCause() : ex;
    if (e instanceof InvalidInputException) {
      cli.getErr().println("keyway: " + e.getMessage());
      return CommandLine.ExitCode.USAGE;
    }
    if (e instanceof FileAlreadyExistsException f) {
      cli.getErr().println("keyway: " + f.getFile() + " already exists" + reason(f));
      return CommandLine.ExitCode.SOFTWARE;
    }
    if (e instanceof NoSuchFileException f) {
      cli.getErr().println("keyway: no such file: " + f.getFile());
      return CommandLine.ExitCode.SOFTWARE;
    }
    if (e instanceof IOException) {
      cli.getErr().println("keyway: " + e);
      return CommandLine.ExitCode.SOFTWARE;
    }
    if (e instanceof CommandExit exit) {
      if (exit.getMessage() != null) {
        cli.getErr().println("keyway: " + exit.getMessage());
      }
      return exit.code();
    }
    throw ex instanceof RuntimeException r ? r : new IllegalStateException(ex);
  }

  private static String reason(FileAlreadyExistsException f) {
    return f.getReason() == null ? "" : " (" + f.getReason() + ")";
  }
}
