package dev.keyway.ops.cli;

import dev.keyway.client.InvalidInputException;
import dev.keyway.client.addr.EndpointAddr;
import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.addr.TransportAddr;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.ticket.Tickets;
import dev.keyway.gossip.book.Announcement;
import dev.keyway.gossip.book.BookConfig;
import dev.keyway.gossip.net.TransportKind;
import dev.keyway.gossip.proto.TopicId;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The options of a live gossip address-book node, shared by {@code keyway gossip demo} and
 * {@code keyway gossip swarm} (a picocli mixin): where it listens, its transport, the book's
 * timing and topic, and the nodes it joins through.
 *
 * <p>{@link #validate} checks them all before anything starts: a bad one is a usage error (the
 * reason, the usage, exit 2), as for every keyway command. The parsers of their values
 * ({@link #parseTransport}, {@link #parseDuration}, {@link #parseBootstrap}) throw an
 * InvalidInputException that says what is accepted.
 */
final class GossipNodeOptions {
  @Option(names = "--bootstrap", paramLabel = "TICKET|ID@HOST:PORT",
      description = "A running node to join through (repeatable): an endpoint ticket, or ID@HOST:PORT with HOST an IP address.")
  List<String> bootstrap = new ArrayList<>();

  @Option(names = "--bind", paramLabel = "HOST", description = "Address to listen on (default: ${DEFAULT-VALUE},"
      + " this host only; a cluster on several hosts needs an address the others reach, or 0.0.0.0).")
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
  /** Shortest --interval: a broadcast by every member, so more often is a storm, not a book. */
  static final Duration MIN_INTERVAL = Duration.ofMillis(100);
  /** Longest --expiry (the book's own bound). */
  static final Duration MAX_EXPIRY = dev.keyway.gossip.book.BookConfig.MAX_EXPIRY;

  List<String> validate(CommandLine cli, String... names) {
    usage(cli, this::transportKind);
    usage(cli, this::bootstrapAddrs);
    Duration announce = usage(cli, () -> parseDuration(interval, "--interval"));
    Duration t = usage(cli, () -> parseDuration(expiry, "--expiry"));
    if (announce.compareTo(MIN_INTERVAL) < 0) {
      throw new CommandLine.ParameterException(cli, "--interval " + interval + " is below "
          + MIN_INTERVAL.toMillis() + "ms: every member would broadcast that often");
    }
    if (t.compareTo(MAX_EXPIRY) > 0) {
      throw new CommandLine.ParameterException(cli, "--expiry " + expiry + " is above "
          + MAX_EXPIRY.toDays() + "d: a node silent for that long is not coming back");
    }
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
      if (name.isBlank()) {
        throw new CommandLine.ParameterException(cli, "the node name is empty: give each member a name"
            + " (it is how the address book lists it)");
      }
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
    return address(cli, "--bind", bind);
  }

  /** {@code host} (the value of {@code option}) resolved; a name that does not resolve is a usage error. */
  static InetAddress address(CommandLine cli, String option, String host) {
    try {
      if (host.isBlank()) {
        throw new UnknownHostException(host); // getByName("") is the loopback address
      }
      return InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new CommandLine.ParameterException(cli, option + " " + host + ": not an IP address or a known host name");
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
    return parseTransport(transport);
  }

  List<EndpointAddr> bootstrapAddrs() {
    List<EndpointAddr> addrs = new ArrayList<>();
    for (String b : bootstrap) {
      addrs.add(parseBootstrap(b));
    }
    return addrs;
  }

  /** The book settings of a node called {@code name}; bad durations throw InvalidInputException. */
  BookConfig bookConfig(String name) {
    Duration announce = parseDuration(interval, "--interval");
    Duration t = parseDuration(expiry, "--expiry");
    BookConfig config = BookConfig.defaults(name).withExpiry(t).withAnnounceInterval(announce);
    return topic == null ? config : config.withTopic(TopicId.ofName(topic));
  }

  static TransportKind parseTransport(String text) {
    try {
      return TransportKind.valueOf(text.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("--transport must be quic, tcp or auto, not '" + text + "'");
    }
  }

  /** {@code 500ms}, {@code 3s}, {@code 2m}, or ISO-8601 ({@code PT3S}). */
  static Duration parseDuration(String text, String option) {
    String s = text.trim().toLowerCase(Locale.ROOT);
    try {
      Duration d;
      if (s.endsWith("ms")) {
        d = Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
      } else if (s.endsWith("s")) {
        d = Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
      } else if (s.endsWith("m")) {
        d = Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)) * 60);
      } else {
        d = Duration.parse(text.trim().toUpperCase(Locale.ROOT));
      }
      if (d.isNegative() || d.isZero()) {
        throw new InvalidInputException(option + " must be positive");
      }
      return d;
    } catch (NumberFormatException | DateTimeParseException e) {
      throw new InvalidInputException(option + ": not a duration: '" + text + "' (use 500ms, 3s, 2m or PT3S)");
    }
  }

  /** The forms {@code --bootstrap} accepts, for its error messages. */
  static final String BOOTSTRAP_FORMS =
      "an endpoint ticket (endpoint... or node...) or ID@HOST:PORT (ID a node id, HOST an IP address)";

  /**
   * A ticket ({@code endpoint...} or {@code node...}) or {@code ID@HOST:PORT} (an IP literal host).
   * Anything else is an InvalidInputException whose one line names both accepted forms, and why
   * the text is not the form it looks like.
   */
  static EndpointAddr parseBootstrap(String text) {
    int at = text.indexOf('@');
    String shown = text.length() > 120 ? text.substring(0, 117) + "..." : text;
    try {
      if (at < 0) {
        return Tickets.parse(text);
      }
      PublicKey id = PublicKey.parse(text.substring(0, at));
      return EndpointAddr.of(id, new TransportAddr.Ip(SocketAddr.parse(text.substring(at + 1))));
    } catch (IllegalArgumentException e) {
      String lower = text.toLowerCase(Locale.ROOT);
      String why = at >= 0 ? " (as ID@HOST:PORT: " + e.getMessage() + ")"
          : lower.startsWith("endpoint") || lower.startsWith("node") ? " (as a ticket: " + e.getMessage() + ")" : "";
      throw new InvalidInputException("--bootstrap '" + shown + "' is not " + BOOTSTRAP_FORMS + why, e);
    }
  }
}
