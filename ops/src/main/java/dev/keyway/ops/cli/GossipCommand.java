package dev.keyway.ops.cli;

import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.keys.KeyFiles;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.gossip.book.BookConfig;
import dev.keyway.gossip.net.TransportKind;
import dev.keyway.gossip.sim.SimCommand;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code keyway gossip sim|demo|swarm}: the gossip simulator and live gossip address-book nodes.
 * The commands only: their options, checks and exit codes. The running node is {@link GossipDemoNode};
 * the node options they share are {@link GossipNodeOptions}, and the wording of a failure to start is
 * {@link GossipStartFailures}.
 */
@Command(
    name = "gossip",
    mixinStandardHelpOptions = true,
    description = "Gossip (HyParView + PlumTree): run the deterministic simulator, or a live address-book node.",
    subcommands = {GossipCommand.Sim.class, GossipCommand.Demo.class, GossipSwarmCommand.class})
public final class GossipCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: sim, demo or swarm");
  }

  /**
   * {@code keyway gossip sim ...}: every argument goes unchanged to the simulator's own parser
   * ({@link SimCommand}), whose usage and exit codes apply (0 ok, 1 an invariant was violated,
   * 2 a usage or scenario error).
   */
  @Command(
      name = "sim",
      description = {
        "Run gossip simulation scenarios (a deterministic, in-memory network).",
        "Usage: keyway gossip sim SCENARIO [--baseline FILE] [--out FILE] [--only NAMES] [--seeds S,...]"
            + " [--crash F,...] [--set KEY=VALUE]... [--plot FILE.png] [--quiet]",
        "       keyway gossip sim --from REPORT.json [--baseline FILE] [--only NAMES] [--plot FILE.png]",
        "SCENARIO is a scenario file or a bundled name (iroh-all, iroh-small, failure-10k, failure-1k, smoke);"
            + " --help prints the simulator's own usage.",
        "Exit codes: 0 ok; 1 an invariant was violated; 2 a usage or scenario error."
      })
  static final class Sim implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Unmatched List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (PrintStream ps = new PrintStream(new LineForwarder(out), true, StandardCharsets.UTF_8)) {
        int code = SimCommand.run(List.copyOf(args), ps);
        ps.flush();
        return code;
      }
    }
  }

  /** Forwards bytes to a writer line by line (UTF-8), so progress lines appear as they are printed. */
  static final class LineForwarder extends OutputStream {
    private final PrintWriter out;
    private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

    LineForwarder(PrintWriter out) {
      this.out = out;
    }

    @Override
    public synchronized void write(int b) {
      line.write(b);
      if (b == '\n') {
        flush();
      }
    }

    @Override
    public synchronized void flush() {
      if (line.size() > 0) {
        out.print(line.toString(StandardCharsets.UTF_8));
        line.reset();
      }
      out.flush();
    }
  }

  /** {@code keyway gossip demo NAME ...}: a gossip node with an address book, printed live. */
  @Command(
      name = "demo",
      mixinStandardHelpOptions = true,
      description = {
        "Run a gossip node with an address book (after iroh-gossip-discovery's address_book_demo).",
        "It prints its ticket, then an 'Address book' block whenever the book changes: itself and the"
            + " discovered peers with name, id, addresses and age. Start more nodes with --bootstrap set to"
            + " a ticket or ID@HOST:PORT printed by a running one. Ctrl-C stops it.",
        "Cluster members need fixed keys (--key): without one the id changes on every start.",
        "Behind NAT or in a container, --advertise sets the addresses the other members dial (announced, and"
            + " printed in the bootstrap lines) instead of those the node binds.",
        "Warnings go to stderr: --bootstrap without --key, a bootstrap peer that cannot be joined (with the reason; the node keeps"
            + " retrying, and says when it has joined), inbound handshakes it rejected, a JSON dump it cannot write.",
        "Exit codes: 0 stopped; 1 could not start (port taken, unreadable key); 2 bad arguments."
      })
  static final class Demo implements Runnable, StopOnSignal.Serving {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "This node's name in the address book.")
    String name;

    @Mixin GossipNodeOptions node = new GossipNodeOptions();

    @Option(names = "--port", paramLabel = "P", description = "Port to listen on, 0..65535 (default: ${DEFAULT-VALUE}, any free).")
    int port;

    @Option(names = "--http", paramLabel = "PORT", description = "Serve the address book as a web page on PORT of --http-bind, 0..65535 (0: any free), with /book.json, Prometheus series at /metrics and /healthz (503 while the node has no neighbour).")
    Integer httpPort;

    @Option(names = "--http-bind", paramLabel = "ADDR", description = "Address of the --http web page (default: ${DEFAULT-VALUE},"
        + " this host only; 0.0.0.0 or this host's address for a Prometheus on another host).")
    String httpBind = "127.0.0.1";

    @Option(names = "--json-dump", paramLabel = "FILE",
        description = "Keep FILE updated with the address book as JSON (rewritten atomically on every change and every second).")
    Path jsonDump;

    @Option(names = "--key", paramLabel = "FILE", description = "The node key, whose public key is the node's id"
        + " (default: a new key, so a new id, on every start). Every cluster member needs a fixed one, or the"
        + " other members' --bootstrap ID@HOST:PORT strings naming it stop working when it restarts:"
        + " 'keyway key generate --out FILE' once, then --key FILE.")
    Path keyFile;

    @Option(names = "--quiet", description = "Do not print address book blocks (the JSON dump and web page still update).")
    boolean quiet;

    @Option(names = "--advertise", paramLabel = "IP:PORT[,...]", split = ",",
        description = "The addresses other members are to dial, announced and printed in the bootstrap lines instead of"
            + " what the node binds (default: the --bind address; with 0.0.0.0 every interface's). For a node"
            + " behind NAT or in a container: its public or host address and the port forwarded to --port."
            + " IP addresses only (IPv6 in brackets), at most 16; repeatable or comma-separated.")
    List<String> advertise = new ArrayList<>();

    @Override
    public void run() {
      CommandLine cli = spec.commandLine();
      // Every argument is checked before anything starts (a usage error, exit 2).
      List<String> warnings = node.validate(cli, name);
      GossipNodeOptions.checkPort(cli, "--port", port);
      if (httpPort != null) {
        GossipNodeOptions.checkPort(cli, "--http", httpPort);
      }
      InetAddress httpAddress = GossipNodeOptions.address(cli, "--http-bind", httpBind);
      List<SocketAddr> advertised = GossipNodeOptions.usage(cli, () -> GossipNodeOptions.parseAdvertise(advertise));
      warnings.addAll(GossipNodeOptions.advertiseWarnings(advertised, node.bindAddress(cli)));
      if (!node.bootstrap.isEmpty() && keyFile == null) {
        warnings.add("warning: no --key: this node's id changes on every restart, so other members'"
            + " --bootstrap strings naming this node stop working (create a key once with"
            + " 'keyway key generate --out FILE', then run with --key FILE)");
      }
      if (jsonDump != null) {
        checkDumpFile(cli, jsonDump);
      }
      PrintWriter out = cli.getOut();
      PrintWriter err = cli.getErr();
      TransportKind kind = node.transportKind();
      BookConfig bookConfig = node.bookConfig(name);
      List<GossipBootstrapNames.Peer> boot = node.bootstrapPeers();
      InetSocketAddress listen = new InetSocketAddress(node.bindAddress(cli), port);
      SecretKey key = readKey();
      printWarnings(err, warnings);
      // Listening before it starts: a signal while it starts closes what has started, exit 0.
      StopOnSignal stop = new StopOnSignal("gossip-demo");
      GossipDemoNode demo = new GossipDemoNode(out, err, quiet, jsonDump);
      demo.advertise(advertised);
      try {
        demo.start(key, kind, listen, bookConfig, boot, httpPort, httpAddress);
      } catch (RuntimeException e) {
        stop.abandon();
        demo.close();
        throw GossipStartFailures.startFailure(e);
      }
      if (!stop.started(demo::close)) {
        out.println("gossip demo stopped during start-up");
        out.flush();
        return;
      }
      stop.await();
      out.println("gossip demo stopped");
      out.flush();
    }

    /** The dump file's directory must exist (the file is replaced atomically from a sibling). */
    private static void checkDumpFile(CommandLine cli, Path file) {
      Path abs = file.toAbsolutePath();
      Path parent = abs.getParent();
      if (Files.isDirectory(abs)) {
        throw new CommandLine.ParameterException(cli, "--json-dump " + file + " is a directory, not a file");
      }
      if (parent == null || !Files.isDirectory(parent)) {
        throw new CommandLine.ParameterException(cli, "--json-dump " + file + ": no such directory " + parent);
      }
      if (!Files.isWritable(parent)) {
        throw new CommandLine.ParameterException(cli, "--json-dump " + file + ": directory " + parent
            + " is not writable (permission denied)");
      }
    }

    private SecretKey readKey() {
      if (keyFile == null) {
        return SecretKey.generate(new SecureRandom());
      }
      try {
        return KeyFiles.read(keyFile);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Prints warnings about the arguments (settings that work, but probably were not meant). */
  static void printWarnings(PrintWriter err, List<String> warnings) {
    if (warnings.isEmpty()) {
      return;
    }
    synchronized (err) {
      for (String w : warnings) {
        String line = "keyway: " + w;
        err.println(dev.keyway.ops.log.JournalStream.reportPrefix(line) + line);
      }
      err.flush();
    }
  }
}
