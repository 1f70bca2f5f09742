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

/** The body-timeout bookkeeping of {@link HttpServerHost}, on a real socket. */
class HttpServerHostTest {
  private Vertx vertx;
  private HttpServerHost host;
  /** One element per request whose head has arrived (the watch has it by then). */
  private final LinkedBlockingQueue<String> arrived = new LinkedBlockingQueue<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    // Answers once the body is in, as the relay's PUT does.
    host = HttpServerHost.start(vertx,
        new HttpServerHost.Options("test", "127.0.0.1", 0, 1, Duration.ofSeconds(1)),
        () -> req -> {
          arrived.add(req.path());
          req.body().onSuccess(body -> req.response().setStatusCode(204).end());
        });
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
