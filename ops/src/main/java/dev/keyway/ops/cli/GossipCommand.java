package dev.keyway.ops.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.keyway.client.InvalidInputException;
import dev.keyway.client.addr.EndpointAddr;
import dev.keyway.client.addr.SocketAddr;
import dev.keyway.client.addr.TransportAddr;
import dev.keyway.client.keys.KeyFiles;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.ticket.EndpointTicket;
import dev.keyway.client.ticket.Tickets;
import dev.keyway.gossip.book.BookConfig;
import dev.keyway.gossip.book.BookEntry;
import dev.keyway.gossip.book.GossipAddressBook;
import dev.keyway.gossip.net.GossipNode;
import dev.keyway.gossip.net.GossipNodeConfig;
import dev.keyway.gossip.net.TransportKind;
import dev.keyway.gossip.proto.TopicId;
import dev.keyway.gossip.proto.TopicStats;
import dev.keyway.gossip.sim.SimCommand;
import dev.keyway.ops.CommandExit;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/** {@code keyway gossip sim|demo|swarm}: the gossip simulator and live gossip address-book nodes. */
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
        "Warnings go to stderr: a bootstrap peer that cannot be joined (with the reason; the node keeps"
            + " retrying, and says when it has joined), inbound handshakes it rejected, a JSON dump it cannot write.",
        "Exit codes: 0 stopped; 1 could not start (port taken, unreadable key); 2 bad arguments."
      })
  static final class Demo implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "This node's name in the address book.")
    String name;

    @Mixin GossipNodeOptions node = new GossipNodeOptions();

    @Option(names = "--port", paramLabel = "P", description = "Port to listen on, 0..65535 (default: ${DEFAULT-VALUE}, any free).")
    int port;

    @Option(names = "--http", paramLabel = "PORT", description = "Serve the address book as a web page on 127.0.0.1:PORT, 0..65535 (0: any free).")
    Integer httpPort;

    @Option(names = "--json-dump", paramLabel = "FILE",
        description = "Keep FILE updated with the address book as JSON (rewritten atomically on every change and every second).")
    Path jsonDump;

    @Option(names = "--key", paramLabel = "FILE", description = "The node key (default: a new key for this run).")
    Path keyFile;

    @Option(names = "--quiet", description = "Do not print address book blocks (the JSON dump and web page still update).")
    boolean quiet;

    @Override
    public void run() {
      CommandLine cli = spec.commandLine();
      // Every argument is checked before anything starts (a usage error, exit 2).
      List<String> warnings = node.validate(cli, name);
      GossipNodeOptions.checkPort(cli, "--port", port);
      if (httpPort != null) {
        GossipNodeOptions.checkPort(cli, "--http", httpPort);
      }
      if (jsonDump != null) {
        checkDumpFile(cli, jsonDump);
      }
      PrintWriter out = cli.getOut();
      PrintWriter err = cli.getErr();
      TransportKind kind = node.transportKind();
      BookConfig bookConfig = node.bookConfig(name);
      List<EndpointAddr> boot = node.bootstrapAddrs();
      InetSocketAddress listen = new InetSocketAddress(node.bindAddress(cli), port);
      SecretKey key = readKey();
      printWarnings(err, warnings);
      DemoNode demo = new DemoNode(out, err, quiet, jsonDump);
      try {
        demo.start(key, kind, listen, bookConfig, boot, httpPort);
      } catch (RuntimeException e) {
        demo.close();
        throw startFailure(e);
      }
      new StopOnSignal("gossip-demo", demo::close).await();
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
        err.println("keyway: " + w);
      }
      err.flush();
    }
  }

  /** A failure to start as the exit-1 failure the user sees: what could not be done, and why. */
  static CommandExit startFailure(RuntimeException e) {
    if (e instanceof StartFailure f) {
      return new CommandExit(CommandLine.ExitCode.SOFTWARE, f.getMessage());
    }
    Throwable cause = e.getCause() != null ? e.getCause() : e;
    return new CommandExit(CommandLine.ExitCode.SOFTWARE, "cannot start: " + reason(cause));
  }

  /** A start failure whose message says what failed, where and why (shown as is). */
  static final class StartFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StartFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * The reason of a socket error in words: the message, without Netty's native prefix
   * ({@code bind(..) failed with error(-98): Address already in use} becomes
   * {@code Address already in use}).
   */
  static String reason(Throwable e) {
    Throwable t = e;
    while ((t instanceof IllegalStateException || t instanceof java.util.concurrent.CompletionException
        || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    String m = t.getMessage();
    if (m == null || m.isBlank()) {
      return t.getClass().getSimpleName();
    }
    return m.replaceFirst("^\\w+\\(\\.\\.\\) failed(?: with error\\(-?\\d+\\))?: ", "");
  }

  static TransportKind parseTransport(String text) {
    try {
      return TransportKind.valueOf(text.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("--transport must be quic, tcp or auto, not '" + text + "'");
    }
  }

  /**
   * Turns failed dials to a node's bootstrap peers into warnings for an operator, rate-limited:
   * the first failure of each peer at once, then at most one line a {@linkplain #REPEAT minute}
   * per peer (with the count since), and one line once the node has a neighbour. Failures while
   * the node has neighbours are not reported: the protocol handles peers coming and going, and only
   * joining depends on the bootstrap peers. Thread-safe; time is passed in.
   */
  static final class JoinWatch {
    /** The shortest time between two reports about one peer. */
    static final Duration REPEAT = Duration.ofMinutes(1);
    private final String name;
    private final Map<PublicKey, EndpointAddr> bootstrap = new LinkedHashMap<>();
    private final Map<PublicKey, Failures> failures = new LinkedHashMap<>();

    private static final class Failures {
      long total;
      long sinceReport;
      long reportedAt;
    }

    JoinWatch(String name, PublicKey self, List<EndpointAddr> bootstrap) {
      this.name = name;
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

    /** Called regularly: once the node has a neighbour after reported failures, one line says so. */
    synchronized List<String> tick(int neighbours, long nowMillis) {
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

    private static String label(EndpointAddr a) {
      List<String> ips = new ArrayList<>();
      for (SocketAddr s : a.ipAddrs()) {
        ips.add(s.toString());
      }
      return a.id() + (ips.isEmpty() ? "" : "@" + String.join(",", ips));
    }
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
    return reason(new RuntimeException(reason));
  }

  /** Why a file operation failed, in words (the exception's type says more than its message). */
  static String ioReason(IOException e) {
    if (e instanceof java.nio.file.NoSuchFileException f) {
      Path parent = f.getFile() == null ? null : Path.of(f.getFile()).toAbsolutePath().getParent();
      return "no such directory" + (parent == null ? "" : " " + parent);
    }
    if (e instanceof java.nio.file.AccessDeniedException f) {
      return "permission denied" + (f.getFile() == null ? "" : " (" + f.getFile() + ")");
    }
    if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
      return f.getReason() + (f.getFile() == null ? "" : " (" + f.getFile() + ")");
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
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

  /**
   * The running demo: node, book, printing, JSON dump and web page. Address-book blocks and the
   * start lines go to {@code out}; warnings (bootstrap peers that cannot be joined, rejected
   * inbound handshakes, a dump that cannot be written) and their resolution go to {@code err}.
   */
  static final class DemoNode {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean quiet;
    private final Path jsonDump;
    private final Clock clock;
    private Vertx vertx;
    private GossipNode node;
    private volatile GossipAddressBook book;
    private HttpServer http;
    private final boolean ownsVertx;
    private volatile boolean closed;
    private final Object dumpLock = new Object();
    /** The last dump failure reported (dumpLock), null while writing works. */
    private String dumpError;
    private JoinWatch joinWatch;
    /** Inbound handshakes rejected, as last reported, and when (tick thread only). */
    private long rejectedReported;
    private long rejectedReportedAt = Long.MIN_VALUE;

    /** A node with its own Vert.x instance. */
    DemoNode(PrintWriter out, PrintWriter err, boolean quiet, Path jsonDump) {
      this(out, err, quiet, jsonDump, null);
    }

    /** A node on {@code shared} (not closed with the node), or on its own instance when null. */
    DemoNode(PrintWriter out, PrintWriter err, boolean quiet, Path jsonDump, Vertx shared) {
      this(out, err, quiet, jsonDump, shared, Clock.systemUTC());
    }

    DemoNode(PrintWriter out, PrintWriter err, boolean quiet, Path jsonDump, Vertx shared, Clock clock) {
      this.out = out;
      this.err = err;
      this.quiet = quiet;
      this.jsonDump = jsonDump;
      this.vertx = shared;
      this.ownsVertx = shared == null;
      this.clock = clock;
    }

    /**
     * Starts the node, the web page (if asked) and the book, in that order, so a port that cannot
     * be had fails the start before the ticket is printed; a {@link StartFailure} names the address
     * and the transport.
     */
    void start(SecretKey key, TransportKind kind, InetSocketAddress bind, BookConfig bookConfig,
        List<EndpointAddr> bootstrap, Integer httpPort) {
      if (ownsVertx) {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(2)
            .setPreferNativeTransport(true)); // epoll: TCP_USER_TIMEOUT (GossipNode)
      }
      GossipNodeConfig config = GossipAddressBook.nodeConfig(
          GossipNodeConfig.defaults().withTransport(kind).withBind(bind), bookConfig);
      try {
        node = join(GossipNode.builder(key).vertx(vertx).config(config).start());
      } catch (IllegalStateException e) {
        throw new StartFailure("cannot listen on " + hostPort(bind) + " (" + transportLabel(kind.resolve()) + "): "
            + reason(e), e);
      }
      if (httpPort != null) {
        http = vertx.createHttpServer().requestHandler(req -> {
          if (book == null) {
            req.response().setStatusCode(503).end("starting\n");
          } else if (req.path().equals("/book.json")) {
            req.response().putHeader("content-type", "application/json").end(json());
          } else if (req.path().equals("/")) {
            req.response().putHeader("content-type", "text/html; charset=utf-8").end(html());
          } else {
            req.response().setStatusCode(404).end("not found\n");
          }
        });
        try {
          join(http.listen(httpPort, "127.0.0.1").toCompletionStage().toCompletableFuture());
        } catch (IllegalStateException e) {
          throw new StartFailure("cannot listen on 127.0.0.1:" + httpPort + " (http): " + reason(e), e);
        }
      }
      EndpointAddr self = node.endpointAddr();
      synchronized (out) {
        out.println("gossip demo: node " + bookConfig.name() + " " + node.id() + " (" + node.transport()
            + " on " + hostPort(node.localAddress()) + ")");
        out.println("ticket: " + EndpointTicket.of(self));
        out.println("bootstrap: " + node.id() + "@" + hostPort(node.localAddress()));
        out.println(bootstrap.isEmpty() ? "starting as the first node" : "joining through " + bootstrap.size() + " node(s)");
        if (http != null) {
          out.println("web page: http://127.0.0.1:" + http.actualPort() + "/");
        }
        out.flush();
      }
      // Before the book joins: the first dials to the bootstrap peers can fail at once.
      joinWatch = new JoinWatch(bookConfig.name(), node.id(), bootstrap);
      node.onDialFailure((peer, why) -> report(joinWatch.dialFailed(peer, why, neighbours(), clock.millis())));
      book = join(GossipAddressBook.start(node, key, bookConfig, clock, bootstrap));
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
      long rejected = node.stats().handshakesRejected();
      long now = clock.millis();
      if (rejected > rejectedReported && (rejectedReportedAt == Long.MIN_VALUE
          || now - rejectedReportedAt >= JoinWatch.REPEAT.toMillis())) {
        report(List.of("warning: node " + book.name() + " rejected " + (rejected - rejectedReported)
            + " inbound handshake(s) (" + rejected + " in all, net_stats.handshakes_rejected): peers that dial "
            + hostPort(node.localAddress()) + " expecting another node's id, or that do not speak keyway gossip"));
        rejectedReported = rejected;
        rejectedReportedAt = now;
      }
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
          err.println(line);
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

    private void changed() {
      if (!quiet) {
        String block = text();
        synchronized (out) {
          out.print(block);
          out.flush();
        }
      }
      writeDump();
    }

    private String text() {
      Instant now = clock.instant();
      List<BookEntry> peers = book.entries();
      StringBuilder b = new StringBuilder();
      b.append("Address book (").append(now).append(")\n");
      b.append("  Self: ").append(book.name()).append(" (").append(node.id()).append(") ")
          .append(addrs(node.endpointAddr().addrs())).append('\n');
      if (peers.isEmpty()) {
        b.append("  No peers discovered yet\n");
      } else {
        b.append("  Discovered peers (").append(peers.size()).append("):\n");
        for (BookEntry e : peers) {
          b.append("    \u2022 ").append(e.name()).append(" (").append(e.nodeId()).append(") ")
              .append(addrs(e.announcement().addrs())).append(" age ").append(age(e.age(now))).append('\n');
        }
      }
      return b.toString();
    }

    private static String addrs(java.util.Collection<TransportAddr> addrs) {
      List<String> s = new ArrayList<>();
      for (TransportAddr a : addrs) {
        s.add(a.value());
      }
      return s.toString();
    }

    private static String age(Duration d) {
      return String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
    }

    Map<String, Object> snapshot() {
      Instant now = clock.instant();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", book.name());
      m.put("id", node.id().toString());
      m.put("transport", node.transport().toString());
      m.put("addrs", node.endpointAddr().addrs().stream().map(TransportAddr::value).toList());
      m.put("time", now.toString());
      m.put("expiry_ms", book.config().expiry().toMillis());
      List<Map<String, Object>> peers = new ArrayList<>();
      for (BookEntry e : book.entries()) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("name", e.name());
        p.put("id", e.nodeId().toString());
        p.put("addrs", e.announcement().addrs().stream().map(TransportAddr::value).toList());
        p.put("age_ms", e.age(now).toMillis());
        p.put("last_updated_us", e.announcement().timestampMicros());
        peers.add(p);
      }
      m.put("peers", peers);
      m.put("neighbors", book.topic().map(t -> t.neighbors().stream().map(PublicKey::toString).sorted().toList())
          .orElse(List.of()));
      m.put("book_stats", book.stats().asMap());
      m.put("net_stats", node.stats().asMap());
      book.topic().ifPresent(t -> m.put("topic_stats", topicStats(t.stats())));
      return m;
    }

    private static Map<String, Object> topicStats(TopicStats t) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("payload_received", t.payloadReceived());
      m.put("control_received", t.controlReceived());
      m.put("duplicates", t.duplicates());
      m.put("grafts_sent", t.graftsSent());
      m.put("prunes_sent", t.prunesSent());
      m.put("invalid", t.invalid());
      return m;
    }

    String json() {
      try {
        return JSON.writeValueAsString(snapshot());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** The live page: refreshes itself every 2 s; the same look as the relay's status page. */
    private String html() {
      Instant now = clock.instant();
      List<BookEntry> entries = book.entries();
      int neighbours = book.topic().map(t -> t.neighbors().size()).orElse(0);
      StringBuilder b = new StringBuilder(2048);
      b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
          .append("<meta http-equiv=\"refresh\" content=\"2\">")
          .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
          .append("<title>keyway gossip: ").append(esc(book.name())).append("</title><style>")
          .append("body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;")
          .append("background:#f6f7f9;color:#1d2330}")
          .append("main{max-width:60rem;margin:2.5rem auto;padding:0 1.2rem}")
          .append("h1{font-size:1.5rem;margin:0 0 .2rem}p.sub{color:#5b6475;margin:0 0 1.6rem}")
          .append(".grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:.8rem}")
          .append(".card{background:#fff;border:1px solid #e1e4ea;border-radius:.6rem;padding:.9rem 1rem}")
          .append(".card b{display:block;font-size:1.35rem;font-variant-numeric:tabular-nums}")
          .append(".card span{color:#5b6475;font-size:.85rem}h2{font-size:1.05rem;margin:1.8rem 0 .6rem}")
          .append("table{width:100%;border-collapse:collapse;background:#fff;border:1px solid #e1e4ea}")
          .append("th,td{padding:.45rem .8rem;text-align:left;border-bottom:1px solid #eef0f4}")
          .append("th{color:#5b6475;font-weight:600;font-size:.85rem}td.age{font-variant-numeric:tabular-nums}")
          .append("code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.8rem}")
          .append("footer{color:#8a92a3;font-size:.8rem;margin-top:1.2rem}")
          .append("</style></head><body><main>\n")
          .append("<h1>Address book of ").append(esc(book.name())).append("</h1><p class=\"sub\">")
          .append("<code>").append(node.id()).append("</code> &middot; ")
          .append(esc(addrs(node.endpointAddr().addrs()))).append(" &middot; ").append(node.transport())
          .append("</p>\n<div class=\"grid\">");
      card(b, Integer.toString(entries.size()), "peers in the book");
      card(b, Integer.toString(neighbours), "gossip neighbours");
      card(b, age(book.config().expiry()), "expiry after last seen");
      b.append("</div>\n<h2>Peers</h2><table><tr><th>name</th><th>id</th><th>addresses</th>")
          .append("<th>last seen</th></tr>");
      for (BookEntry e : entries) {
        b.append("<tr><td>").append(esc(e.name())).append("</td><td><code>").append(e.nodeId())
            .append("</code></td><td>").append(esc(addrs(e.announcement().addrs())))
            .append("</td><td class=\"age\">").append(age(e.age(now))).append(" ago</td></tr>");
      }
      if (entries.isEmpty()) {
        b.append("<tr><td colspan=\"4\">no peers yet</td></tr>");
      }
      b.append("</table>\n<footer>").append(entries.size()).append(" peers, updated ").append(now)
          .append(" &middot; <a href=\"/book.json\">JSON</a></footer></main></body></html>");
      return b.toString();
    }

    private static void card(StringBuilder b, String value, String label) {
      b.append("<div class=\"card\"><b>").append(esc(value)).append("</b><span>").append(esc(label))
          .append("</span></div>");
    }

    private static String esc(String s) {
      return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private void writeDump() {
      if (jsonDump == null || closed || book == null) {
        return;
      }
      synchronized (dumpLock) {
        writeDumpLocked();
      }
    }

    /**
     * Replaces the dump atomically. A failure is reported on stderr with its reason once, and again
     * only when the reason changes; that writing works again is reported too.
     */
    private void writeDumpLocked() {
      String failure = null;
      try {
        Path abs = jsonDump.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        Files.writeString(tmp, json());
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        failure = ioReason(e);
      }
      if (failure != null && !failure.equals(dumpError)) {
        report(List.of("warning: cannot write " + jsonDump + ": " + failure + " (retrying every second)"));
      } else if (failure == null && dumpError != null) {
        report(List.of("writing " + jsonDump + " again"));
      }
      dumpError = failure;
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
}
