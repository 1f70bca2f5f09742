package dev.keyway.ops.cli;

import dev.keyway.client.addr.EndpointAddr;
import dev.keyway.gossip.book.Announcement;
import dev.keyway.gossip.book.BookConfig;
import dev.keyway.gossip.net.TransportKind;
import dev.keyway.gossip.proto.TopicId;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The options of a live gossip address-book node, shared by {@code keyway gossip demo} and
 * {@code keyway gossip swarm} (a picocli mixin): where it listens, its transport, the book's
 * timing and topic, and the nodes it joins through.
 *
 * <p>{@link #validate} checks them all before anything starts: a bad one is a usage error (the
 * reason, the usage, exit 2), as for every keyway command.
 */
final class GossipNodeOptions {
  @Option(names = "--bootstrap", paramLabel = "TICKET|ID@HOST:PORT",
      description = "A running node to join through (repeatable): an endpoint ticket, or ID@HOST:PORT with HOST an IP address.")
  List<String> bootstrap = new ArrayList<>();

  @Option(names = "--bind", paramLabel = "HOST", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String bind = "127.0.0.1";

  @Option(names = "--transport", paramLabel = "KIND",
      description = "quic, tcp or auto (quic when the native library loads; default: ${DEFAULT-VALUE}).")
  String transport = "auto";

  @Option(names = "--interval", paramLabel = "DURATION",
      description = "Announcement interval; must be shorter than --expiry (default: ${DEFAULT-VALUE}).")
  String interval = "3s";

  @Option(names = "--expiry", paramLabel = "DURATION", description = "Expiry T of silent nodes; swept every T/4 (default: ${DEFAULT-VALUE}).")
  String expiry = "30s";

  @Option(names = "--topic", paramLabel = "NAME", description = "Address-book topic name (default: the keyway address-book topic).")
  String topic;

  /**
   * Checks every option (and the node names to be used) before anything starts; throws a
   * {@link CommandLine.ParameterException} naming the first bad one. Returns warnings for stderr
   * (settings that work but that an operator probably did not mean).
   */
  List<String> validate(CommandLine cli, String... names) {
    usage(cli, this::transportKind);
    usage(cli, this::bootstrapAddrs);
    Duration announce = usage(cli, () -> GossipCommand.parseDuration(interval, "--interval"));
    Duration t = usage(cli, () -> GossipCommand.parseDuration(expiry, "--expiry"));
    if (announce.compareTo(t) >= 0) {
      // The sweep drops a node silent for longer than T, so with interval >= T every node is
      // dropped between two announcements and comes back with the next: the books flap.
      throw new CommandLine.ParameterException(cli, "--interval " + interval + " must be shorter than --expiry "
          + expiry + ": a node silent for the expiry is dropped from the books, so it must announce more often"
          + " (defaults: 3s and 30s)");
    }
    List<String> warnings = new ArrayList<>();
    if (announce.multipliedBy(2).compareTo(t) > 0) {
      warnings.add("warning: --expiry " + expiry + " is less than twice --interval " + interval
          + ": a single lost announcement drops a node from the books until its next one");
    }
    for (String name : names) {
      int bytes = name.getBytes(StandardCharsets.UTF_8).length;
      if (bytes > Announcement.MAX_NAME_BYTES) {
        throw new CommandLine.ParameterException(cli, "node name '" + name + "' is " + bytes + " bytes long; at most "
            + Announcement.MAX_NAME_BYTES + " bytes (UTF-8) are announced");
      }
    }
    bindAddress(cli);
    return warnings;
  }

  /** The {@code --bind} address, resolved; a name that does not resolve is a usage error. */
  InetAddress bindAddress(CommandLine cli) {
    try {
      return InetAddress.getByName(bind);
    } catch (UnknownHostException e) {
      throw new CommandLine.ParameterException(cli, "--bind " + bind + ": not an IP address or a known host name");
    }
  }

  /** Checks that {@code port} is a port number (0: any free port); a usage error otherwise. */
  static void checkPort(CommandLine cli, String option, int port) {
    if (port < 0 || port > 65535) {
      throw new CommandLine.ParameterException(cli, option + " must be 0..65535, got " + port);
    }
  }

  private static <T> T usage(CommandLine cli, Supplier<T> parse) {
    try {
      return parse.get();
    } catch (IllegalArgumentException e) { // InvalidInputException and the parsers' own
      throw new CommandLine.ParameterException(cli, e.getMessage(), e);
    }
  }

  TransportKind transportKind() {
    return GossipCommand.parseTransport(transport);
  }

  List<EndpointAddr> bootstrapAddrs() {
    List<EndpointAddr> addrs = new ArrayList<>();
    for (String b : bootstrap) {
      addrs.add(GossipCommand.parseBootstrap(b));
    }
    return addrs;
  }

  /** The book settings of a node called {@code name}; bad durations throw InvalidInputException. */
  BookConfig bookConfig(String name) {
    Duration announce = GossipCommand.parseDuration(interval, "--interval");
    Duration t = GossipCommand.parseDuration(expiry, "--expiry");
    BookConfig config = BookConfig.defaults(name).withExpiry(t).withAnnounceInterval(announce);
    return topic == null ? config : config.withTopic(TopicId.ofName(topic));
  }
}
