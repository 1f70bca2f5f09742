package dev.keyway.ops.cli;

import dev.keyway.client.addr.EndpointAddr;
import dev.keyway.gossip.book.BookConfig;
import dev.keyway.gossip.net.TransportKind;
import dev.keyway.gossip.proto.TopicId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options of a live gossip address-book node, shared by {@code keyway gossip demo} and
 * {@code keyway gossip swarm} (a picocli mixin): where it listens, its transport, the book's
 * timing and topic, and the nodes it joins through.
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

  @Option(names = "--interval", paramLabel = "DURATION", description = "Announcement interval (default: ${DEFAULT-VALUE}).")
  String interval = "3s";

  @Option(names = "--expiry", paramLabel = "DURATION", description = "Expiry T of silent nodes; swept every T/4 (default: ${DEFAULT-VALUE}).")
  String expiry = "30s";

  @Option(names = "--topic", paramLabel = "NAME", description = "Address-book topic name (default: the keyway address-book topic).")
  String topic;

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
