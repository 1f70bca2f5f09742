package dev.keyway.ops.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether stderr is systemd's journal. systemd sets {@code JOURNAL_STREAM=<device>:<inode>} for
 * a service whose stdout or stderr is connected to the journal; a child whose stderr was
 * redirected (to a file, a pipe) inherits the variable, so the inode of stderr must match too
 * (systemd.exec(5), "$JOURNAL_STREAM"). Linux shows it as the link {@code /proc/self/fd/2 ->
 * socket:[<inode>]}; where that cannot be read, the variable alone decides.
 */
public final class JournalStream {
  private static final Path STDERR = Path.of("/proc/self/fd/2");

  private JournalStream() {}

  /**
   * Whether stderr lines are written for the journal: {@code mode} as the encoder's
   * {@code journal} setting ({@code true}/{@code false}, else detected).
   */
  public static boolean journalMode(String mode) {
    String m = mode == null ? "auto" : mode.trim().toLowerCase(java.util.Locale.ROOT);
    return switch (m) {
      case "true", "yes", "on", "1" -> true;
      case "false", "no", "off", "0" -> false;
      default -> stderrIsJournal();
    };
  }

  /**
   * The prefix of an error line written to stderr directly, not through logging (a command's
   * one-line reason for failing): {@code <3>} (error) when stderr is the journal, as the log
   * encoder writes it ({@code KEYWAY_LOG_JOURNAL} overrides the detection), else nothing.
   * Without it journald files the line at priority "info", where {@code journalctl -p warning}
   * does not show it.
   */
  public static String errorPrefix() {
    return journalMode(System.getenv("KEYWAY_LOG_JOURNAL")) ? "<3>" : "";
  }

  /**
   * As {@link #errorPrefix()}, for a report line a command writes to stderr directly: {@code <4>}
   * (warning) for a line that starts with {@code "warning: "} or {@code "keyway: warning: "},
   * {@code <6>} (info) for the others, under the journal; nothing elsewhere.
   */
  public static String reportPrefix(String line) {
    if (!journalMode(System.getenv("KEYWAY_LOG_JOURNAL"))) {
      return "";
    }
    return line.startsWith("warning: ") || line.startsWith("keyway: warning: ") ? "<4>" : "<6>";
  }

  /** Whether this process's stderr is the journal. */
  public static boolean stderrIsJournal() {
    Optional<String> link;
    try {
      link = Optional.of(Files.readSymbolicLink(STDERR).toString());
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      link = Optional.empty();
    }
    return isJournal(System.getenv("JOURNAL_STREAM"), link);
  }

  /**
   * Whether {@code journalStream} (the variable's value, null when unset) names {@code stderr}
   * (the target of {@code /proc/self/fd/2}, empty when unknown).
   */
  static boolean isJournal(String journalStream, Optional<String> stderr) {
    if (journalStream == null) {
      return false;
    }
    String[] devInode = journalStream.trim().split(":");
    if (devInode.length != 2 || !devInode[0].matches("[0-9]+") || !devInode[1].matches("[0-9]+")) {
      return false;
    }
    return stderr.map(link -> link.equals("socket:[" + devInode[1] + "]")).orElse(true);
  }
}
