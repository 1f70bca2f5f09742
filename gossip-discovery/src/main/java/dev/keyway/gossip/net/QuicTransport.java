package dev.keyway.gossip.net;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.gossip.proto.TopicId;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DatagramChannel;
import io.netty.handler.codec.quic.BoringSSLContextOption;
import io.netty.handler.codec.quic.InsecureQuicTokenHandler;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.handler.ssl.ClientAuth;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import org.slf4j.LoggerFactory;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * QUIC through Netty's native codec (quiche + BoringSSL) on the node's event loop. The node key is
 * the TLS identity (a self-signed Ed25519 certificate), ALPN {@code keyway-gossip/1}, mutual
 * authentication. Ed25519 works with exactly three settings (java-stack.md §2): a key manager that
 * always returns the key ({@link NodeIdentity#keyManager()}), the signature algorithms
 * {@code ed25519, ecdsa_secp256r1_sha256} on both sides, and no endpoint identification on the
 * client (the peer is pinned by {@link PeerTrust}, not by a host name).
 *
 * <p>Each direction opens one unidirectional stream per topic; its first frame is the topic
 * header. Bidirectional streams are refused. One UDP socket listens; another dials.
 */
final class QuicTransport implements Transport {
  private static final String[] SIGNATURE_ALGORITHMS = {"ed25519", "ecdsa_secp256r1_sha256"};
  private static final AttributeKey<PublicKey> EXPECTED = AttributeKey.valueOf("keyway.gossip.expected");
  private static final AttributeKey<CompletableFuture<Connection>> DIAL = AttributeKey.valueOf("keyway.gossip.dial");
  private static final AttributeKey<QuicConnection> CONN = AttributeKey.valueOf("keyway.gossip.conn");
  private static final AttributeKey<Throwable> FAILURE = AttributeKey.valueOf("keyway.gossip.failure");

  /** Requested size of each UDP socket's send and receive buffer. */
  static final int UDP_BUFFER_BYTES = 2 << 20;

  private final NodeIdentity identity;
  private final String alpn;
  private final NetLimits limits;
  private final EventLoop loop;
  private final ChannelFactory<? extends DatagramChannel> udpFactory;
  private final Listener listener;
  private final QuicSslContext serverTls;
  private final QuicSslContext clientTls;
  private final ChannelGroup channels;
  private Channel serverSocket;
  private CompletableFuture<Channel> clientSocket;

  QuicTransport(NodeIdentity identity, String alpn, NetLimits limits, EventLoop loop,
      ChannelFactory<? extends DatagramChannel> udpFactory, Listener listener) {
    this.identity = identity;
    this.alpn = alpn;
    this.limits = limits;
    this.loop = loop;
    this.udpFactory = udpFactory;
    this.listener = listener;
    this.channels = new DefaultChannelGroup(loop);
    serverTls = QuicSslContextBuilder.forServer(identity.keyManager(), null)
        .applicationProtocols(alpn)
        .clientAuth(ClientAuth.REQUIRE)
        .trustManager(PeerTrust.INSTANCE)
        .option(BoringSSLContextOption.SIGNATURE_ALGORITHMS, SIGNATURE_ALGORITHMS)
        .build();
    clientTls = QuicSslContextBuilder.forClient()
        .keyManager(identity.keyManager(), null)
        .trustManager(PeerTrust.INSTANCE)
        .applicationProtocols(alpn)
        .option(BoringSSLContextOption.SIGNATURE_ALGORITHMS, SIGNATURE_ALGORITHMS)
        .endpointIdentificationAlgorithm(null)
        .build();
  }

  @Override
  public TransportKind kind() {
    return TransportKind.QUIC;
  }

  private <B extends io.netty.handler.codec.quic.QuicCodecBuilder<B>> B common(B b) {
    long window = (long) limits.maxFrameSize() * 64;
    return b.maxIdleTimeout(limits.quicIdleTimeoutMillis(), TimeUnit.MILLISECONDS)
        .initialMaxData(window * limits.maxTopics())
        .initialMaxStreamDataUnidirectional(window)
        .initialMaxStreamDataBidirectionalLocal(0)
        .initialMaxStreamDataBidirectionalRemote(0)
        .initialMaxStreamsBidirectional(0)
        .initialMaxStreamsUnidirectional(limits.maxTopics() * 4L);
  }

  /**
   * A UDP socket with {@link #UDP_BUFFER_BYTES} buffers (the kernel caps them at net.core.rmem_max /
   * wmem_max): with the default ~208 KiB, a burst of handshakes while the event loop was busy
   * overflowed the receive buffer, and a lost handshake packet costs seconds of QUIC backoff
   * (measured: 850 drops while 50 nodes started). QUIC stacks commonly ask for several MiB.
   */
  private Bootstrap udp() {
    return new Bootstrap().group(loop).channelFactory(udpFactory)
        .option(ChannelOption.SO_RCVBUF, UDP_BUFFER_BYTES)
        .option(ChannelOption.SO_SNDBUF, UDP_BUFFER_BYTES);
  }

  @Override
  public CompletableFuture<InetSocketAddress> bind(InetSocketAddress address) {
    ChannelHandler codec = common(new QuicServerCodecBuilder())
        .sslContext(serverTls)
        .tokenHandler(InsecureQuicTokenHandler.INSTANCE)
        .handler(new ConnectionHandler())
        .streamHandler(new InboundStreamInitializer())
        .build();
    CompletableFuture<InetSocketAddress> result = new CompletableFuture<>();
    udp().handler(codec).bind(address).addListener(f -> {
      if (f.isSuccess()) {
        serverSocket = ((io.netty.channel.ChannelFuture) f).channel();
        channels.add(serverSocket);
        result.complete((InetSocketAddress) serverSocket.localAddress());
      } else {
        result.completeExceptionally(f.cause());
      }
    });
    return result;
  }

  private CompletableFuture<Channel> clientSocket(InetSocketAddress target) {
    if (clientSocket == null) {
      ChannelHandler codec = common(new QuicClientCodecBuilder())
          .sslContext(clientTls)
          .sslEngineProvider(ch -> clientTls.newEngine(ch.alloc(),
              PeerTrust.peerHost(ch.attr(EXPECTED).get()), 0))
          .build();
      CompletableFuture<Channel> socket = new CompletableFuture<>();
      InetSocketAddress local = new InetSocketAddress(0);
      udp().handler(codec).bind(local).addListener(f -> {
        if (f.isSuccess()) {
          Channel ch = ((io.netty.channel.ChannelFuture) f).channel();
          channels.add(ch);
          socket.complete(ch);
        } else {
          socket.completeExceptionally(f.cause());
        }
      });
      clientSocket = socket;
    }
    return clientSocket;
  }

  @Override
  public CompletableFuture<Connection> connect(PublicKey peer, InetSocketAddress address) {
    CompletableFuture<Connection> result = new CompletableFuture<>();
    clientSocket(address).whenComplete((socket, e) -> {
      if (e != null) {
        result.completeExceptionally(e);
        return;
      }
      QuicChannel.newBootstrap(socket)
          .attr(EXPECTED, peer)
          .attr(DIAL, result)
          .handler(new ConnectionHandler())
          .streamHandler(new InboundStreamInitializer())
          .remoteAddress(address)
          .connect()
          .addListener(f -> {
            if (!f.isSuccess()) {
              result.completeExceptionally(f.cause());
            }
          });
      ScheduledFuture<?> timeout = loop.schedule(() -> {
        // Failing the dial closes its half-open channel (ConnectionHandler#handlerAdded).
        result.completeExceptionally(new TimeoutException("QUIC handshake with " + address + " timed out"));
      }, limits.handshakeTimeoutMillis(), TimeUnit.MILLISECONDS);
      result.whenComplete((c, x) -> timeout.cancel(false));
    });
    return result;
  }

  @Override
  public CompletableFuture<Void> close() {
    return Transport.closeAndRelease(channels, loop);
  }

  /** QUIC connections not closed yet, verified or still in their handshake (dials); for tests. */
  int openQuicChannels() {
    int n = 0;
    for (Channel ch : channels) {
      if (ch instanceof QuicChannel && ch.isOpen()) {
        n++;
      }
    }
    return n;
  }

  /** Per QUIC connection: the identity check once the handshake is done, then close tracking. */
  @ChannelHandler.Sharable
  private final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      Channel ch = ctx.channel();
      CompletableFuture<Connection> dial = ch.attr(DIAL).get();
      if (dial != null) {
        channels.add(ch); // so that close() also ends a dial still in its handshake
        // A dial that failed (timed out) closes its channel: left alone, quiche would go on
        // retrying the handshake until it gives up by itself (the idle timeout, or about 30 s).
        dial.whenComplete((c, e) -> {
          if (e != null) {
            ch.close();
          }
        });
      }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      QuicChannel ch = (QuicChannel) ctx.channel();
      PublicKey expected = ch.attr(EXPECTED).get();
      CompletableFuture<Connection> dial = ch.attr(DIAL).get();
      InetSocketAddress remote = (InetSocketAddress) ch.remoteSocketAddress();
      QuicConnection conn;
      try {
        if (!alpn.equals(ch.sslEngine().getApplicationProtocol())) {
          throw new SSLException("peer did not negotiate ALPN " + alpn);
        }
        Certificate[] certs = ch.sslEngine().getSession().getPeerCertificates();
        PublicKey actual = NodeIdentity.peerKey((X509Certificate) certs[0]);
        if (expected != null && !expected.equals(actual)) {
          throw new SSLException("peer presented node id " + actual.fmtShort() + " but "
              + expected.fmtShort() + " was dialled");
        }
        if (actual.equals(identity.nodeId())) {
          throw new SSLException("connected to ourselves");
        }
        conn = new QuicConnection(actual, expected != null, remote, ch);
      } catch (Exception e) {
        ch.attr(FAILURE).set(e);
        ch.close();
        if (dial != null) {
          dial.completeExceptionally(e);
        }
        return;
      }
      if (dial != null && dial.isDone()) {
        ch.close(); // timed out meanwhile
        return;
      }
      ch.attr(CONN).set(conn);
      channels.add(ch);
      listener.connected(conn);
      if (dial != null) {
        dial.complete(conn);
      }
      ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      QuicChannel ch = (QuicChannel) ctx.channel();
      CompletableFuture<Connection> dial = ch.attr(DIAL).get();
      if (dial != null && !dial.isDone()) {
        dial.completeExceptionally(new SSLException("QUIC connection closed during the handshake"));
      }
      QuicConnection conn = ch.attr(CONN).get();
      if (conn != null) {
        listener.closed(conn);
      }
      ctx.fireChannelInactive();
    }

    @Override
    public void channelUnregistered(ChannelHandlerContext ctx) {
      // A connection whose handshake failed never became active, so it has no channelInactive.
      QuicChannel ch = (QuicChannel) ctx.channel();
      if (ch.attr(CONN).get() == null && ch.attr(DIAL).get() == null) {
        Throwable cause = ch.attr(FAILURE).get();
        listener.handshakeFailed((InetSocketAddress) ch.remoteSocketAddress(),
            cause != null ? cause : new SSLException("QUIC handshake did not complete"));
      }
      ctx.fireChannelUnregistered();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LoggerFactory.getLogger(Transport.class).debug("closing {} after an error", ctx.channel(), cause);
      ctx.close();
    }
  }

  /** Sets up each stream the peer opens: only unidirectional streams of a verified connection. */
  @ChannelHandler.Sharable
  private final class InboundStreamInitializer extends ChannelInitializer<QuicStreamChannel> {
    @Override
    protected void initChannel(QuicStreamChannel ch) {
      QuicConnection conn = ch.parent().attr(CONN).get();
      if (conn == null || ch.type() != QuicStreamType.UNIDIRECTIONAL || ch.isLocalCreated()) {
        ch.close();
        return;
      }
      ch.pipeline().addLast(new InboundStream(conn, ch));
    }
  }

  /** One inbound stream: a topic header, then frames. */
  private static final class InboundStream extends ChannelInboundHandlerAdapter implements FrameReader.Sink {
    private final QuicConnection conn;
    private final QuicStreamChannel ch;
    private final FrameReader reader;
    private TopicId topic;

    InboundStream(QuicConnection conn, QuicStreamChannel ch) {
      this.conn = conn;
      this.ch = ch;
      this.reader = new FrameReader(false, conn.limits.maxFrameSize(), this);
      conn.inbound.add(ch);
      if (conn.paused) {
        ch.config().setAutoRead(false);
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf buf = (ByteBuf) msg;
      try {
        reader.feed(buf);
      } finally {
        buf.release();
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt == ChannelInputShutdownReadComplete.INSTANCE) {
        ch.close();
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      conn.inbound.remove(ch);
      if (topic != null) {
        conn.closeInbound(topic);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LoggerFactory.getLogger(Transport.class).debug("closing {} after an error", ctx.channel(), cause);
      ctx.close();
    }

    @Override
    public void record(int streamId, byte[] payload) {
      if (topic == null) {
        if (payload.length != 32) {
          conn.listener.protocolError(conn, "stream does not start with a topic header");
          ch.close();
          return;
        }
        TopicId t = TopicId.fromBytes(payload);
        if (!conn.openInbound(t)) {
          conn.listener.protocolError(conn, "a second inbound stream for topic " + t.fmtShort());
          ch.close();
          return;
        }
        topic = t;
      } else if (ch.isActive()) {
        conn.deliver(topic, payload);
      }
    }

    @Override
    public void oversized(int streamId, long length) {
      conn.listener.oversized(conn, length);
    }

    @Override
    public void malformed(String reason) {
      conn.listener.protocolError(conn, reason);
      ch.close();
    }
  }

  /** A QUIC connection: one unidirectional stream per topic. */
  private final class QuicConnection extends Connection {
    private final QuicChannel channel;
    final List<QuicStreamChannel> inbound = new ArrayList<>();
    boolean paused;

    QuicConnection(PublicKey peer, boolean outbound, InetSocketAddress remote, QuicChannel channel) {
      super(peer, outbound, remote, QuicTransport.this.listener, QuicTransport.this.limits, QuicTransport.this.loop);
      this.channel = channel;
    }

    @Override
    Channel channel() {
      return channel;
    }

    @Override
    TransportKind kind() {
      return TransportKind.QUIC;
    }

    @Override
    void setReading(boolean on) {
      paused = !on;
      for (QuicStreamChannel s : inbound) {
        s.config().setAutoRead(on);
      }
    }

    @Override
    void keepAlive() {
      // An empty stream, finished at once: the peer reads nothing, but both idle timers restart.
      channel.createStream(QuicStreamType.UNIDIRECTIONAL, new ChannelInboundHandlerAdapter()).addListener(f -> {
        if (f.isSuccess()) {
          ((QuicStreamChannel) f.getNow()).shutdownOutput();
        }
      });
    }

    @Override
    OutStream openStream(TopicId topic) {
      OutStream[] holder = new OutStream[1];
      QuicStreamChannel[] stream = new QuicStreamChannel[1];
      OutStream s = new OutStream(topic) {
        @Override
        boolean writable() {
          return stream[0].isWritable();
        }

        @Override
        void write(byte[] frame) {
          ByteBuf b = stream[0].alloc().buffer(4 + frame.length);
          b.writeInt(frame.length).writeBytes(frame);
          stream[0].write(b, stream[0].voidPromise());
        }

        @Override
        void flush() {
          stream[0].flush();
        }

        @Override
        void writeFinish() {
          stream[0].shutdownOutput();
        }
      };
      holder[0] = s;
      channel.createStream(QuicStreamType.UNIDIRECTIONAL, new ChannelInboundHandlerAdapter() {
        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
          holder[0].drain();
          ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
          ctx.close();
        }
      }).addListener(f -> {
        if (!f.isSuccess()) {
          s.fail();
          listener.protocolError(this, "cannot open a stream: " + f.cause());
          abort();
          return;
        }
        QuicStreamChannel sc = (QuicStreamChannel) f.getNow();
        stream[0] = sc;
        ByteBuf header = sc.alloc().buffer(4 + 32);
        header.writeInt(32).writeBytes(topic.toBytes());
        sc.write(header, sc.voidPromise());
        s.ready = true;
        s.drain();
        sc.flush();
      });
      return s;
    }
  }
}
