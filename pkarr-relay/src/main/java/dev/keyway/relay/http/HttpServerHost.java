package dev.keyway.relay.http;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.KeyCertOptions;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP listener served by one or more Vert.x event loops: the lifecycle every keyway HTTP
 * server shares (relay, metrics, the DNS server's HTTP API).
 *
 * <ul>
 *   <li>{@link #start} binds and returns once every event loop listens, or throws; with port 0 the
 *       first event loop picks a free port and the others join it, so {@link #port()} is the one
 *       port all of them serve;
 *   <li>each event loop gets its own handler from the supplier (handlers may keep per-loop state
 *       without locks);
 *   <li>{@link #close()} is graceful: the listener stops accepting, requests in flight may finish
 *       for up to the shutdown timeout, then connections close.
 * </ul>
 * The blocking methods must not be called on an event loop.
 */
public final class HttpServerHost implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpServerHost.class);
  /** Tries at finding a free port that nobody takes before it is bound. */
  private static final int FREE_PORT_ATTEMPTS = 5;
  /** Longest {@link #start} waits for the listeners. */
  static final long START_TIMEOUT_SECONDS = 30;
  /** How often requests whose body is late are looked for: the timeout's precision. */
  private static final long BODY_SWEEP_MILLIS = 1_000;

  /**
   * @param name for logs ({@code "relay"}, {@code "metrics"})
   * @param bindAddress IP to listen on
   * @param port port, 0 for any free one
   * @param eventLoops how many event loops share the listener (at least 1)
   * @param shutdownTimeout how long {@link #close()} lets requests in flight finish
   * @param tls certificate and key for HTTPS, or null for plain HTTP
   * @param bodyTimeout how long a request body may take to arrive in full: then 408 and the
   *     connection (HTTP/1.x) or stream (HTTP/2) ends; a client trickling bytes would otherwise
   *     keep the idle timeout from ever firing. Routes may apply the same limit sooner, with their
   *     own answer.
   * @param headerTimeout how long an HTTP/1.x connection may take to deliver a request's head
   *     (request line and headers), counted from its opening or from the end of its previous
   *     exchange: then it is closed. The idle timeout alone would let a client trickling a head
   *     byte by byte hold a connection for ever. It also bounds how long a keep-alive connection
   *     may sit idle between requests.
   * @param h2c whether plain HTTP also takes HTTP/2 without TLS (prior knowledge, or an
   *     {@code Upgrade: h2c} request; pkarr-relay and iroh-dns-server, served by hyper, take the
   *     former); off by default, as in nginx. With it on, Vert.x makes the connection only once
   *     the first request's head is complete (it must read that head to see an upgrade), so the
   *     header timeout cannot watch a first head trickled on plain HTTP, or a connection that
   *     sends nothing (the idle timeout still closes that one). HTTPS negotiates HTTP/2 by ALPN
   *     either way.
   */
  public record Options(String name, String bindAddress, int port, int eventLoops,
      Duration shutdownTimeout, KeyCertOptions tls, Duration bodyTimeout, Duration headerTimeout,
      boolean h2c) {
    /** Default {@link #bodyTimeout}. */
    public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(30);
    /**
     * Default {@link #headerTimeout}: hyper's HTTP/1 header read timeout (pkarr-relay and
     * iroh-dns-server are served by hyper).
     */
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(30);

    public Options {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(bindAddress, "bindAddress");
      Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
      Objects.requireNonNull(bodyTimeout, "bodyTimeout");
      Objects.requireNonNull(headerTimeout, "headerTimeout");
      if (bodyTimeout.isNegative() || bodyTimeout.isZero()) {
        throw new IllegalArgumentException("bodyTimeout must be positive, got " + bodyTimeout);
      }
      if (headerTimeout.isNegative() || headerTimeout.isZero()) {
        throw new IllegalArgumentException("headerTimeout must be positive, got " + headerTimeout);
      }
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be 0..65535, got " + port);
      }
      if (eventLoops < 1) {
        throw new IllegalArgumentException("eventLoops must be at least 1, got " + eventLoops);
      }
    }

    /** HTTP or HTTPS, default body and header timeouts, no h2c. */
    public Options(String name, String bindAddress, int port, int eventLoops,
        Duration shutdownTimeout, KeyCertOptions tls) {
      this(name, bindAddress, port, eventLoops, shutdownTimeout, tls, DEFAULT_BODY_TIMEOUT,
          DEFAULT_HEADER_TIMEOUT, false);
    }

    /** Plain HTTP, default body and header timeouts, no h2c. */
    public Options(String name, String bindAddress, int port, int eventLoops,
        Duration shutdownTimeout) {
      this(name, bindAddress, port, eventLoops, shutdownTimeout, null);
    }

    /** This one with another body timeout. */
    public Options withBodyTimeout(Duration timeout) {
      return new Options(name, bindAddress, port, eventLoops, shutdownTimeout, tls, timeout,
          headerTimeout, h2c);
    }

    /** This one with another header timeout. */
    public Options withHeaderTimeout(Duration timeout) {
      return new Options(name, bindAddress, port, eventLoops, shutdownTimeout, tls, bodyTimeout,
          timeout, h2c);
    }

    /** This one with h2c on or off. */
    public Options withH2c(boolean on) {
      return new Options(name, bindAddress, port, eventLoops, shutdownTimeout, tls, bodyTimeout,
          headerTimeout, on);
    }
  }

  private final Vertx vertx;
  private final Options options;
  private final List<String> deployments;
  private final List<Listener> listeners;
  private final int port;
  private volatile boolean closed;

  private HttpServerHost(Vertx vertx, Options options, List<String> deployments,
      List<Listener> listeners, int port) {
    this.vertx = vertx;
    this.options = options;
    this.deployments = deployments;
    this.listeners = List.copyOf(listeners);
    this.port = port;
  }

  /**
   * Binds {@code options.bindAddress():options.port()} and serves it with handlers from
   * {@code handlers}, one per event loop.
   *
   * @throws UncheckedIOException if the address cannot be bound (in use, not local)
   */
  public static HttpServerHost start(Vertx vertx, Options options,
      Supplier<? extends Handler<HttpServerRequest>> handlers) {
    Objects.requireNonNull(vertx, "vertx");
    Objects.requireNonNull(handlers, "handlers");
    if (options.port() != 0 || options.eventLoops() == 1) {
      return bind(vertx, options, options.port(), handlers);
    }
    // Vert.x shares a listener between servers asking for the same port, but never for port 0
    // (and its negative "shared random port" form is refused by the HTTP server), so with several
    // event loops a free port is picked first; another process could take it in between, so a
    // failed bind is retried on a fresh port.
    UncheckedIOException last = null;
    for (int attempt = 0; attempt < FREE_PORT_ATTEMPTS; attempt++) {
      try {
        return bind(vertx, options, freePort(options.bindAddress()), handlers);
      } catch (UncheckedIOException e) {
        last = e;
      }
    }
    throw last;
  }

  private static HttpServerHost bind(Vertx vertx, Options options, int listenPort,
      Supplier<? extends Handler<HttpServerRequest>> handlers) {
    List<String> deployments = new ArrayList<>();
    List<Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    try {
      Listener first = new Listener(options, listenPort, handlers.get());
      listeners.add(first);
      deployments.add(await(vertx.deployVerticle(first), options));
      int port = first.server.actualPort();
      if (options.eventLoops() > 1) {
        deployments.add(await(vertx.deployVerticle(() -> {
          Listener l = new Listener(options, port, handlers.get());
          listeners.add(l);
          return l;
        }, new DeploymentOptions().setInstances(options.eventLoops() - 1)), options));
      }
      LOG.info("{} listening on {}://{}:{} ({} event loop{})", options.name(),
          options.tls() == null ? "http" : "https",
          hostForUrl(options.bindAddress()), port, options.eventLoops(),
          options.eventLoops() == 1 ? "" : "s");
      return new HttpServerHost(vertx, options, deployments, listeners, port);
    } catch (RuntimeException e) {
      for (String id : deployments) {
        vertx.undeploy(id);
      }
      throw e;
    }
  }

  private static int freePort(String bindAddress) {
    try (java.net.ServerSocket s = new java.net.ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new java.net.InetSocketAddress(bindAddress, 0));
      return s.getLocalPort();
    } catch (java.io.IOException e) {
      throw new UncheckedIOException("cannot find a free port on " + bindAddress, e);
    }
  }

  /** The port every event loop serves. */
  public int port() {
    return port;
  }

  /** The options this host was started with. */
  public Options options() {
    return options;
  }

  /**
   * Serves {@code tls} to the connections accepted from now on (connections already open keep
   * their certificate), on every event loop, and waits for it: a renewed certificate without a
   * restart.
   *
   * @throws IllegalStateException if this host serves plain HTTP, or Vert.x refused the
   *     certificate (every event loop then keeps the one it had)
   */
  public void updateTls(KeyCertOptions tls) {
    Objects.requireNonNull(tls, "tls");
    if (options.tls() == null) {
      throw new IllegalStateException(options.name() + " serves plain HTTP: no certificate to update");
    }
    List<Future<Boolean>> updates = new ArrayList<>();
    for (Listener l : listeners) {
      updates.add(l.updateTls(tls));
    }
    for (Future<Boolean> f : updates) {
      try {
        f.toCompletionStage().toCompletableFuture().get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while updating the certificate", e);
      } catch (ExecutionException | TimeoutException e) {
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        throw new IllegalStateException(options.name() + " refused the certificate: " + cause, cause);
      }
    }
  }

  /**
   * Requests whose body is still arriving, over every event loop (each counted on its own loop):
   * what the body timeout watches.
   */
  int requestsReceiving() {
    return countOnLoops(l -> l.receiving.size());
  }

  /** HTTP/1.x connections watched for their request heads, over every event loop. */
  int connectionsWatched() {
    return countOnLoops(Listener::connectionsWatched);
  }

  private int countOnLoops(java.util.function.ToIntFunction<Listener> count) {
    int n = 0;
    for (Listener l : listeners) {
      CompletableFuture<Integer> one = new CompletableFuture<>();
      l.runOnLoop(() -> one.complete(count.applyAsInt(l)));
      try {
        n += one.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      } catch (ExecutionException | TimeoutException e) {
        throw new IllegalStateException(options.name() + " event loop did not answer", e);
      }
    }
    return n;
  }

  /** Stops gracefully (see class doc) and waits for it. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    LOG.info("{} listener on port {} stopping: requests in flight get up to {} s to finish",
        options.name(), port, options.shutdownTimeout().toMillis() / 1000.0);
    List<Future<Void>> stops = new ArrayList<>();
    for (String id : deployments) {
      stops.add(vertx.undeploy(id));
    }
    long waitSeconds = options.shutdownTimeout().toSeconds() + 5;
    for (Future<Void> f : stops) {
      try {
        f.toCompletionStage().toCompletableFuture().get(waitSeconds, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException | TimeoutException e) {
        LOG.warn("{} listener did not stop cleanly: {}", options.name(), e.toString());
      }
    }
    LOG.info("{} listener on port {} stopped", options.name(), port);
  }

  private static String await(Future<String> deployment, Options options) {
    try {
      return deployment.toCompletionStage().toCompletableFuture()
          .get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting " + options.name(), e);
    } catch (TimeoutException e) {
      throw new IllegalStateException(options.name() + " did not start within "
          + START_TIMEOUT_SECONDS + " s", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      String what = options.name() + " cannot listen on " + hostForUrl(options.bindAddress()) + ":"
          + options.port() + ": " + cause.getMessage();
      if (cause instanceof BindException || cause instanceof java.io.IOException) {
        throw new UncheckedIOException(what, cause instanceof java.io.IOException io
            ? io : new java.io.IOException(cause));
      }
      throw new IllegalStateException(what, cause);
    }
  }

  private static String hostForUrl(String address) {
    return address.indexOf(':') >= 0 ? "[" + address + "]" : address;
  }

  /** One event loop's server. */
  private static final class Listener extends VerticleBase {
    private final Options options;
    private final int port;
    private final Handler<HttpServerRequest> handler;
    private HttpServerOptions serverOptions;
    HttpServer server;
    /** Requests whose body is still arriving, with when they came (event-loop confined). */
    private final Map<HttpServerRequest, Long> receiving = new HashMap<>();
    /** Open HTTP/1.x connections and what each is doing (event-loop confined). */
    private final Map<HttpConnection, Exchange> connections = new HashMap<>();
    private long sweeper = -1;

    Listener(Options options, int port, Handler<HttpServerRequest> handler) {
      this.options = options;
      this.port = port;
      this.handler = handler;
    }

    @Override
    public Future<?> start() {
      HttpServerOptions http = new HttpServerOptions()
          .setHost(options.bindAddress())
          .setPort(port)
          .setTcpNoDelay(true)
          .setIdleTimeout(120)
          .setIdleTimeoutUnit(TimeUnit.SECONDS)
          .setHandle100ContinueAutomatically(false)
          .setCompressionSupported(false)
          .setHttp2ClearTextEnabled(options.h2c());
      if (options.tls() != null) {
        // ALPN offers HTTP/2 before HTTP/1.1: DNS-over-HTTPS clients (kdig, browsers) speak h2
        // only, as RFC 8484 recommends.
        http.setSsl(true).setUseAlpn(true).setKeyCertOptions(options.tls());
      }
      serverOptions = http;
      sweeper = vertx.setPeriodic(BODY_SWEEP_MILLIS, id -> {
        sweepBodies();
        sweepHeads();
      });
      server = vertx.createHttpServer(http)
          .invalidRequestHandler(this::invalid)
          .connectionHandler(this::connected)
          .requestHandler(this::handle)
          .exceptionHandler(e -> LOG.debug("{} connection error: {}", options.name(), e.toString()));
      return server.listen();
    }

    /**
     * What every response of every listener gets before the route's handler runs: a {@code Date}
     * header, and 400 for an HTTP/1.1 request without exactly one {@code Host} (RFC 9112 §3.2).
     */
    private void handle(HttpServerRequest req) {
      Exchange exchange = connections.get(req.connection());
      if (exchange != null) {
        exchange.current = req;
      }
      req.response().headers().set(DateHeader.NAME, DateHeader.SYSTEM.now());
      if (req.version() == HttpVersion.HTTP_1_1 && req.headers().getAll("Host").size() != 1) {
        req.response().setStatusCode(400).putHeader("Content-Type", "text/plain; charset=utf-8")
            .putHeader("Connection", "close")
            .end("an HTTP/1.1 request needs exactly one Host header (RFC 9112 §3.2)");
        return;
      }
      if (hasBody(req)) {
        receiving.put(req, System.nanoTime());
        // Forgotten as soon as the body is in (or the request failed), not at the next sweep:
        // holding every request for up to a second kept thousands of answered requests alive
        // through young collections under load. end() is a future of its own and leaves the
        // route's endHandler in place.
        req.end().onComplete(done -> receiving.remove(req));
      }
      handler.handle(req);
    }

    /**
     * Whether {@code req} announces a body: HTTP/1.x by Content-Length or Transfer-Encoding
     * (without either it has none, RFC 9112 §6.3); HTTP/2 by Content-Length, or by its method.
     */
    private static boolean hasBody(HttpServerRequest req) {
      String length = req.getHeader("Content-Length");
      if (length != null) {
        return !length.trim().equals("0");
      }
      if (req.version() == HttpVersion.HTTP_2) {
        String m = req.method().name();
        return m.equals("PUT") || m.equals("POST") || m.equals("PATCH");
      }
      return req.getHeader("Transfer-Encoding") != null;
    }

    /**
     * Once a second: forgets the requests whose body has arrived (or whose connection closed)
     * if their end did not already remove them, and ends those past the body timeout, answered
     * or not (a route may answer before the body is in, a 404 say, and the connection then waits
     * for the rest): 408 unless answered, then their connection ends (HTTP/1.x: its remaining
     * bytes cannot be framed without reading them) or their stream (HTTP/2).
     */
    private void sweepBodies() {
      if (receiving.isEmpty()) {
        return;
      }
      long now = System.nanoTime();
      long limit = options.bodyTimeout().toNanos();
      var it = receiving.entrySet().iterator();
      while (it.hasNext()) {
        var e = it.next();
        HttpServerRequest req = e.getKey();
        HttpServerResponse res = req.response();
        if (req.isEnded() || res.closed()) {
          it.remove();
        } else if (now - e.getValue() > limit) {
          it.remove();
          bodyTimedOut(req, res);
        }
      }
    }

    /**
     * Watches an HTTP/1.x connection for its request heads, from its opening (without h2c; with
     * it, from its first complete head: see {@link Options#h2c}). HTTP/2 connections are not
     * watched: their streams have the body timeout, the connection the idle timeout.
     */
    private void connected(HttpConnection connection) {
      if (connection.protocolVersion() == HttpVersion.HTTP_2) {
        return;
      }
      connections.put(connection, new Exchange(System.nanoTime()));
      connection.closeHandler(v -> connections.remove(connection));
    }

    /**
     * Once a second: an exchange whose request and response have both ended starts the wait for
     * the next head (so the wait may start up to a second late); a connection that has waited
     * longer than the header timeout is closed. Nothing is answered: without a complete head
     * there is no request to answer, and an idle keep-alive connection is simply closed.
     */
    private void sweepHeads() {
      if (connections.isEmpty()) {
        return;
      }
      long now = System.nanoTime();
      long limit = options.headerTimeout().toNanos();
      List<HttpConnection> late = null;
      for (Map.Entry<HttpConnection, Exchange> e : connections.entrySet()) {
        Exchange x = e.getValue();
        if (x.current != null) {
          if (!x.current.isEnded() || !x.current.response().ended()) {
            continue; // a request in progress: its body and its route have their own limits
          }
          x.current = null;
          x.waitingSince = now;
        } else if (now - x.waitingSince > limit) {
          if (late == null) {
            late = new ArrayList<>();
          }
          late.add(e.getKey());
        }
      }
      if (late != null) {
        for (HttpConnection c : late) {
          connections.remove(c);
          LOG.debug("{}: no request head within {}, closing {}", options.name(),
              dev.keyway.relay.config.Durations.format(options.headerTimeout()),
              c.remoteAddress());
          c.close();
        }
      }
    }

    /** HTTP/1.x connections being watched ({@code HttpServerHostTest}). */
    int connectionsWatched() {
      return connections.size();
    }

    private void bodyTimedOut(HttpServerRequest req, HttpServerResponse res) {
      boolean http2 = req.version() == HttpVersion.HTTP_2;
      req.handler(b -> { });
      if (res.headWritten()) {
        end(req, res, http2); // the route answered early and still waits for the body
        return;
      }
      res.setStatusCode(408).putHeader("Content-Type", "text/plain; charset=utf-8");
      if (!http2) {
        res.putHeader("Connection", "close");
      }
      res.end("Request Timeout: the body did not arrive within "
          + dev.keyway.relay.config.Durations.format(options.bodyTimeout()))
          .onComplete(done -> end(req, res, http2));
    }

    private static void end(HttpServerRequest req, HttpServerResponse res, boolean http2) {
      if (http2) {
        res.reset(0);
      } else if (req.connection() != null) {
        req.connection().close();
      }
    }

    /**
     * A request Netty's decoder refused: Vert.x's statuses (414 for a request line over the
     * limit, 431 for headers over it, else 400), with the Date every response carries and a
     * reason a person can read (Vert.x sends neither); then the connection closes, as the rest
     * of its bytes cannot be framed.
     */
    private void invalid(HttpServerRequest req) {
      Throwable cause = req.decoderResult().cause();
      int status;
      String reason;
      if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException) {
        status = 414;
        reason = "URI Too Long: the request line is over " + serverOptions.getMaxInitialLineLength()
            + " bytes";
      } else if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException) {
        status = 431;
        reason = "Request Header Fields Too Large: the headers are over "
            + serverOptions.getMaxHeaderSize() + " bytes";
      } else {
        status = 400;
        reason = "Bad Request: not a well-formed HTTP request";
      }
      req.response().setStatusCode(status)
          .putHeader(DateHeader.NAME, DateHeader.SYSTEM.now())
          .putHeader("Content-Type", "text/plain; charset=utf-8")
          .putHeader("Connection", "close")
          .end(reason)
          .onComplete(done -> req.connection().close());
    }

    /** What an HTTP/1.x connection is doing: serving {@code current}, or waiting for a head. */
    private static final class Exchange {
      HttpServerRequest current;
      long waitingSince;

      Exchange(long waitingSince) {
        this.waitingSince = waitingSince;
      }
    }

    /** Runs {@code task} on this listener's event loop. */
    void runOnLoop(Runnable task) {
      context.runOnContext(v -> task.run());
    }

    /** The listener's TLS settings (ALPN included) with another certificate; forced, as the
     * options may name the same files with new contents. */
    Future<Boolean> updateTls(KeyCertOptions tls) {
      return server.updateSSLOptions(serverOptions.getSslOptions().copy().setKeyCertOptions(tls), true);
    }

    @Override
    public Future<?> stop() {
      if (sweeper >= 0) {
        vertx.cancelTimer(sweeper);
      }
      return server == null ? Future.succeededFuture() : server.shutdown(options.shutdownTimeout());
    }
  }
}
