package dev.keyway.gossip.net;

import static dev.keyway.gossip.net.NetTestSupport.get;
import static dev.keyway.gossip.net.NetTestSupport.key;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.keys.SecretKey;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.transport.Transport;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import jdk.net.ExtendedSocketOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * TCP connections give up a silent peer about as soon as QUIC's idle timeout would: keep-alive
 * probes for an idle connection, and on epoll TCP_USER_TIMEOUT for one with unacknowledged data
 * (which sends no probes). A dead neighbour used to stay "up" for as long as the topic was quiet,
 * and for the kernel's ~15-minute retransmission timeout while it was busy.
 */
class TcpKeepAliveTest {
  static final long IDLE_MILLIS = 15_000;

  @Test
  void probesStartAfterAThirdOfTheIdleTimeout() {
    NioSocketChannel ch = new NioSocketChannel();
    try {
      TcpTransport.enableKeepAlive(ch, IDLE_MILLIS);
      assertNioKeepAlive(ch);
    } finally {
      ch.unsafe().closeForcibly();
    }
  }

  @Test
  void anEpollSocketAlsoGetsTheUserTimeout() {
    NetTestSupport.requireEpoll();
    EpollSocketChannel ch = new EpollSocketChannel();
    try {
      TcpTransport.enableKeepAlive(ch, IDLE_MILLIS);
      assertEpollDeadPeerSettings(ch);
    } finally {
      ch.unsafe().closeForcibly();
    }
  }

  /**
   * Both ends of a real connection, dialled and accepted, wired as a {@link GossipNode} wires its
   * transport (the Vert.x context's event loop and channel factories): with the native transport
   * they are epoll sockets carrying the user timeout, on NIO they keep today's keep-alive.
   */
  @ParameterizedTest(name = "native transport: {0}")
  @ValueSource(booleans = {true, false})
  void bothEndsOfAConnectionCarryTheDeadPeerSettings(boolean nativeTransport) throws Exception {
    Vertx vertx = NetTestSupport.vertx(nativeTransport);
    TcpTransport server = null;
    TcpTransport client = null;
    try {
      ContextInternal context = ((VertxInternal) vertx).createEventLoopContext();
      Transport vt = ((VertxInternal) vertx).transport();
      NetLimits limits = new NetLimits(65_536, 16, 4, 16, 10_000, IDLE_MILLIS);
      SecretKey serverKey = key();
      NetTestSupport.RecordingListener serverEvents = new NetTestSupport.RecordingListener();
      server = new TcpTransport(NodeIdentity.of(serverKey), GossipNodeConfig.DEFAULT_ALPN, limits,
          context.nettyEventLoop(), vt.channelFactory(false), vt.serverChannelFactory(false), serverEvents);
      client = new TcpTransport(NodeIdentity.of(key()), GossipNodeConfig.DEFAULT_ALPN, limits,
          context.nettyEventLoop(), vt.channelFactory(false), vt.serverChannelFactory(false),
          new NetTestSupport.RecordingListener());
      InetSocketAddress bound = get(server.bind(new InetSocketAddress("127.0.0.1", 0)));

      Channel dialled = get(client.connect(serverKey.publicKey(), bound)).channel();
      Connection acceptedConn = serverEvents.connected.poll(NetTestSupport.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      assertThat(acceptedConn).as("the server accepted the connection").isNotNull();
      Channel accepted = acceptedConn.channel();

      for (Channel ch : new Channel[] {dialled, accepted}) {
        if (nativeTransport) {
          assertThat(ch).isInstanceOf(EpollSocketChannel.class);
          assertEpollDeadPeerSettings(ch);
        } else {
          assertThat(ch).isInstanceOf(NioSocketChannel.class);
          assertNioKeepAlive(ch);
        }
      }
    } finally {
      if (client != null) {
        get(client.close());
      }
      if (server != null) {
        get(server.close());
      }
      NetTestSupport.close(vertx);
    }
  }

  private static void assertEpollDeadPeerSettings(Channel ch) {
    assertThat(ch.config().getOption(ChannelOption.SO_KEEPALIVE)).isTrue();
    assertThat(ch.config().getOption(EpollChannelOption.TCP_KEEPIDLE)).isEqualTo(5);
    assertThat(ch.config().getOption(EpollChannelOption.TCP_KEEPINTVL)).isEqualTo(1);
    assertThat(ch.config().getOption(EpollChannelOption.TCP_KEEPCNT)).isEqualTo(3);
    assertThat(ch.config().getOption(EpollChannelOption.TCP_USER_TIMEOUT)).isEqualTo((int) IDLE_MILLIS);
  }

  private static void assertNioKeepAlive(Channel ch) {
    assertThat(ch.config().getOption(ChannelOption.SO_KEEPALIVE)).isTrue();
    assertThat(ch.config().getOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE))).isEqualTo(5);
    assertThat(ch.config().getOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL))).isEqualTo(1);
    assertThat(ch.config().getOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT))).isEqualTo(3);
  }
}
