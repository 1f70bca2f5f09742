package dev.keyway.relay.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The body-timeout and header-timeout bookkeeping of {@link HttpServerHost}, on real sockets. */
class HttpServerHostTest {
  private Vertx vertx;
  private HttpServerHost host;
  /** One element per request whose head has arrived (the watch has it by then). */
  private final LinkedBlockingQueue<String> arrived = new LinkedBlockingQueue<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    host = start(new HttpServerHost.Options("test", "127.0.0.1", 0, 1, Duration.ofSeconds(1)));
  }

  /**
   * A host whose handler answers 204 once the body is in, as the relay's PUT does, and
   * {@code /slow} only after {@link #SLOW_MILLIS}.
   */
  private HttpServerHost start(HttpServerHost.Options options) {
    return HttpServerHost.start(vertx, options, () -> req -> {
      arrived.add(req.path());
      req.body().onSuccess(body -> {
        if (req.path().equals("/slow")) {
          vertx.setTimer(SLOW_MILLIS, t -> req.response().setStatusCode(204).end());
        } else {
          req.response().setStatusCode(204).end();
        }
      });
    });
  }

  private static final long SLOW_MILLIS = 2_500;

  @AfterEach
  void stop() {
    host.close();
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  @Test
  void aRequestIsForgottenWhenItsBodyIsInNotAtTheNextSweep() throws Exception {
    try (Socket s = new Socket("127.0.0.1", host.port())) {
      s.setSoTimeout(5_000);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      for (int i = 0; i < 3; i++) {
        out.write(("PUT /x HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhel")
            .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        // Half the body: the request is being received.
        assertThat(arrived.poll(5, TimeUnit.SECONDS)).isEqualTo("/x");
        assertThat(host.requestsReceiving()).isEqualTo(1);
        out.write("lo".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertThat(readHead(in)).startsWith("HTTP/1.1 204 ");
        // The sweep runs once a second; this is checked as soon as the answer is in.
        assertThat(host.requestsReceiving()).isZero();
      }
    }
  }

  /** A host that gives each request head 1 s (the sweep runs once a second: 1 to 2 s). */
  private HttpServerHost quickHeads() {
    return start(new HttpServerHost.Options("heads", "127.0.0.1", 0, 1, Duration.ofSeconds(1))
        .withHeaderTimeout(Duration.ofSeconds(1)));
  }

  private static final byte[] GET = "GET /x HTTP/1.1\r\nHost: t\r\n\r\n"
      .getBytes(StandardCharsets.US_ASCII);

  /**
   * A head trickled a header line at a time, which keeps the 120 s idle timeout from firing,
   * is cut off: the connection is closed without the request reaching a handler.
   */
  @Test
  void aTrickledRequestHeadIsCutOffAtTheHeaderTimeout() throws Exception {
    try (HttpServerHost heads = quickHeads(); Socket s = new Socket("127.0.0.1", heads.port())) {
      s.setSoTimeout(200);
      OutputStream out = s.getOutputStream();
      out.write("GET /x HTTP/1.1\r\nHost: t\r\n".getBytes(StandardCharsets.US_ASCII));
      long start = System.nanoTime();
      boolean closed = false;
      // At most 40 lines, 200 ms apart (8 s): far past the 1 to 2 s it may take.
      for (int line = 0; line < 40 && !closed; line++) {
        try {
          out.write(("X-Line-" + line + ": a\r\n").getBytes(StandardCharsets.US_ASCII));
          out.flush();
          closed = s.getInputStream().read() < 0;
        } catch (java.net.SocketTimeoutException e) {
          // still open: send the next line
        } catch (java.io.IOException e) {
          closed = true; // reset by the server
        }
      }
      assertThat(closed).as("closed by the server").isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(900));
      assertThat(arrived).isEmpty();
      assertThat(heads.connectionsWatched()).isZero();
    }
  }

  /** A connection that sends nothing at all is closed at the header timeout too. */
  @Test
  void aSilentConnectionIsClosedAtTheHeaderTimeout() throws Exception {
    try (HttpServerHost heads = quickHeads(); Socket s = new Socket("127.0.0.1", heads.port())) {
      s.setSoTimeout(10_000);
      long opened = System.nanoTime();
      assertThat(s.getInputStream().read()).as("end of stream").isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - opened)).isGreaterThan(Duration.ofMillis(900));
      assertThat(heads.connectionsWatched()).isZero();
    }
  }

  /** Without h2c, plain HTTP is HTTP/1.x only: Java's client asking for h2c gets HTTP/1.1. */
  @Test
  void withoutH2cAnUpgradeRequestIsAnsweredOverHttp1() throws Exception {
    java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
        .version(java.net.http.HttpClient.Version.HTTP_2).build();
    java.net.http.HttpResponse<Void> r = client.send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + host.port() + "/x")).build(),
        java.net.http.HttpResponse.BodyHandlers.discarding());
    assertThat(r.statusCode()).isEqualTo(204);
    assertThat(r.version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_1_1);
  }

  /** Between requests the same limit applies: an idle keep-alive connection is closed. */
  @Test
  void anIdleKeepAliveConnectionIsClosedAfterTheHeaderTimeout() throws Exception {
    try (HttpServerHost heads = quickHeads(); Socket s = new Socket("127.0.0.1", heads.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(GET);
      InputStream in = s.getInputStream();
      assertThat(readHead(in)).startsWith("HTTP/1.1 204 ");
      assertThat(heads.connectionsWatched()).isEqualTo(1);
      long answered = System.nanoTime();
      assertThat(in.read()).as("end of stream").isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - answered)).isGreaterThan(Duration.ofMillis(900));
      assertThat(heads.connectionsWatched()).isZero();
    }
  }

  /**
   * The limit is on the client's head, not on the server's answer: a request answered after
   * 2.5 s keeps its connection, and requests that follow in time are served on it.
   */
  @Test
  void aSlowAnswerAndPromptRequestsKeepTheConnection() throws Exception {
    try (HttpServerHost heads = quickHeads(); Socket s = new Socket("127.0.0.1", heads.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      out.write("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(readHead(in)).startsWith("HTTP/1.1 204 ");
      for (int i = 0; i < 4; i++) {
        Thread.sleep(500); // the client's pause between requests, under the 1 s limit
        out.write(GET);
        assertThat(readHead(in)).as("request %d", i).startsWith("HTTP/1.1 204 ");
      }
      assertThat(arrived).hasSize(5);
    }
  }

  /**
   * With h2c on, a connection upgraded to HTTP/2 (as Java's client and {@code curl --http2} do
   * on plain HTTP) is HTTP/1.x no longer: the head watch leaves it to the idle timeout, so a
   * pause longer than the header timeout does not cost the client its connection.
   */
  @Test
  void anUpgradedHttp2ConnectionIsNotWatched() throws Exception {
    java.util.List<Integer> ports = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.List<io.vertx.core.http.HttpVersion> versions =
        new java.util.concurrent.CopyOnWriteArrayList<>();
    try (HttpServerHost heads = HttpServerHost.start(vertx,
        new HttpServerHost.Options("h2c", "127.0.0.1", 0, 1, Duration.ofSeconds(1))
            .withHeaderTimeout(Duration.ofSeconds(1)).withH2c(true),
        () -> req -> {
          ports.add(req.remoteAddress().port());
          versions.add(req.version());
          req.response().setStatusCode(204).end();
        })) {
      java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
          .version(java.net.http.HttpClient.Version.HTTP_2).build();
      java.net.http.HttpRequest get = java.net.http.HttpRequest.newBuilder(
          java.net.URI.create("http://127.0.0.1:" + heads.port() + "/x")).build();
      for (int i = 0; i < 2; i++) {
        if (i > 0) {
          Thread.sleep(2_500); // the client's pause: past the 1 s limit and the next sweep
        }
        java.net.http.HttpResponse<Void> r =
            client.send(get, java.net.http.HttpResponse.BodyHandlers.discarding());
        assertThat(r.statusCode()).isEqualTo(204);
        assertThat(r.version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_2);
      }
      assertThat(versions).containsOnly(io.vertx.core.http.HttpVersion.HTTP_2);
      assertThat(ports).hasSize(2).containsOnly(ports.get(0));
      assertThat(heads.connectionsWatched()).isZero();
    }
  }

  private static String readHead(InputStream in) throws java.io.IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.append((char) b);
    }
    return head.toString();
  }
}
