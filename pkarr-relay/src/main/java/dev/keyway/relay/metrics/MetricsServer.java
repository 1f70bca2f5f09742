package dev.keyway.relay.metrics;

import dev.keyway.relay.http.HttpServerHost;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.Objects;

/**
 * Serves a Prometheus registry as text (exposition format 0.0.4) on its own address: {@code GET
 * /metrics} (any other path too, as iroh-dns-server does), no authentication, so bind it to
 * loopback or a private network. One event loop; a scrape renders on it.
 *
 * <pre>{@code
 * PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
 * try (MetricsServer metrics = MetricsServer.start(vertx, registry, "127.0.0.1", 9117)) {
 *   int port = metrics.port(); // the bound port, also when 0 was asked for
 * }
 * }</pre>
 */
public final class MetricsServer implements AutoCloseable {
  /** The Prometheus text format's content type. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServerHost host;

  private MetricsServer(HttpServerHost host) {
    this.host = host;
  }

  /**
   * Binds and starts serving; blocks until bound.
   *
   * @throws java.io.UncheckedIOException if the address cannot be bound
   */
  public static MetricsServer start(Vertx vertx, PrometheusMeterRegistry registry, String bindAddress,
      int port) {
    Objects.requireNonNull(registry, "registry");
    HttpServerHost.Options options = new HttpServerHost.Options("metrics", bindAddress, port, 1,
        Duration.ofSeconds(2));
    return new MetricsServer(HttpServerHost.start(vertx, options, () -> handler(registry)));
  }

  private static Handler<HttpServerRequest> handler(PrometheusMeterRegistry registry) {
    return req -> {
      if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
        req.response().setStatusCode(405).putHeader("Allow", "GET, HEAD").end();
        return;
      }
      String text = registry.scrape();
      req.response()
          .putHeader("Content-Type", CONTENT_TYPE)
          .end(Buffer.buffer(text));
    };
  }

  /** The bound port. */
  public int port() {
    return host.port();
  }

  /** Stops listening (waits briefly for a scrape in flight). */
  @Override
  public void close() {
    host.close();
  }
}
