package dev.keyway.ops.cli;

import dev.keyway.ops.CommandExit;
import dev.keyway.relay.store.PacketStoreException;
import dev.keyway.relay.store.SqlDialect;
import dev.keyway.relay.store.StoreVerifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code keyway store verify}: the packet database, offline. */
@Command(
    name = "store",
    description = "Check the packet database of a relay or DNS server, or a backup of it.",
    mixinStandardHelpOptions = true,
    subcommands = {StoreCommand.Verify.class})
public final class StoreCommand {

  /** {@code keyway store verify FILE [--scratch DIR] [--json]}. */
  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      description = {
        "Open a database file (a backup, keyway-packets-<time>.mv.db, or a stopped server's"
            + " keyway-packets.mv.db) and check every packet in it: its signature, and that it is"
            + " filed under its own key. Exit 0 when every packet is good and the schema is the one"
            + " this keyway reads, 1 otherwise (the reasons are printed).",
        "FILE itself is never written: it is copied into a temporary directory (--scratch) and"
            + " the copy is opened, so that much space must be free there (the system's temporary"
            + " directory may be memory: give --scratch for a large file). A running server's own"
            + " file cannot be checked this way (a copy taken meanwhile may not open): check its"
            + " backups, or stop it."
      })
  static final class Verify implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The database file to check.")
    Path file;

    @Option(names = "--scratch", paramLabel = "DIR",
        description = "Where the copy is opened (default: the system's temporary directory).")
    Path scratch;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public void run() {
      if (!Files.isRegularFile(file)) {
        throw new CommandExit(CommandLine.ExitCode.USAGE, "no such file: " + file);
      }
      Path dir;
      try {
        dir = scratch == null ? Files.createTempDirectory("keyway-verify-")
            : Files.createTempDirectory(scratch, "keyway-verify-");
      } catch (IOException e) {
        throw new CommandExit(CommandLine.ExitCode.SOFTWARE, "cannot make a scratch directory: " + e);
      }
      StoreVerifier.Report r;
      try {
        r = StoreVerifier.verifyH2File(file, dir);
      } catch (PacketStoreException | UncheckedIOException e) {
        throw new CommandExit(CommandLine.ExitCode.SOFTWARE, e.getMessage());
      } finally {
        try {
          Files.deleteIfExists(dir);
        } catch (IOException e) {
          spec.commandLine().getErr().println("cannot remove " + dir + ": " + e);
        }
      }
      Output.print(spec.commandLine().getOut(), json, describe(r));
      if (!r.ok()) {
        throw new CommandExit(CommandLine.ExitCode.SOFTWARE, null);
      }
    }
  }

  static Map<String, Object> describe(StoreVerifier.Report r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("file", r.file().toString());
    m.put("bytes", r.bytes());
    m.put("schema_version", r.schemaVersion());
    m.put("packets", r.packets());
    m.put("invalid", r.invalid());
    m.put("newest_signed", at(r.newestSignedMicros()));
    m.put("oldest_signed", at(r.oldestSignedMicros()));
    m.put("problems", r.problems());
    m.put("result", r.ok() ? "ok: a server can serve this file"
        : r.schemaVersion() != SqlDialect.SCHEMA_VERSION
            ? "NOT usable: schema version " + r.schemaVersion() + ", this keyway reads "
                + SqlDialect.SCHEMA_VERSION
            : "damaged: " + r.invalid() + " packets do not verify (a server ignores them and"
                + " serves the rest)");
    return m;
  }

  private static String at(long micros) {
    return micros < 0 ? null : Instant.EPOCH.plus(micros, ChronoUnit.MICROS).truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
