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
