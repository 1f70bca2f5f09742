package dev.keyway.ops;

import dev.keyway.ops.cli.DnsServerCommand;
import dev.keyway.ops.cli.GossipCommand;
import dev.keyway.ops.cli.KeyCommand;
import dev.keyway.ops.cli.PacketCommand;
import dev.keyway.ops.cli.PublishCommand;
import dev.keyway.ops.cli.RelayCommand;
import dev.keyway.ops.cli.ResolveCommand;
import dev.keyway.ops.cli.StopOnSignal;
import dev.keyway.ops.cli.StoreCommand;
import dev.keyway.ops.cli.TicketCommand;
import dev.keyway.ops.cli.UpCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code keyway} command: one entry point for every keyway tool and server.
 *
 * <p>Exit codes follow picocli's conventions: 0 success, 1 a command's own failure, 2 a usage error
 * (unknown option, bad argument); commands that need more codes document them in their help.
 */
@Command(
    name = "keyway",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Discovery infrastructure for a public-key network: authoritative DNS and a pkarr relay"
          + " for NodeId -> address records, a gossip address book, and a client.",
      "Wire-compatible with iroh 1.0 endpoints and pkarr v7 relays."
    },
    subcommands = {
      UpCommand.class,
      RelayCommand.class,
      DnsServerCommand.class,
      KeyCommand.class,
      TicketCommand.class,
      PacketCommand.class,
      ResolveCommand.class,
      PublishCommand.class,
      GossipCommand.class,
      StoreCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Builds the command line; tests use this to run commands in-process. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler(new ErrorHandler());
    cli.setParameterExceptionHandler(Main::usageError);
    // "@FILE" is our syntax for "read the bytes from FILE", not picocli's argument files.
    cli.setExpandAtFiles(false);
    cli.setExecutionStrategy(Main::execute);
    return cli;
  }

  /**
   * Runs the command parsed. A signal that came while it was parsed is held for a serving command
   * (it stops as soon as what has started can be closed, and exits 0); any other command gets it
   * now, with the JVM's behaviour.
   */
  private static int execute(CommandLine.ParseResult parsed) {
    CommandLine.ParseResult last = parsed;
    while (last.hasSubcommand()) {
      last = last.subcommand();
    }
    boolean serves = last.commandSpec().userObject() instanceof StopOnSignal.Serving s
        && s.serves() && !last.isUsageHelpRequested() && !last.isVersionHelpRequested();
    if (!serves) {
      StopOnSignal.releaseHeld();
    }
    return new CommandLine.RunLast().execute(parsed);
  }

  /** A wrong argument: the reason, any "did you mean", then the usage of that command; exit 2. */
  private static int usageError(CommandLine.ParameterException ex, String[] args) {
    CommandLine cli = ex.getCommandLine();
    java.io.PrintWriter err = cli.getErr();
    // <3> under the journal: a unit that fails on its config says why at priority "error".
    err.println(dev.keyway.ops.log.JournalStream.errorPrefix() + "keyway: " + ex.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
    cli.usage(err);
    return cli.getCommandSpec().exitCodeOnInvalidInput();
  }

  public static void main(String[] args) {
    LogLevelSetting.apply();
    // From here a SIGTERM while a server starts stops it cleanly (exit 0), not with the JVM's 143.
    StopOnSignal.holdUntilCommandRuns();
    System.exit(commandLine().execute(args));
  }

  /** {@code keyway} alone prints usage and fails as a usage error. */
  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
  }
}
