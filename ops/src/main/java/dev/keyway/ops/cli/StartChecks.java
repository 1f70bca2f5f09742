package dev.keyway.ops.cli;

import dev.keyway.ops.CommandExit;
import dev.keyway.relay.store.H2Dialect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import picocli.CommandLine;

/**
 * What {@code --check} verifies beyond the config file's syntax, so that a passing check means
 * the server can start: things a start would fail on before binding any port.
 */
final class StartChecks {
  private StartChecks() {}

  /**
   * The value of {@code --data-dir}: a path, never empty. An empty value ({@code --data-dir=}, a
   * variable that was not set) would be the working directory without a word; {@code .} says it.
   */
  static final class DataDirConverter implements CommandLine.ITypeConverter<Path> {
    @Override
    public Path convert(String value) {
      if (value.isBlank()) {
        throw new CommandLine.TypeConversionException("the directory must not be empty (an empty"
            + " value would mean the working directory: write . if that is meant)");
      }
      return Path.of(value);
    }
  }

  /**
   * The data directory can be used: an existing writable directory whose database file, if there
   * is one, is writable too, or one that can be created (its nearest existing ancestor is a
   * writable directory). Exits 1 otherwise, as a start would.
   */
  static void dataDirectory(Path dir) {
    dataDirectory(dir, Files::isWritable);
  }

  /** {@link #dataDirectory(Path)} with another writability test (tests run as root, who may write anything). */
  static void dataDirectory(Path dir, Predicate<Path> writable) {
    Path abs = dir.toAbsolutePath().normalize();
    if (Files.exists(abs)) {
      if (!Files.isDirectory(abs)) {
        throw new CommandExit(CommandLine.ExitCode.SOFTWARE, "data directory " + abs
            + " is not a directory");
      }
      if (!writable.test(abs)) {
        throw new CommandExit(CommandLine.ExitCode.SOFTWARE, "data directory " + abs
            + " is not writable by this user");
      }
      // A file left by a run as another user (root, say) fails the start as surely.
      Path database = abs.resolve(H2Dialect.DATABASE_NAME + ".mv.db");
      if (Files.exists(database) && !writable.test(database)) {
        throw new CommandExit(CommandLine.ExitCode.SOFTWARE, "database file " + database
            + " is not writable by this user");
      }
      return;
    }
    Path parent = abs.getParent();
    while (parent != null && !Files.exists(parent)) {
      parent = parent.getParent();
    }
    if (parent == null || !Files.isDirectory(parent) || !writable.test(parent)) {
      throw new CommandExit(CommandLine.ExitCode.SOFTWARE, "data directory " + abs
          + " does not exist and cannot be created" + (parent == null ? "" : " in " + parent));
    }
  }
}
