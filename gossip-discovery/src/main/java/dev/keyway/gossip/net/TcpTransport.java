package dev.keyway.gossip.net;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.gossip.proto.TopicId;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLException;
import jdk.net.ExtendedSocketOptions;
import org.slf4j.LoggerFactory;

/**
 * TLS 1.3 over TCP (the JDK's TLS engine, which handles Ed25519 certificates as they are), the
 * fallback when QUIC is not wanted or its native library is missing. Same identity rule as QUIC
 * ({@link PeerTrust}); ALPN {@code keyway-gossip/1} is required and checked after the handshake.
 *
 * <p>TCP has a single byte stream, so streams are multiplexed: every record is a u32 big-endian
 * length, a stream-id byte (chosen by the sender, per direction) and the payload. The first
 * record of a stream is its 32-byte topic header, later ones are codec frames, and an empty
 * record finishes the stream; this mirrors QUIC's unidirectional stream per topic.
 */
final class TcpTransport implements Transport {
  /** Unanswered keep-alive probes before the connection is dropped (without TCP_USER_TIMEOUT). */
  static final int KEEPALIVE_PROBES = 3;

  private final NodeIdentity identity;
  private final String alpn;
  private final NetLimits limits;
  private final EventLoop loop;
  private final ChannelFactory<? extends Channel> socketFactory;
  private final ChannelFactory<? extends ServerChannel> serverFactory;
  private final Listener listener;
  private final SslContext serverTls;
  private final SslContext clientTls;
  private final ChannelGroup channels;
  private Channel server;

  TcpTransport(NodeIdentity identity, String alpn, NetLimits limits, EventLoop loop,
      ChannelFactory<? extends Channel> socketFactory, ChannelFactory<? extends ServerChannel> serverFactory,
      Listener listener) {
    this.identity = identity;
    this.alpn = alpn;
    this.limits = limits;
    this.loop = loop;
    this.socketFactory = socketFactory;
    this.serverFactory = serverFactory;
    this.listener = listener;
    this.channels = new DefaultChannelGroup(loop);
    ApplicationProtocolConfig protocols = new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn);
    try {
      serverTls = SslContextBuilder.forServer(identity.keyManager())
          .sslProvider(SslProvider.JDK).protocols("TLSv1.3")
          .clientAuth(ClientAuth.REQUIRE).trustManager(PeerTrust.INSTANCE)
          .applicationProtocolConfig(protocols).build();
      clientTls = SslContextBuilder.forClient()
          .sslProvider(SslProvider.JDK).protocols("TLSv1.3")
          .keyManager(identity.keyManager()).trustManager(PeerTrust.INSTANCE)
          .endpointIdentificationAlgorithm(null)
          .applicationProtocolConfig(protocols).build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot set up TLS for the node key", e);
    }
  }

  @Override
  public TransportKind kind() {
    return TransportKind.TCP;
  }

  /**
   * Makes the kernel notice a peer that went silent without closing (host down, network
   * partition) about as soon as QUIC's idle timeout would, {@code idleMillis}. Without this such a
   * neighbour stayed "up" and eager messages went into the void.
   *
   * <ul>
   *   <li>Idle connection: keep-alive probes, the first after a third of {@code idleMillis}, then
   *       a ninth apart (at least a second each).
   *   <li>Connection with unacknowledged data in flight (the common case on a busy topic, where
   *       keep-alive probes are not sent at all): {@code TCP_USER_TIMEOUT} of {@code idleMillis}
   *       aborts it once sent data stays unacknowledged that long, instead of after the kernel's
   *       retransmission timeout (about 15 minutes with the default {@code tcp_retries2}). On Linux
   *       it also ends a keep-alive that goes unanswered for {@code idleMillis}.
   * </ul>
   *
   * <p>Limitation: the JDK has no {@code TCP_USER_TIMEOUT}, so it is only set on Netty's epoll
   * channels (Linux, with Vert.x using its native transport: {@code
   * VertxOptions.setPreferNativeTransport(true)}, as a node's own Vert.x does). On NIO channels
   * only keep-alive is set (its timing needs the JDK's extended socket options, Linux and macOS),
   * and a dead peer with unacknowledged data is noticed after the retransmission timeout; on other
   * channels only SO_KEEPALIVE is set, with the system's timing.
   */
  static void enableKeepAlive(Channel ch, long idleMillis) {
    ch.config().setOption(ChannelOption.SO_KEEPALIVE, true);
    int idle = (int) Math.max(1, idleMillis / 3_000);
    int interval = (int) Math.max(1, idleMillis / 9_000);
    if (ch instanceof EpollSocketChannel) {
      ch.config().setOption(EpollChannelOption.TCP_KEEPIDLE, idle);
      ch.config().setOption(EpollChannelOption.TCP_KEEPINTVL, interval);
      ch.config().setOption(EpollChannelOption.TCP_KEEPCNT, KEEPALIVE_PROBES);
      ch.config().setOption(EpollChannelOption.TCP_USER_TIMEOUT, (int) Math.min(Integer.MAX_VALUE, idleMillis));
      return;
    }
    if (!(ch instanceof NioSocketChannel)) {
      return;
    }
    try {
      ch.config().setOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE), idle);
      ch.config().setOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL), interval);
      ch.config().setOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT), KEEPALIVE_PROBES);
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      // the platform has no such options: the system's keep-alive timing applies
    }
  }

  @Override
  public CompletableFuture<InetSocketAddress> bind(InetSocketAddress address) {
    CompletableFuture<InetSocketAddress> result = new CompletableFuture<>();
    new ServerBootstrap().group(loop, loop).channelFactory(serverFactory)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel ch) {
            channels.add(ch);
            enableKeepAlive(ch, limits.quicIdleTimeoutMillis());
            SslHandler tls = serverTls.newHandler(ch.alloc());
            tls.setHandshakeTimeoutMillis(limits.handshakeTimeoutMillis());
            ch.pipeline().addLast(tls, new Handler(tls, null, null));
          }
        })
        .bind(address).addListener(f -> {
          if (f.isSuccess()) {
            server = ((io.netty.channel.ChannelFuture) f).channel();
            channels.add(server);
            result.complete((InetSocketAddress) server.localAddress());
          } else {
            result.completeExceptionally(f.cause());
          }
        });
    return result;
  }

  @Override
  public CompletableFuture<Connection> connect(PublicKey peer, InetSocketAddress address) {
    CompletableFuture<Connection> result = new CompletableFuture<>();
    new Bootstrap().group(loop).channelFactory(socketFactory)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) limits.handshakeTimeoutMillis())
        .handler(new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel ch) {
            channels.add(ch);
            enableKeepAlive(ch, limits.quicIdleTimeoutMillis());
            SslHandler tls = clientTls.newHandler(ch.alloc(), PeerTrust.peerHost(peer), address.getPort());
            tls.setHandshakeTimeoutMillis(limits.handshakeTimeoutMillis());
            ch.pipeline().addLast(tls, new Handler(tls, peer, result));
          }
        })
        .connect(address).addListener(f -> {
          if (!f.isSuccess()) {
            result.completeExceptionally(f.cause());
          }
        });
    return result;
  }

  @Override
  public CompletableFuture<Void> close() {
    return Transport.closeAndRelease(channels, loop);
  }

  /** The per-socket handler: identity check after the handshake, then the stream multiplex. */
  private final class Handler extends ChannelInboundHandlerAdapter implements FrameReader.Sink {
    private final SslHandler tls;
    private final PublicKey expected;
    private final CompletableFuture<Connection> dial;
    private final Map<Integer, TopicId> inStreams = new HashMap<>();
    private final FrameReader reader = new FrameReader(true, limits.maxFrameSize(), this);
    private TcpConnection conn;

    Handler(SslHandler tls, PublicKey expected, CompletableFuture<Connection> dial) {
      this.tls = tls;
      this.expected = expected;
      this.dial = dial;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      tls.handshakeFuture().addListener(f -> {
        Channel ch = ctx.channel();
        InetSocketAddress remote = (InetSocketAddress) ch.remoteAddress();
        if (!f.isSuccess()) {
          fail(ch, remote, f.cause());
          return;
        }
        try {
          if (!alpn.equals(tls.applicationProtocol())) {
            throw new SSLException("peer did not negotiate ALPN " + alpn);
          }
          Certificate[] certs = tls.engine().getSession().getPeerCertificates();
          PublicKey actual = NodeIdentity.peerKey((X509Certificate) certs[0]);
          if (expected != null && !expected.equals(actual)) {
            throw new SSLException("peer presented node id " + actual.fmtShort() + " but "
                + expected.fmtShort() + " was dialled");
          }
          if (actual.equals(identity.nodeId())) {
            throw new SSLException("connected to ourselves");
          }
          conn = new TcpConnection(actual, expected != null, remote, ch);
        } catch (Exception e) {
          fail(ch, remote, e);
          return;
        }
        listener.connected(conn);
        if (dial != null) {
          dial.complete(conn);
        }
      });
    }

    private void fail(Channel ch, InetSocketAddress remote, Throwable cause) {
      ch.close();
      if (dial != null) {
        dial.completeExceptionally(cause);
      } else {
        listener.handshakeFailed(remote, cause);
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf buf = (ByteBuf) msg;
      try {
        if (conn != null) {
          reader.feed(buf);
        }
      } finally {
        buf.release();
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (conn != null && ctx.channel().isWritable()) {
        conn.drainAll();
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (dial != null && !dial.isDone()) {
        dial.completeExceptionally(new SSLException("connection closed during the handshake"));
      }
      if (conn != null) {
        listener.closed(conn);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LoggerFactory.getLogger(Transport.class).debug("closing {} after an error", ctx.channel(), cause);
      ctx.close();
    }

    // ---------------------------------------------------------------- FrameReader.Sink

    @Override
    public void record(int streamId, byte[] payload) {
      TopicId topic = inStreams.get(streamId);
      if (topic == null) {
        if (payload.length != 32) {
          conn.listener.protocolError(conn, "stream " + streamId + " does not start with a topic header");
          conn.abort();
          return;
        }
        TopicId t = TopicId.fromBytes(payload);
        if (!conn.openInbound(t)) {
          conn.listener.protocolError(conn, "a second inbound stream for topic " + t.fmtShort());
          conn.abort();
          return;
        }
        inStreams.put(streamId, t);
      } else if (payload.length == 0) {
        inStreams.remove(streamId);
        conn.closeInbound(topic);
      } else {
        conn.deliver(topic, payload);
      }
    }

    @Override
    public void oversized(int streamId, long length) {
      listener.oversized(conn, length);
    }

    @Override
    public void malformed(String reason) {
      listener.protocolError(conn, reason);
      conn.abort();
    }
  }

  /** A TCP connection: streams are ids in the record header. */
  private final class TcpConnection extends Connection {
    private final Channel channel;
    private int nextStreamId;

    TcpConnection(PublicKey peer, boolean outbound, InetSocketAddress remote, Channel channel) {
      super(peer, outbound, remote, TcpTransport.this.listener, TcpTransport.this.limits, TcpTransport.this.loop);
      this.channel = channel;
    }

    @Override
    Channel channel() {
      return channel;
    }

    @Override
    TransportKind kind() {
      return TransportKind.TCP;
    }

    @Override
    void setReading(boolean on) {
      channel.config().setAutoRead(on);
    }

    private final java.util.List<OutStream> streams = new java.util.ArrayList<>();

    void drainAll() {
      for (OutStream s : streams) {
        s.drain();
        if (!channel.isWritable()) {
          return;
        }
      }
    }

    @Override
    OutStream openStream(TopicId topic) {
      int id = nextStreamId++;
      OutStream s = new OutStream(topic) {
        @Override
        boolean writable() {
          return channel.isWritable();
        }

        @Override
        void write(byte[] frame) {
          ByteBuf b = channel.alloc().buffer(5 + frame.length);
          b.writeInt(1 + frame.length).writeByte(id).writeBytes(frame);
          channel.write(b, channel.voidPromise());
        }

        @Override
        void flush() {
          channel.flush();
        }

        @Override
        void writeFinish() {
          ByteBuf b = channel.alloc().buffer(5);
          b.writeInt(1).writeByte(id);
          channel.writeAndFlush(b, channel.voidPromise());
        }
      };
      if (id > 255) {
        s.fail();
        return s;
      }
      streams.add(s);
      ByteBuf header = channel.alloc().buffer(5 + 32);
      header.writeInt(33).writeByte(id).writeBytes(topic.toBytes());
      channel.write(header, channel.voidPromise());
      s.ready = true;
      return s;
    }
  }
}
