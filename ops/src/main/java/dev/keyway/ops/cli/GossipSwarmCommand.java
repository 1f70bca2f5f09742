package dev.keyway.ops.cli;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.gossip.book.BookConfig;
import dev.keyway.gossip.net.TransportKind;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code keyway gossip swarm COUNT ...}: COUNT address-book nodes in one process, each with its own
 * key, sockets and actor, sharing one Vert.x instance. For local test clusters and for the
 * convergence benchmark, where one JVM per node costs more CPU than the nodes themselves.
 */
@Command(
    name = "swarm",
    mixinStandardHelpOptions = true,
    description = {
      "Run COUNT gossip address-book nodes in this process (a local test cluster). Each node has its own"
          + " key, port and address book, exactly as `keyway gossip demo` runs one; they share the process's"
          + " event loops. Without --bootstrap the first node starts the swarm and the others join through it.",
      "Warnings go to stderr, as for `keyway gossip demo` (a bootstrap peer a node cannot join, with the reason).",
      "Exit codes: 0 stopped; 1 could not start; 2 bad arguments."
    })
final class GossipSwarmCommand implements Runnable, StopOnSignal.Serving {
  /** Most nodes one process may run. */
  static final int MAX_NODES = 100;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "COUNT", description = "How many nodes to run (1..100).")
  int count;

  @Option(names = "--name-prefix", paramLabel = "PREFIX",
      description = "Node names are PREFIX followed by their index (default: ${DEFAULT-VALUE}).")
  String prefix = "n";

  @Option(names = "--first-index", paramLabel = "I",
      description = "Index of the first node, so several processes can number one swarm (default: ${DEFAULT-VALUE}).")
  int firstIndex;

  @Mixin GossipNodeOptions node = new GossipNodeOptions();

  @Option(names = "--json-dump-dir", paramLabel = "DIR",
      description = "Keep DIR/NAME.json updated with each node's address book, as `demo --json-dump` does.")
  Path dumpDir;

  @Override
  public void run() {
    if (count < 1 || count > MAX_NODES) {
      throw new CommandLine.ParameterException(spec.commandLine(), "COUNT must be 1.." + MAX_NODES + ", not " + count);
    }
    if (firstIndex < 0) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--first-index must not be negative");
    }
    if (dumpDir != null && !Files.isDirectory(dumpDir)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--json-dump-dir " + dumpDir + " is not a directory");
    }
    CommandLine cli = spec.commandLine();
    // Every argument is checked before anything starts (a usage error, exit 2); the longest name
    // is the last one.
    List<String> warnings = node.validate(cli, prefix + firstIndex, prefix + ((long) firstIndex + count - 1));
    PrintWriter out = cli.getOut();
    PrintWriter err = cli.getErr();
    TransportKind kind = node.transportKind();
    List<GossipBootstrapNames.Peer> boot = node.bootstrapPeers();
    InetSocketAddress listen = new InetSocketAddress(node.bindAddress(cli), 0);
    GossipCommand.printWarnings(err, warnings);
    // Listening before it starts: a signal while it starts closes what has started, exit 0.
    StopOnSignal stop = new StopOnSignal("gossip-swarm");
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(2)
        .setPreferNativeTransport(true)); // epoll: TCP_USER_TIMEOUT (GossipNode)
    List<GossipDemoNode> nodes = new ArrayList<>();
    Runnable closeAll = () -> close(nodes, vertx);
    SecureRandom random = new SecureRandom();
    try {
      for (int i = 0; i < count && !stop.requested(); i++) {
        String name = prefix + (firstIndex + i);
        BookConfig config = node.bookConfig(name);
        Path dump = dumpDir == null ? null : dumpDir.resolve(name + ".json");
        GossipDemoNode demo = new GossipDemoNode(out, err, true, dump, vertx);
        synchronized (nodes) {
          nodes.add(demo);
        }
        List<GossipBootstrapNames.Peer> via = !boot.isEmpty() || i == 0 ? boot
            : List.of(GossipBootstrapNames.Peer.of(nodes.get(0).endpointAddr()));
        demo.start(SecretKey.generate(random), kind, listen, config, via, null);
      }
    } catch (RuntimeException e) {
      stop.abandon();
      closeAll.run();
      throw GossipStartFailures.startFailure(e);
    }
    if (!stop.started(closeAll)) {
      out.println("gossip swarm stopped during start-up");
      out.flush();
      return;
    }
    synchronized (out) {
      out.println("gossip swarm: " + count + " nodes running");
      out.flush();
    }
    stop.await();
    out.println("gossip swarm stopped");
    out.flush();
  }

  private static void close(List<GossipDemoNode> nodes, Vertx vertx) {
    List<GossipDemoNode> copy;
    synchronized (nodes) {
      copy = new ArrayList<>(nodes);
      nodes.clear();
    }
    for (GossipDemoNode n : copy) {
      n.close();
    }
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
