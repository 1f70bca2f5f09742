package dev.keyway.ops.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A file kept updated with a node's address book as JSON ({@code keyway gossip demo --json-dump},
 * {@code keyway gossip swarm --json-dump-dir}), and the wording of its failures: each write
 * replaces the file atomically from a sibling {@code .tmp} file; a write that fails is reported as a
 * warning with its reason in words ({@link #ioReason}), and so is writing again once it works.
 */
final class GossipJsonDump {
  private final Path jsonDump;
  /** Where the warnings go (the node's stderr lines). */
  private final Consumer<List<String>> report;
  private final Object dumpLock = new Object();
  /** The last dump failure reported (dumpLock), null while writing works. */
  private String dumpError;

  GossipJsonDump(Path jsonDump, Consumer<List<String>> report) {
    this.jsonDump = jsonDump;
    this.report = report;
  }

  /** Replaces the file with {@code json} (rendered under the lock, so an older book never replaces a newer one). */
  void write(Supplier<String> json) {
    synchronized (dumpLock) {
      writeLocked(json);
    }
  }

  /**
   * Replaces the dump atomically. A failure is reported on stderr with its reason once, and again
   * only when the reason changes; that writing works again is reported too.
   */
  private void writeLocked(Supplier<String> json) {
    String failure = null;
    try {
      Path abs = jsonDump.toAbsolutePath();
      Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
      Files.writeString(tmp, json.get());
      Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      failure = ioReason(e);
    }
    if (failure != null && !failure.equals(dumpError)) {
      report.accept(List.of("warning: cannot write " + jsonDump + ": " + failure + " (retrying every second)"));
    } else if (failure == null && dumpError != null) {
      report.accept(List.of("writing " + jsonDump + " again"));
    }
    dumpError = failure;
  }

  /** Why a file operation failed, in words (the exception's type says more than its message). */
  static String ioReason(IOException e) {
    if (e instanceof java.nio.file.NoSuchFileException f) {
      Path parent = f.getFile() == null ? null : Path.of(f.getFile()).toAbsolutePath().getParent();
      return "no such directory" + (parent == null ? "" : " " + parent);
    }
    if (e instanceof java.nio.file.AccessDeniedException f) {
      return "permission denied" + (f.getFile() == null ? "" : " (" + f.getFile() + ")");
    }
    if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
      return f.getReason() + (f.getFile() == null ? "" : " (" + f.getFile() + ")");
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }
}
