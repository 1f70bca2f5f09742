package dev.keyway.gossip.net;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.gossip.proto.TopicId;
import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Node-key authenticated connections carrying one stream per topic per direction. Two
 * implementations: {@link QuicTransport} (Netty's native QUIC codec) and {@link TcpTransport}
 * (TLS 1.3 over TCP with a small stream multiplex). Every channel of a transport lives on one
 * event loop, the node actor's; the {@link Listener} is called there.
 */
interface Transport {
  /** Which transport this is. */
  TransportKind kind();

  /** Binds the listening socket; completes with the bound address. */
  CompletableFuture<InetSocketAddress> bind(InetSocketAddress address);

  /**
   * Dials {@code peer} at {@code address}; completes once the handshake proved that the remote
   * holds {@code peer}'s key (the listener's {@link Listener#connected} runs first), or fails.
   */
  CompletableFuture<Connection> connect(PublicKey peer, InetSocketAddress address);

  /**
   * Closes the listening socket and every connection at once; completes when they are closed, so
   * that the address can be bound again (a node restarted on its port must not race its old socket).
   */
  CompletableFuture<Void> close();

  /**
   * Closes {@code channels} (all on {@code loop}) and completes once their sockets are released.
   * A closed NIO channel still holds its socket until its selector's next select deregisters it,
   * and a bind run on the same event loop before that select fails with "address already in
   * use"; so completion waits for a task scheduled after the close, which runs after that select.
   */
  static CompletableFuture<Void> closeAndRelease(ChannelGroup channels, EventLoop loop) {
    CompletableFuture<Void> released = new CompletableFuture<>();
    channels.close().addListener(f -> {
      try {
        loop.schedule(() -> released.complete(null), 1, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        released.complete(null); // the loop is shutting down: nothing runs there any more
      }
    });
    return released;
  }

  /** What happens on the connections; called on the transport's event loop. */
  interface Listener {
    /** A connection passed the identity check (dialled or accepted). */
    void connected(Connection connection);

    /** A frame arrived on {@code connection}'s inbound stream for {@code topic}. */
    void frame(Connection connection, TopicId topic, byte[] frame);

    /** A frame over the limit arrived and was skipped; the connection stays up. */
    void oversized(Connection connection, long length);

    /** The peer broke the stream rules (a bad header, a second stream for a topic, ...). */
    void protocolError(Connection connection, String reason);

    /** An inbound handshake failed (wrong ALPN, bad certificate, ...). */
    void handshakeFailed(InetSocketAddress remote, Throwable cause);

    /** The connection closed, for whatever reason. */
    void closed(Connection connection);
  }
}
