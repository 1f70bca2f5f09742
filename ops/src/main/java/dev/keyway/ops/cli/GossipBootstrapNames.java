package dev.keyway.ops.cli;

import dev.keyway.client.addr.EndpointAddr;
import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.addr.TransportAddr;
import dev.keyway.client.keys.PublicKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The bootstrap peers of one node, some of them given by host name ({@code ID@NAME:PORT}). A name
 * is resolved when the node starts, every address it has becoming an address to dial; one that
 * does not resolve then is not fatal (in a cluster a node may start before DNS is ready): the node
 * starts without its addresses, and the names are resolved again every {@link #RETRY} while the
 * node has no gossip neighbour. Once joined, the members' own announcements carry the addresses,
 * as the book's redial rules say, so resolving stops until the node is isolated again.
 *
 * <p>Failures become warnings for an operator: a name's first failure at once, then at most one
 * line a {@linkplain GossipJoinWatch#REPEAT minute} per name (with the count since), and one line
 * once it resolves. Thread-safe; time is passed in and the lookup injected, so the lookup is its
 * only IO (it blocks: call it off the event loop).
 */
final class GossipBootstrapNames {
  /** How often names are resolved again while the node has no neighbour (the node's longest rejoin backoff). */
  static final Duration RETRY = Duration.ofSeconds(10);

  /** Resolves a host name to its addresses (the JDK's resolver, or a test's). */
  @FunctionalInterface
  interface Lookup {
    List<InetAddress> resolve(String host) throws UnknownHostException;
  }

  /** The system's resolver (hosts file, then DNS). */
  static final Lookup SYSTEM = host -> List.of(InetAddress.getAllByName(host));

  /**
   * One {@code --bootstrap} peer: {@code addr} with its addresses (a ticket or {@code ID@IP:PORT}),
   * or, when {@code host} is set, the id alone and the host name and port to resolve.
   */
  record Peer(EndpointAddr addr, String host, int port) {
    Peer {
      Objects.requireNonNull(addr, "addr");
    }

    /** A peer whose addresses are given. */
    static Peer of(EndpointAddr addr) {
      return new Peer(addr, null, 0);
    }

    /** A peer given as {@code ID@host:port}, host a name. */
    static Peer named(PublicKey id, String host, int port) {
      return new Peer(EndpointAddr.of(id), host, port);
    }

    boolean isNamed() {
      return host != null;
    }

    /** {@code ID@NAME:PORT}, as the operator wrote it. */
    String label() {
      return addr.id() + "@" + host + ":" + port;
    }
  }

  /** What a round of lookups found: addresses for the node, and lines for the operator. */
  record Resolution(List<EndpointAddr> addrs, List<String> lines) {}

  private static final class State {
    List<SocketAddr> addrs = List.of();
    /** Failed lookups: in all since the last success, and since the last report. */
    long failures;
    long sinceReport;
    long reportedAt;
  }

  private final String node;
  private final List<Peer> peers;
  private final Lookup lookup;
  private final Map<Peer, State> named = new LinkedHashMap<>();
  private long nextAt = Long.MIN_VALUE;

  GossipBootstrapNames(String node, List<Peer> peers, Lookup lookup) {
    this.node = node;
    this.peers = List.copyOf(peers);
    this.lookup = lookup;
    for (Peer p : this.peers) {
      if (p.isNamed()) {
        named.putIfAbsent(p, new State());
      }
    }
  }

  /** Whether any peer is given by name. */
  boolean hasNames() {
    return !named.isEmpty();
  }

  /** {@code ID@NAME:PORT} of the named peers, by id (for the join warnings). */
  Map<PublicKey, String> labels() {
    Map<PublicKey, String> out = new LinkedHashMap<>();
    for (Peer p : named.keySet()) {
      out.putIfAbsent(p.addr().id(), p.label());
    }
    return out;
  }

  /**
   * Resolves every name now (blocking): returns all bootstrap peers, a named one with the
   * addresses its name has (none if it did not resolve), and the warnings.
   */
  synchronized Resolution start(long nowMillis) {
    List<String> lines = lookUpAll(nowMillis);
    List<EndpointAddr> all = new ArrayList<>();
    for (Peer p : peers) {
      all.add(p.isNamed() ? withAddrs(p, named.get(p).addrs) : p.addr());
    }
    return new Resolution(all, lines);
  }

  /** Whether {@link #retry} would look the names up now. */
  synchronized boolean due(int neighbours, long nowMillis) {
    return !named.isEmpty() && neighbours == 0 && nowMillis >= nextAt;
  }

  /**
   * Called regularly: while the node has no neighbour, every {@link #RETRY} (blocking) resolves the
   * names again and returns the named peers whose addresses changed, and the lines to print;
   * otherwise nothing.
   */
  synchronized Resolution retry(int neighbours, long nowMillis) {
    if (!due(neighbours, nowMillis)) {
      return new Resolution(List.of(), List.of());
    }
    Map<Peer, List<SocketAddr>> before = new LinkedHashMap<>();
    named.forEach((p, s) -> before.put(p, s.addrs));
    List<String> lines = lookUpAll(nowMillis);
    List<EndpointAddr> changed = new ArrayList<>();
    named.forEach((p, s) -> {
      if (!s.addrs.isEmpty() && !s.addrs.equals(before.get(p))) {
        changed.add(withAddrs(p, s.addrs));
      }
    });
    return new Resolution(changed, lines);
  }

  private List<String> lookUpAll(long nowMillis) {
    nextAt = nowMillis + RETRY.toMillis();
    List<String> lines = new ArrayList<>();
    named.forEach((p, s) -> {
      String line = lookUp(p, s, nowMillis);
      if (line != null) {
        lines.add(line);
      }
    });
    return lines;
  }

  /** One lookup; returns the line to print, if any. */
  private String lookUp(Peer p, State s, long nowMillis) {
    List<SocketAddr> found = new ArrayList<>();
    String why;
    try {
      for (InetAddress ip : lookup.resolve(p.host())) {
        SocketAddr a = SocketAddr.of(new InetSocketAddress(ip, p.port()));
        if (!found.contains(a)) {
          found.add(a);
        }
      }
      why = found.isEmpty() ? "no addresses" : null;
    } catch (UnknownHostException e) {
      why = reason(p.host(), e);
    }
    if (why == null) {
      s.addrs = List.copyOf(found);
      long failed = s.failures;
      s.failures = 0;
      s.sinceReport = 0;
      return failed == 0 ? null : "node " + node + " resolved bootstrap peer " + p.label() + " after " + failed
          + " failed lookup(s): " + join(found);
    }
    s.failures++;
    String retrying = "; the node runs without its address and resolves the name again every "
        + RETRY.toSeconds() + " s while it has no neighbour";
    if (s.failures == 1) {
      s.reportedAt = nowMillis;
      s.sinceReport = 0;
      return "warning: node " + node + " cannot resolve bootstrap peer " + p.label() + ": " + why + retrying;
    }
    s.sinceReport++;
    if (nowMillis - s.reportedAt < GossipJoinWatch.REPEAT.toMillis()) {
      return null;
    }
    long since = s.sinceReport;
    s.reportedAt = nowMillis;
    s.sinceReport = 0;
    return "warning: node " + node + " still cannot resolve bootstrap peer " + p.label() + ": " + why + " ("
        + since + " more failed lookup(s) since the last report, " + s.failures + " in all)" + retrying;
  }

  /** An UnknownHostException's message is the name, sometimes followed by the resolver's reason. */
  private static String reason(String host, UnknownHostException e) {
    String m = e.getMessage();
    String detail = m == null ? "" : m.startsWith(host + ": ") ? m.substring(host.length() + 2) : m.equals(host) ? "" : m;
    return "the host name does not resolve" + (detail.isBlank() ? "" : " (" + detail + ")");
  }

  private static EndpointAddr withAddrs(Peer p, List<SocketAddr> addrs) {
    List<TransportAddr> out = new ArrayList<>();
    for (SocketAddr a : addrs) {
      out.add(new TransportAddr.Ip(a));
    }
    return EndpointAddr.of(p.addr().id(), out);
  }

  private static String join(List<SocketAddr> addrs) {
    List<String> s = new ArrayList<>();
    for (SocketAddr a : addrs) {
      s.add(a.toString());
    }
    return String.join(", ", s);
  }
}
