package dev.keyway.relay.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The body-timeout bookkeeping of {@link HttpServerHost}, on a real socket. */
class HttpServerHostTest {
  private Vertx vertx;
  private HttpServerHost host;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    // Answers once the body is in, as the relay's PUT does.
    host = HttpServerHost.start(vertx,
        new HttpServerHost.Options("test", "127.0.0.1", 0, 1, Duration.ofSeconds(1)),
        () -> req -> req.body().onSuccess(body ->
            req.response().setStatusCode(204).end()));
  }

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
        assertThat(waitForReceiving(1)).isEqualTo(1);
        out.write("lo".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertThat(readHead(in)).startsWith("HTTP/1.1 204 ");
        // The sweep runs once a second; this is checked as soon as the answer is in.
        assertThat(host.requestsReceiving()).isZero();
      }
    }
  }

  /** Polls until {@code n} requests are receiving (the bytes cross a socket first). */
  private int waitForReceiving(int n) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    int seen;
    while ((seen = host.requestsReceiving()) != n && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    return seen;
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
