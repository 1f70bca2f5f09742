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
        "Exit codes: 0 stopped; 1 could not start (port taken, unreadable key); 2 bad arguments."
      })
  static final class Demo implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "This node's name in the address book.")
    String name;

    @Mixin GossipNodeOptions node = new GossipNodeOptions();

    @Option(names = "--port", paramLabel = "P", description = "Port to listen on (default: ${DEFAULT-VALUE}, any free).")
    int port;

    @Option(names = "--http", paramLabel = "PORT", description = "Serve the address book as a web page on 127.0.0.1:PORT (0: any free).")
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
      PrintWriter out = spec.commandLine().getOut();
      TransportKind kind = node.transportKind();
      BookConfig bookConfig = node.bookConfig(name);
      List<EndpointAddr> boot = node.bootstrapAddrs();
      SecretKey key = readKey();
      DemoNode demo = new DemoNode(out, quiet, jsonDump);
      try {
        demo.start(key, kind, new InetSocketAddress(node.bind, port), bookConfig, boot, httpPort);
      } catch (RuntimeException e) {
        demo.close();
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        throw new CommandExit(CommandLine.ExitCode.SOFTWARE, "cannot start: " + cause.getMessage());
      }
      new StopOnSignal("gossip-demo", demo::close).await();
      out.println("gossip demo stopped");
      out.flush();
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

  /** A ticket ({@code endpoint...} or {@code node...}) or {@code ID@HOST:PORT} (an IP literal host). */
  static EndpointAddr parseBootstrap(String text) {
    int at = text.indexOf('@');
    if (at < 0) {
      return Tickets.parse(text);
    }
    PublicKey id = PublicKey.parse(text.substring(0, at));
    return EndpointAddr.of(id, new TransportAddr.Ip(SocketAddr.parse(text.substring(at + 1))));
  }

  /** The running demo: node, book, printing, JSON dump and web page. */
  static final class DemoNode {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final PrintWriter out;
    private final boolean quiet;
    private final Path jsonDump;
    private final Clock clock = Clock.systemUTC();
    private Vertx vertx;
    private GossipNode node;
    private GossipAddressBook book;
    private HttpServer http;
    private final boolean ownsVertx;
    private volatile boolean closed;
    private final Object dumpLock = new Object();

    /** A node with its own Vert.x instance. */
    DemoNode(PrintWriter out, boolean quiet, Path jsonDump) {
      this(out, quiet, jsonDump, null);
    }

    /** A node on {@code shared} (not closed with the node), or on its own instance when null. */
    DemoNode(PrintWriter out, boolean quiet, Path jsonDump, Vertx shared) {
      this.out = out;
      this.quiet = quiet;
      this.jsonDump = jsonDump;
      this.vertx = shared;
      this.ownsVertx = shared == null;
    }

    void start(SecretKey key, TransportKind kind, InetSocketAddress bind, BookConfig bookConfig,
        List<EndpointAddr> bootstrap, Integer httpPort) {
      if (ownsVertx) {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(2)
            .setPreferNativeTransport(true)); // epoll: TCP_USER_TIMEOUT (GossipNode)
      }
      GossipNodeConfig config = GossipAddressBook.nodeConfig(
          GossipNodeConfig.defaults().withTransport(kind).withBind(bind), bookConfig);
      node = join(GossipNode.builder(key).vertx(vertx).config(config).start());
      EndpointAddr self = node.endpointAddr();
      synchronized (out) {
        out.println("gossip demo: node " + bookConfig.name() + " " + node.id() + " (" + node.transport()
            + " on " + hostPort(node.localAddress()) + ")");
        out.println("ticket: " + EndpointTicket.of(self));
        out.println("bootstrap: " + node.id() + "@" + hostPort(node.localAddress()));
        out.println(bootstrap.isEmpty() ? "starting as the first node" : "joining through " + bootstrap.size() + " node(s)");
        out.flush();
      }
      book = join(GossipAddressBook.start(node, key, bookConfig, clock, bootstrap));
      book.onChange(this::changed);
      if (httpPort != null) {
        http = vertx.createHttpServer().requestHandler(req -> {
          if (req.path().equals("/book.json")) {
            req.response().putHeader("content-type", "application/json").end(json());
          } else if (req.path().equals("/")) {
            req.response().putHeader("content-type", "text/html; charset=utf-8").end(html());
          } else {
            req.response().setStatusCode(404).end("not found\n");
          }
        });
        join(http.listen(httpPort, "127.0.0.1").toCompletionStage().toCompletableFuture());
        synchronized (out) {
          out.println("web page: http://127.0.0.1:" + http.actualPort() + "/");
          out.flush();
        }
      }
      changed();
      vertx.setPeriodic(1000, id -> writeDump());
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

    private void writeDumpLocked() {
      try {
        Path abs = jsonDump.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        Files.writeString(tmp, json());
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        synchronized (out) {
          out.println("cannot write " + jsonDump + ": " + e.getMessage());
        }
      }
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
