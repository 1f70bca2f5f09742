package dev.keyway.ops.cli;

import dev.keyway.client.addr.EndpointAddr;
import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.ticket.EndpointTicket;
import dev.keyway.gossip.book.BookConfig;
import dev.keyway.gossip.book.GossipAddressBook;
import dev.keyway.gossip.net.GossipNode;
import dev.keyway.gossip.net.GossipNodeConfig;
import dev.keyway.gossip.net.TransportKind;
import dev.keyway.ops.cli.GossipStartFailures.StartFailure;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The running demo: node, book, printing, JSON dump and web page ({@code keyway gossip demo} runs
 * one, {@code keyway gossip swarm} many on one Vert.x instance). Address-book blocks and the
 * start lines go to {@code out}; warnings (bootstrap peers that cannot be joined, rejected
 * inbound handshakes, a dump that cannot be written) and their resolution go to {@code err}.
 */
final class GossipDemoNode {
  private final PrintWriter out;
  private final PrintWriter err;
  private final boolean quiet;
  /** The JSON dump, null without one. */
  private final GossipJsonDump dump;
  private final Clock clock;
  private Vertx vertx;
  private GossipNode node;
  private volatile GossipAddressBook book;
  /** The book's text, JSON and page; null until the book has started. */
  private volatile GossipBookViews views;
  /** Its Prometheus series (served with the web page); null until the book has started. */
  private volatile GossipMetrics metrics;
  private HttpServer http;
  private final boolean ownsVertx;
  private volatile boolean closed;
  private GossipJoinWatch joinWatch;
  /** Inbound handshakes rejected, as last reported, and when (tick thread only). */
  private long rejectedReported;
  private long rejectedReportedAt = Long.MIN_VALUE;
  /** The listing last printed (without ages), so that a change that shows nothing prints nothing. */
  private String printedListing;
  /** When shared names were last reported (tick thread only). */
  private long sharedNamesReportedAt = Long.MIN_VALUE;
  /** Resolves the host names of {@code --bootstrap} peers (the system's resolver, or a test's). */
  private final GossipBootstrapNames.Lookup lookup;
  /** The bootstrap peers given by name; null until started. */
  private GossipBootstrapNames names;
  /** Whether a lookup of those names is running (tick thread only). */
  private volatile boolean resolving;
  /** The {@code --advertise} addresses; empty: what the node binds (see GossipNodeConfig). */
  private List<SocketAddr> advertise = List.of();

  /** A node with its own Vert.x instance. */
  GossipDemoNode(PrintWriter out, PrintWriter err, boolean quiet, Path jsonDump) {
    this(out, err, quiet, jsonDump, null);
  }

  /** A node on {@code shared} (not closed with the node), or on its own instance when null. */
  GossipDemoNode(PrintWriter out, PrintWriter err, boolean quiet, Path jsonDump, Vertx shared) {
    this(out, err, quiet, jsonDump, shared, Clock.systemUTC());
  }

  GossipDemoNode(PrintWriter out, PrintWriter err, boolean quiet, Path jsonDump, Vertx shared, Clock clock) {
    this(out, err, quiet, jsonDump, shared, clock, GossipBootstrapNames.SYSTEM);
  }

  /** As above, resolving the bootstrap peers' host names with {@code lookup}. */
  GossipDemoNode(PrintWriter out, PrintWriter err, boolean quiet, Path jsonDump, Vertx shared, Clock clock,
      GossipBootstrapNames.Lookup lookup) {
    this.lookup = lookup;
    this.out = out;
    this.err = err;
    this.quiet = quiet;
    this.dump = jsonDump == null ? null : new GossipJsonDump(jsonDump, this::report);
    this.vertx = shared;
    this.ownsVertx = shared == null;
    this.clock = clock;
  }

  /**
   * The addresses the node is to announce, and print in its bootstrap lines, instead of those it
   * binds (behind NAT, in a container); call before {@link #start}.
   */
  void advertise(List<SocketAddr> addrs) {
    this.advertise = List.copyOf(addrs);
  }

  /**
   * Starts the node and the web page (if asked), so a port that cannot be had fails the start
   * before the ticket is printed (a {@link StartFailure} names the address and the transport);
   * then resolves the bootstrap peers' host names, waiting at most
   * {@link GossipBootstrapNames#LOOKUP_CAP} (a name that does not resolve in time is a warning,
   * and is resolved again later: see {@link GossipBootstrapNames}), and starts the book.
   */
  void start(SecretKey key, TransportKind kind, InetSocketAddress bind, BookConfig bookConfig,
      List<GossipBootstrapNames.Peer> bootstrap, Integer httpPort) {
    start(key, kind, bind, bookConfig, bootstrap, httpPort, null);
  }

  /**
   * As above, with the web page on {@code httpBind} (127.0.0.1 when null): another host's
   * Prometheus scrapes {@code /metrics} only from an address it can reach.
   */
  void start(SecretKey key, TransportKind kind, InetSocketAddress bind, BookConfig bookConfig,
      List<GossipBootstrapNames.Peer> peers, Integer httpPort, InetAddress httpBind) {
    names = new GossipBootstrapNames(bookConfig.name(), peers, lookup);
    InetAddress httpHost = httpBind != null ? httpBind : InetAddress.getLoopbackAddress();
    if (ownsVertx) {
      vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(2)
          .setPreferNativeTransport(true)); // epoll: TCP_USER_TIMEOUT (GossipNode)
    }
    GossipNodeConfig config = GossipAddressBook.nodeConfig(
        GossipNodeConfig.defaults().withTransport(kind).withBind(bind).withAdvertise(advertise), bookConfig);
    try {
      node = join(GossipNode.builder(key).vertx(vertx).config(config).start());
    } catch (IllegalStateException e) {
      throw new StartFailure("cannot listen on " + hostPort(bind) + " (" + transportLabel(kind.resolve()) + "): "
          + GossipStartFailures.reason(e), e);
    }
    if (httpPort != null) {
      http = vertx.createHttpServer().requestHandler(req -> {
        GossipBookViews v = views;
        if (v == null) {
          req.response().setStatusCode(503).end("starting\n");
        } else if (req.path().equals("/book.json")) {
          req.response().putHeader("content-type", "application/json").end(v.json());
        } else if (req.path().equals("/metrics")) {
          req.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
              .end(metrics.scrape());
        } else if (req.path().equals("/healthz")) {
          // Ready while it has a gossip neighbour: a node with none hears of no change.
          int n = neighbours();
          req.response().setStatusCode(n > 0 ? 200 : 503)
              .putHeader("content-type", "application/json")
              .end("{\"status\":\"" + (n > 0 ? "ok" : "isolated") + "\",\"neighbors\":" + n
                  + ",\"peers\":" + book.book().size() + "}\n");
        } else if (req.path().equals("/")) {
          req.response().putHeader("content-type", "text/html; charset=utf-8").end(v.html());
        } else {
          req.response().setStatusCode(404).end("not found\n");
        }
      });
      try {
        join(http.listen(httpPort, httpHost.getHostAddress()).toCompletionStage().toCompletableFuture());
      } catch (IllegalStateException e) {
        throw new StartFailure("cannot listen on " + hostPort(new InetSocketAddress(httpHost, httpPort)) + " (http): "
            + GossipStartFailures.reason(e), e);
      }
    }
    // Bound first: a slow resolver delays the join by at most the cap, never the sockets.
    GossipBootstrapNames.Resolution resolved = names.start(clock.millis());
    report(resolved.lines());
    List<EndpointAddr> bootstrap = resolved.addrs();
    EndpointAddr self = node.endpointAddr();
    synchronized (out) {
      out.println("gossip demo: node " + bookConfig.name() + " " + node.id() + " (" + node.transport()
          + " on " + hostPort(node.localAddress()) + ")");
      out.println("ticket: " + EndpointTicket.of(self));
      // What the node tells its peers (--advertise, or what it binds), one line each: bound to a
      // wildcard (--bind 0.0.0.0), its local address ([::]:P) is no address another member can dial.
      List<SocketAddr> advertised = self.ipAddrs();
      if (advertised.isEmpty()) {
        out.println("bootstrap: " + node.id() + "@" + hostPort(node.localAddress()));
      }
      for (SocketAddr a : advertised) {
        out.println("bootstrap: " + node.id() + "@" + a);
      }
      out.println(bootstrap.isEmpty() ? "starting as the first node" : "joining through " + bootstrap.size() + " node(s)");
      if (http != null) {
        if (httpHost.isAnyLocalAddress()) {
          out.println("web page: http://127.0.0.1:" + http.actualPort() + "/ (listening on "
              + hostPort(new InetSocketAddress(httpHost, http.actualPort())) + ", every address of this host)");
        } else {
          out.println("web page: http://" + hostPort(new InetSocketAddress(httpHost, http.actualPort())) + "/");
        }
      }
      out.flush();
    }
    // Before the book joins: the first dials to the bootstrap peers can fail at once.
    joinWatch = new GossipJoinWatch(bookConfig.name(), node.id(), bootstrap,
        bookConfig.expiry().multipliedBy(2), names.labels());
    node.onDialFailure((peer, why) -> report(joinWatch.dialFailed(peer, why, neighbours(), clock.millis())));
    book = join(GossipAddressBook.start(node, key, bookConfig, clock, bootstrap));
    if (httpPort != null) {
      // before the views open the page
      metrics = new GossipMetrics(node, book, this::neighbours, peers.size());
    }
    views = new GossipBookViews(clock, node, book);
    book.onChange(this::changed);
    changed();
    vertx.setPeriodic(1000, id -> tick());
  }

  /** Once a second: the dump, whether the node has joined, rejected inbound handshakes. */
  private void tick() {
    if (closed) {
      return;
    }
    writeDump();
    report(joinWatch.tick(neighbours(), clock.millis()));
    resolveNamesAgain();
    long rejected = node.stats().handshakesRejected();
    long now = clock.millis();
    if (rejected > rejectedReported && (rejectedReportedAt == Long.MIN_VALUE
        || now - rejectedReportedAt >= GossipJoinWatch.REPEAT.toMillis())) {
      report(List.of("warning: node " + book.name() + " rejected " + (rejected - rejectedReported)
          + " inbound handshake(s) (" + rejected + " in all, net_stats.handshakes_rejected): peers that dial "
          + hostPort(node.localAddress()) + " expecting another node's id, or that do not speak keyway gossip"));
      rejectedReported = rejected;
      rejectedReportedAt = now;
    }
    if (sharedNamesReportedAt == Long.MIN_VALUE
        || now - sharedNamesReportedAt >= GossipJoinWatch.REPEAT.toMillis()) {
      // Live: announced within two intervals.
      Map<String, List<PublicKey>> shared =
          views.sharedNames(book.config().announceInterval().multipliedBy(2));
      if (!shared.isEmpty()) {
        List<String> lines = new ArrayList<>();
        shared.forEach((name, ids) -> lines.add("warning: " + ids.size() + " live nodes announce the"
            + " name '" + name + "' (" + ids.stream().map(PublicKey::toString)
                .collect(java.util.stream.Collectors.joining(", "))
            + "): names are labels, ids are identities; give each member its own name"));
        report(lines);
        sharedNamesReportedAt = now;
      }
    }
  }

  /**
   * While the node has no neighbour, its bootstrap peers' host names are resolved again (off the
   * event loop: a lookup blocks), and new addresses go to the node, which keeps retrying its
   * bootstrap peers while isolated.
   */
  private void resolveNamesAgain() {
    if (resolving || !names.hasNames() || !names.due(neighbours(), clock.millis())) {
      return;
    }
    resolving = true;
    vertx.executeBlocking(() -> names.retry(neighbours(), clock.millis()), false).onComplete(r -> {
      resolving = false;
      if (closed) {
        return;
      }
      if (r.failed()) {
        report(List.of("warning: node " + book.name() + " cannot resolve its bootstrap peers' names: "
            + GossipStartFailures.reason(r.cause())));
        return;
      }
      for (EndpointAddr a : r.result().addrs()) {
        node.addAddresses(a);
      }
      report(r.result().lines());
    });
  }

  /** The topic's neighbour count now (0 before the book has joined it). */
  private int neighbours() {
    GossipAddressBook b = book;
    return b == null ? 0 : b.topic().map(t -> t.neighbors().size()).orElse(0);
  }

  private void report(List<String> lines) {
    if (lines.isEmpty() || closed) {
      return;
    }
    synchronized (err) {
      for (String line : lines) {
        // With its priority under the journal, so that journalctl -p warning shows the warnings.
        err.println(dev.keyway.ops.log.JournalStream.reportPrefix(line) + line);
      }
      err.flush();
    }
  }

  private static String transportLabel(TransportKind kind) {
    return kind == TransportKind.QUIC ? "udp/quic" : "tcp/tls";
  }

  /** The running node's address (after {@link #start}). */
  EndpointAddr endpointAddr() {
    return node.endpointAddr();
  }

  private static <T> T join(java.util.concurrent.CompletableFuture<T> f) {
    try {
      return f.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException(e.getCause() != null ? e.getCause() : e);
    }
  }

  private static String hostPort(InetSocketAddress a) {
    return SocketAddr.of(a).toString();
  }

  private synchronized void changed() {
    String listing = views.listing();
    if (!quiet && !listing.equals(printedListing)) {
      // A name passing between two nodes that share it changes no line: nothing to print.
      printedListing = listing;
      String block = views.text();
      synchronized (out) {
        out.print(block);
        out.flush();
      }
    }
    writeDump();
  }

  private void writeDump() {
    GossipBookViews v = views;
    if (dump == null || closed || v == null) {
      return;
    }
    dump.write(v::json);
  }

  void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    if (book != null) {
      book.close();
    }
    if (metrics != null) {
      metrics.close();
    }
    if (node != null) {
      node.close();
    }
    if (vertx != null && ownsVertx) {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
