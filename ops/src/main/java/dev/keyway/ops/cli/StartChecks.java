package dev.keyway.ops.cli;

import dev.keyway.ops.CommandExit;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;

/**
 * What {@code --check} verifies beyond the config file's syntax, so that a passing check means
 * the server can start: things a start would fail on before binding any port.
 */
final class StartChecks {
  private StartChecks() {}

  /**
   * The data directory can be used: an existing writable directory, or one that can be created
   * (its nearest existing ancestor is a writable directory). Exits 1 otherwise, as a start would.
   */
  static void dataDirectory(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    if (Files.exists(abs)) {
      if (!Files.isDirectory(abs)) {
        throw new CommandExit(CommandLine.ExitCode.SOFTWARE, "data directory " + abs
            + " is not a directory");
      }
      if (!Files.isWritable(abs)) {
        throw new CommandExit(CommandLine.ExitCode.SOFTWARE, "data directory " + abs
            + " is not writable by this user");
      }
      return;
    }
    Path parent = abs.getParent();
    while (parent != null && !Files.exists(parent)) {
      parent = parent.getParent();
    }
    if (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent)) {
      throw new CommandExit(CommandLine.ExitCode.SOFTWARE, "data directory " + abs
          + " does not exist and cannot be created" + (parent == null ? "" : " in " + parent));
    }
  }
}
