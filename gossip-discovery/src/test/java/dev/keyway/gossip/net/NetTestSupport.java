package dev.keyway.gossip.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.gossip.proto.TopicId;
import io.netty.channel.epoll.Epoll;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Helpers for in-process network tests: start nodes on 127.0.0.1 port 0, await conditions. */
final class NetTestSupport {
  static final SecureRandom RANDOM = new SecureRandom();
  /** Generous: the suite runs on a loaded 2-core machine. */
  static final Duration TIMEOUT = Duration.ofSeconds(Long.getLong("keyway.test.timeout", 60));

  private NetTestSupport() {}

  static SecretKey key() {
    return SecretKey.generate(RANDOM);
  }

  /** Polls until {@code condition} holds; fails with {@code what} after {@link #TIMEOUT}. */
  static void await(String what, BooleanSupplier condition) {
    await(what, condition, () -> "");
  }

  static void await(String what, BooleanSupplier condition, Supplier<String> detail) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what + " " + detail.get());
      }
      try {
        Thread.sleep(20); // polling a condition, not a timing assertion
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** Drains every event of a subscription into a list (on the polling thread). */
  static List<GossipEvent> drain(GossipEvents events) {
    List<GossipEvent> out = new ArrayList<>();
    GossipEvent e;
    while ((e = events.tryPoll()) != null) {
      out.add(e);
    }
    return out;
  }

  static <T> T get(java.util.concurrent.CompletableFuture<T> f) {
    try {
      return f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static void assertTrue(boolean b, String what) {
    assertThat(b).as(what).isTrue();
  }

  /**
   * Requires Netty's native epoll transport: on Linux x86_64 the build ships its library, so it
   * must load (a failure, not a skip); elsewhere the test is skipped.
   */
  static void requireEpoll() {
    assertEpollWhereShipped();
    assumeThat(Epoll.isAvailable()).as("native epoll transport (%s)", Epoll.unavailabilityCause()).isTrue();
  }

  /** Fails on Linux x86_64, where the build ships the epoll library, if it did not load. */
  static void assertEpollWhereShipped() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "");
    if (os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64"))) {
      assertThat(Epoll.isAvailable()).as("epoll is shipped for Linux x86_64 but did not load: %s",
          Epoll.unavailabilityCause()).isTrue();
    }
  }

  /** A Vert.x with one event loop, on the native transport or on NIO. */
  static Vertx vertx(boolean nativeTransport) {
    if (nativeTransport) {
      requireEpoll();
    }
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
        .setPreferNativeTransport(nativeTransport));
    assertThat(vertx.isNativeTransportEnabled()).as("native transport enabled (%s)",
        vertx.unavailableNativeTransportCause()).isEqualTo(nativeTransport);
    return vertx;
  }

  static void close(Vertx vertx) {
    get(vertx.close().toCompletionStage().toCompletableFuture());
  }

  /** Transport callbacks that do nothing except record connections as they come up. */
  static class RecordingListener implements Transport.Listener {
    final BlockingQueue<Connection> connected = new LinkedBlockingQueue<>();

    @Override
    public void connected(Connection connection) {
      connected.add(connection);
    }

    @Override
    public void frame(Connection connection, TopicId topic, byte[] frame) {}

    @Override
    public void oversized(Connection connection, long length) {}

    @Override
    public void protocolError(Connection connection, String reason) {}

    @Override
    public void handshakeFailed(InetSocketAddress remote, Throwable cause) {}

    @Override
    public void closed(Connection connection) {}
  }
}
