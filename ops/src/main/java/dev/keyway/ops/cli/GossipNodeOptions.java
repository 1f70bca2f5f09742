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
      description = "A running node to join through (repeatable): an endpoint ticket, or ID@HOST:PORT with HOST an IP"
          + " address or a host name. A name is resolved at start, once the node listens, waiting at most 2 s (up to 16"
          + " of its addresses are tried); one that does not resolve yet is a warning, not a failure, and is resolved"
          + " again every 10 s while the node has no neighbour (the JVM caches answers 30 s, failures 10 s).")
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
    usage(cli, this::bootstrapPeers);
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

  /** {@code parse()}, its InvalidInputException (or another IllegalArgumentException) a usage error. */
  static <T> T usage(CommandLine cli, Supplier<T> parse) {
    try {
      return parse.get();
    } catch (IllegalArgumentException e) { // InvalidInputException and the parsers' own
      throw new CommandLine.ParameterException(cli, e.getMessage(), e);
    }
  }

  TransportKind transportKind() {
    return parseTransport(transport);
  }

  /** The {@code --bootstrap} peers, parsed (host names not resolved yet). */
  List<GossipBootstrapNames.Peer> bootstrapPeers() {
    List<GossipBootstrapNames.Peer> peers = new ArrayList<>();
    for (String b : bootstrap) {
      peers.add(parseBootstrap(b));
    }
    return peers;
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
  static final String BOOTSTRAP_FORMS = "an endpoint ticket (endpoint... or node...) or ID@HOST:PORT"
      + " (ID a node id, HOST an IP address or a host name)";

  /**
   * A ticket ({@code endpoint...} or {@code node...}) or {@code ID@HOST:PORT}, HOST an IP literal
   * ({@code 192.0.2.1}, {@code [2001:db8::1]}) or a host name, resolved later. Anything else is an
   * InvalidInputException whose one line names both accepted forms, and why the text is not the
   * form it looks like.
   */
  static GossipBootstrapNames.Peer parseBootstrap(String text) {
    int at = text.indexOf('@');
    String shown = text.length() > 120 ? text.substring(0, 117) + "..." : text;
    try {
      if (at < 0) {
        return GossipBootstrapNames.Peer.of(Tickets.parse(text));
      }
      PublicKey id = PublicKey.parse(text.substring(0, at));
      return hostPort(id, text.substring(at + 1));
    } catch (IllegalArgumentException e) {
      String lower = text.toLowerCase(Locale.ROOT);
      String why = at >= 0 ? " (as ID@HOST:PORT: " + e.getMessage() + ")"
          : lower.startsWith("endpoint") || lower.startsWith("node") ? " (as a ticket: " + e.getMessage() + ")" : "";
      throw new InvalidInputException("--bootstrap '" + shown + "' is not " + BOOTSTRAP_FORMS + why, e);
    }
  }

  /**
   * A host name: dot-separated labels of letters, digits, '-' and '_' (container and compose
   * service names have them), the last one not all digits (that is a mistyped IPv4 address).
   */
  private static final java.util.regex.Pattern HOST_NAME = java.util.regex.Pattern.compile(
      "(?=.{1,253}\\.?$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\\.)*"
          + "(?![0-9]+\\.?$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\\.?");

  private static GossipBootstrapNames.Peer hostPort(PublicKey id, String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
    if (colon < 0 || host.startsWith("[") || host.contains(":") || host.matches("[0-9.]*")) {
      // An IP literal, or meant as one: SocketAddr's error names the literal forms.
      SocketAddr addr = SocketAddr.parse(hostPort);
      dialPort(addr.port());
      return GossipBootstrapNames.Peer.of(EndpointAddr.of(id, new TransportAddr.Ip(addr)));
    }
    if (!HOST_NAME.matcher(host).matches()) {
      throw new InvalidInputException("'" + host + "' is neither an IP address nor a host name (letters, digits,"
          + " '-', '_' and dots)");
    }
    String port = hostPort.substring(colon + 1);
    if (!port.matches("[0-9]{1,5}")) {
      throw new InvalidInputException("the port must be a number, not '" + port + "'");
    }
    dialPort(Integer.parseInt(port));
    return GossipBootstrapNames.Peer.named(id, host, Integer.parseInt(port));
  }

  /** A port another node can dial: 1..65535. */
  private static void dialPort(int port) {
    if (port < 1 || port > 65535) {
      throw new InvalidInputException("the port must be 1..65535 (where the node listens), not " + port);
    }
  }

  /** Most {@code --advertise} addresses: what one announcement carries. */
  static final int MAX_ADVERTISED = Announcement.MAX_ADDRS;

  /**
   * The {@code --advertise} values (each one or several comma-separated {@code IP:PORT} or
   * {@code [IPv6]:PORT}), in order: the addresses other members are to dial. Throws an
   * InvalidInputException for a host name (an announcement carries addresses, and a name resolved
   * once would silently go stale), port 0, an address no member can dial (wildcard, multicast,
   * broadcast), a duplicate, or more than {@link #MAX_ADVERTISED}.
   */
  static List<SocketAddr> parseAdvertise(List<String> values) {
    List<SocketAddr> out = new ArrayList<>();
    for (String value : values) {
      for (String text : value.split(",", -1)) {
        String t = text.strip();
        if (t.isEmpty()) {
          throw new InvalidInputException("--advertise '" + value + "': an empty address; give IP:PORT or"
              + " [IPv6]:PORT, several separated by commas");
        }
        SocketAddr a = advertised(t);
        if (out.contains(a)) {
          throw new InvalidInputException("--advertise " + a + " is given twice");
        }
        out.add(a);
      }
    }
    if (out.size() > MAX_ADVERTISED) {
      throw new InvalidInputException("--advertise: at most " + MAX_ADVERTISED + " addresses (what an"
          + " announcement carries), got " + out.size());
    }
    return out;
  }

  /**
   * Warnings (not errors) about {@code --advertise} addresses that only this host (loopback) or
   * this link (link-local: 169.254.0.0/16, fe80::/10) can dial, while the node binds {@code bind},
   * an address other hosts reach: the other members would be told to dial an address that, from
   * their host, is not this node (a container's or a VM's own address, most likely). Bound to
   * loopback, the node is reachable from this host only anyway, so nothing is said.
   */
  static List<String> advertiseWarnings(List<SocketAddr> advertised, InetAddress bind) {
    List<String> out = new ArrayList<>();
    if (bind.isLoopbackAddress()) {
      return out;
    }
    for (SocketAddr a : advertised) {
      InetAddress ip = a.toInetSocketAddress().getAddress();
      String only = ip.isLoopbackAddress() ? "a loopback address, which only this host can dial"
          : ip.isLinkLocalAddress() ? "a link-local address, which only hosts on the same link can dial"
          : null;
      if (only != null) {
        out.add("warning: --advertise " + a + ": " + a.ipString() + " is " + only + ", yet --bind "
            + bind.getHostAddress() + " takes connections from other hosts: members elsewhere are told to"
            + " dial it and reach themselves or nothing; advertise an address the other members reach");
      }
    }
    return out;
  }

  private static SocketAddr advertised(String text) {
    int colon = text.lastIndexOf(':');
    String host = colon < 0 ? text : text.substring(0, colon);
    if (!host.startsWith("[") && !host.contains(":") && !host.matches("[0-9.]*")
        && HOST_NAME.matcher(host).matches()) {
      throw new InvalidInputException("--advertise '" + text + "': HOST must be an IP address, not a host name:"
          + " members dial the addresses this node announces, and announcements carry addresses");
    }
    SocketAddr a;
    try {
      a = SocketAddr.parse(text);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("--advertise '" + text + "' is not IP:PORT or [IPv6]:PORT (" + e.getMessage() + ")", e);
    }
    InetAddress ip = a.toInetSocketAddress().getAddress();
    String no = ip.isAnyLocalAddress() ? "the wildcard address"
        : ip.isMulticastAddress() ? "a multicast address"
        : ip.getHostAddress().equals("255.255.255.255") ? "the broadcast address" : null;
    if (no != null) {
      throw new InvalidInputException("--advertise " + a + ": " + a.ipString() + " is " + no + ", which no member"
          + " can dial; give an address of this node that the others reach");
    }
    if (a.port() == 0) {
      throw new InvalidInputException("--advertise " + a + ": port 0 cannot be dialled; give the port the others"
          + " reach this node on (--port, or the port forwarded to it)");
    }
    return a;
  }
}
