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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The bootstrap peers of one node, some of them given by host name ({@code ID@NAME:PORT}). A name
 * is resolved when the node starts, every address it has becoming an address to dial; one that
 * does not resolve then is not fatal (in a cluster a node may start before DNS is ready): the node
 * starts without its addresses, and the names are resolved again every {@link #RETRY} while the
 * node has no gossip neighbour. Once joined, the members' own announcements carry the addresses,
 * as the book's redial rules say, so resolving stops until the node is isolated again.
 *
 * <p>A broken resolver must not hold up the node: every lookup runs on a thread of its own, all
 * names at once, and a round waits for them at most {@link #LOOKUP_CAP} in all. A name without an
 * answer by then counts as not resolved (a warning); its lookup goes on, and a later round takes
 * its answer rather than starting another one, so a hanging resolver costs one thread per name.
 * A later round may come much later (the node joined, and is isolated again an hour on): an
 * answer, or a failure, of a lookup started more than {@link #ANSWER_TTL} before is dropped, and
 * the name looked up again. An interrupted round (the node shutting down) warns about nothing.
 * The JVM caches answers ({@code networkaddress.cache.ttl}: 30 s, failures
 * {@code networkaddress.cache.negative.ttl}: 10 s), so a changed record is seen up to 30 s late.
 * The node keeps at most 16 addresses per peer (newest first), so only the first 16 a name
 * resolves to are dialled.
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

  /** Longest a round of lookups (at start, or a retry) waits for the answers. */
  static final Duration LOOKUP_CAP = Duration.ofSeconds(2);

  /**
   * Oldest answer a round takes from a lookup an earlier round started (the JVM's positive cache
   * TTL, {@code networkaddress.cache.ttl}: 30 s): an older one, or failure, is dropped and the name
   * looked up again. Dated from the round that started the lookup, so never older than it seems.
   */
  static final Duration ANSWER_TTL = Duration.ofSeconds(30);

  /** Runs the lookups: a daemon thread each (at most one running per name, see the class doc). */
  private static final Executor LOOKUPS = task -> {
    Thread t = new Thread(task, "keyway-bootstrap-lookup");
    t.setDaemon(true);
    t.start();
  };

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
    /** The lookup running or finished and not yet taken, or null. */
    CompletableFuture<List<InetAddress>> pending;
    /** When (the round's time, ms) that lookup was started. */
    long pendingSince;
  }

  private final String node;
  private final List<Peer> peers;
  private final Lookup lookup;
  private final Duration cap;
  private final Map<Peer, State> named = new LinkedHashMap<>();
  private long nextAt = Long.MIN_VALUE;

  GossipBootstrapNames(String node, List<Peer> peers, Lookup lookup) {
    this(node, peers, lookup, LOOKUP_CAP);
  }

  /** As above, waiting at most {@code cap} for a round's answers. */
  GossipBootstrapNames(String node, List<Peer> peers, Lookup lookup, Duration cap) {
    this.node = node;
    this.peers = List.copyOf(peers);
    this.lookup = lookup;
    this.cap = cap;
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
   * Resolves every name now (blocking for at most {@link #LOOKUP_CAP}): returns all bootstrap
   * peers, a named one with the addresses its name has (none if it did not resolve in time), and
   * the warnings.
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
   * Called regularly: while the node has no neighbour, every {@link #RETRY} (blocking for at most
   * {@link #LOOKUP_CAP}) resolves the
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
    if (Thread.currentThread().isInterrupted()) {
      return new Resolution(List.of(), lines); // shutting down: the round was cut short
    }
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
    named.forEach((p, s) -> {
      if (s.pending != null && s.pending.isDone() && nowMillis - s.pendingSince > ANSWER_TTL.toMillis()) {
        s.pending = null; // an answer (or failure) from a lookup that timed out long ago: stale
      }
      if (s.pending == null) {
        s.pending = CompletableFuture.supplyAsync(() -> resolve(p.host()), LOOKUPS);
        s.pendingSince = nowMillis;
      }
    });
    // One deadline for the round (a wait, not the injected clock): N names cost at most the cap.
    long deadline = System.nanoTime() + cap.toNanos();
    List<String> lines = new ArrayList<>();
    for (Map.Entry<Peer, State> e : named.entrySet()) {
      if (Thread.currentThread().isInterrupted()) {
        break; // shutting down: no name counts as not resolved; the lookups begun are kept
      }
      String line = lookUp(e.getKey(), e.getValue(), nowMillis, deadline);
      if (line != null) {
        lines.add(line);
      }
    }
    return lines;
  }

  private List<InetAddress> resolve(String host) {
    try {
      return lookup.resolve(host);
    } catch (UnknownHostException e) {
      throw new CompletionException(e);
    }
  }

  /** Waits for one name's lookup until {@code deadline}; returns the line to print, if any. */
  private String lookUp(Peer p, State s, long nowMillis, long deadline) {
    List<SocketAddr> found = new ArrayList<>();
    String why;
    try {
      List<InetAddress> ips = s.pending.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      s.pending = null;
      for (InetAddress ip : ips) {
        SocketAddr a = SocketAddr.of(new InetSocketAddress(ip, p.port()));
        if (!found.contains(a)) {
          found.add(a);
        }
      }
      why = found.isEmpty() ? "no addresses" : null;
    } catch (TimeoutException e) {
      long ms = cap.toMillis();
      why = "the resolver gave no answer within " + (ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms")
          + " (the lookup goes on; the next try takes its answer)";
    } catch (ExecutionException e) {
      s.pending = null;
      why = e.getCause() instanceof UnknownHostException u ? reason(p.host(), u)
          : "the lookup failed (" + e.getCause() + ")";
    } catch (InterruptedException e) {
      // Shutting down: not a failure of the name (no warning, not counted); the lookup is kept.
      Thread.currentThread().interrupt();
      return null;
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
