package dev.keyway.ops.cli;

import dev.keyway.client.addr.EndpointAddr;
import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.gossip.net.GossipNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns failed dials to a node's bootstrap peers into warnings for an operator, rate-limited:
 * the first failure of each peer at once, then at most one line a {@linkplain #REPEAT minute}
 * per peer (with the count since), and one line once the node has a neighbour. Failures while
 * the node has neighbours are not reported: the protocol handles peers coming and going, and only
 * joining depends on the bootstrap peers. Thread-safe; time is passed in. {@link #describeDialFailure}
 * puts the transport's reason for a failed dial in words.
 */
final class GossipJoinWatch {
  /** The shortest time between two reports about one peer. */
  static final Duration REPEAT = Duration.ofMinutes(1);
  private final String name;
  private final Map<PublicKey, EndpointAddr> bootstrap = new LinkedHashMap<>();
  private final Map<PublicKey, Failures> failures = new LinkedHashMap<>();
  /** {@code ID@NAME:PORT} of the peers given by host name. */
  private final Map<PublicKey, String> labels;

  private static final class Failures {
    long total;
    long sinceReport;
    long reportedAt;
  }

  /** How long a node without bootstrap peers may have no neighbour before it is told. */
  private final Duration aloneAfter;
  /** When the node last had no neighbour since (millis), or -1 while it has some. */
  private long aloneSince = -1;
  private long aloneReportedAt = Long.MIN_VALUE;

  GossipJoinWatch(String name, PublicKey self, List<EndpointAddr> bootstrap) {
    this(name, self, bootstrap, Duration.ofMinutes(1));
  }

  /**
   * @param aloneAfter how long a node started without bootstrap peers may stay without a
   *     neighbour before a warning says how to connect it (a restarted first node waits alone)
   */
  GossipJoinWatch(String name, PublicKey self, List<EndpointAddr> bootstrap, Duration aloneAfter) {
    this(name, self, bootstrap, aloneAfter, Map.of());
  }

  /**
   * As above, with the peers given by host name: {@code labels} maps their ids to
   * {@code ID@NAME:PORT} as the operator wrote it, which the warnings name (the addresses behind
   * a name may change, and may be none while it does not resolve).
   */
  GossipJoinWatch(String name, PublicKey self, List<EndpointAddr> bootstrap, Duration aloneAfter,
      Map<PublicKey, String> labels) {
    this.name = name;
    this.aloneAfter = aloneAfter;
    this.labels = Map.copyOf(labels);
    for (EndpointAddr a : bootstrap) {
      if (!a.id().equals(self)) {
        this.bootstrap.put(a.id(), a);
      }
    }
  }

  /** A dial to {@code peer} failed; returns the lines to print (maybe none). */
  synchronized List<String> dialFailed(PublicKey peer, String reason, int neighbours, long nowMillis) {
    EndpointAddr addr = bootstrap.get(peer);
    if (addr == null || neighbours > 0) {
      return List.of();
    }
    Failures f = failures.computeIfAbsent(peer, k -> new Failures());
    f.total++;
    if (f.total == 1) {
      f.reportedAt = nowMillis;
      return List.of("warning: node " + name + " cannot join through bootstrap peer " + label(addr) + ": "
          + describeDialFailure(reason) + "; retrying");
    }
    f.sinceReport++;
    if (nowMillis - f.reportedAt < REPEAT.toMillis()) {
      return List.of();
    }
    String line = "warning: node " + name + " still cannot join through bootstrap peer " + label(addr) + ": "
        + describeDialFailure(reason) + " (" + f.sinceReport + " more failed dial(s) since the last report, "
        + f.total + " in all); retrying";
    f.reportedAt = nowMillis;
    f.sinceReport = 0;
    return List.of(line);
  }

  /**
   * Called regularly: once the node has a neighbour after reported failures, one line says so; a
   * node without bootstrap peers that has had no neighbour for {@code aloneAfter} is told how to
   * connect it (at most once per {@link #REPEAT}).
   */
  synchronized List<String> tick(int neighbours, long nowMillis) {
    if (neighbours > 0) {
      aloneSince = -1;
      aloneReportedAt = Long.MIN_VALUE;
    } else if (bootstrap.isEmpty()) {
      if (aloneSince < 0) {
        aloneSince = nowMillis;
      } else if (nowMillis - aloneSince >= aloneAfter.toMillis()
          && (aloneReportedAt == Long.MIN_VALUE || nowMillis - aloneReportedAt >= REPEAT.toMillis())) {
        aloneReportedAt = nowMillis;
        return List.of("warning: node " + name + " has had no neighbour for "
            + (nowMillis - aloneSince) / 1000 + " s and has no bootstrap peers to ask: if other"
            + " members are running, restart it with --bootstrap ID@HOST:PORT of one of them"
            + " (members that have fewer than 5 neighbours also ask nodes that left their books"
            + " to join again)");
      }
    }
    if (neighbours == 0 || failures.isEmpty()) {
      return List.of();
    }
    long total = 0;
    for (Failures f : failures.values()) {
      total += f.total;
    }
    failures.clear();
    return List.of("node " + name + " joined: " + neighbours + " neighbour(s) now, after " + total
        + " failed dial(s) to its bootstrap peers");
  }

  private String label(EndpointAddr a) {
    String named = labels.get(a.id());
    if (named != null) {
      return named;
    }
    List<String> ips = new ArrayList<>();
    for (SocketAddr s : a.ipAddrs()) {
      ips.add(s.toString());
    }
    return a.id() + (ips.isEmpty() ? "" : "@" + String.join(",", ips));
  }

  private static final java.util.regex.Pattern PRESENTED =
      java.util.regex.Pattern.compile("presented node id (\\S+) but (\\S+) was dialled");

  /**
   * A dial failure as the transport reported it ({@link GossipNode#onDialFailure}), in words an
   * operator acts on: refused, no answer, another key, or the transport's own text.
   */
  static String describeDialFailure(String reason) {
    if (reason == null || reason.isBlank()) {
      return "unknown error";
    }
    String lower = reason.toLowerCase(Locale.ROOT);
    java.util.regex.Matcher presented = PRESENTED.matcher(reason);
    if (presented.find()) {
      return "handshake rejected: the peer at that address presented another key (" + presented.group(1)
          + "..., not " + presented.group(2) + "...): a wrong id, or another node now has that address";
    }
    if (lower.contains("certificate_verify_failed")) {
      // QUIC (BoringSSL) reports only this when the node-key check refuses the peer's
      // certificate; from a keyway or iroh node that means another key than the one dialled.
      return "handshake rejected: the peer at that address did not present the key dialled (its certificate"
          + " failed the node-id check): a wrong id, or another node now has that address";
    }
    if (lower.contains("connection refused") || lower.contains("port unreachable")) {
      return "connection refused: nothing listens there";
    }
    if (lower.contains("timed out") || lower.contains("timeout")) {
      return "no answer (the dial timed out): nothing listens there, or a firewall drops the packets";
    }
    if (lower.contains("no address known")) {
      return "no address known";
    }
    if (lower.contains("connected to ourselves")) {
      return "that address is this node's own";
    }
    if (lower.contains("alpn")) {
      return "handshake rejected: not a keyway gossip node (" + reason + ")";
    }
    return GossipStartFailures.reason(new RuntimeException(reason));
  }
}
