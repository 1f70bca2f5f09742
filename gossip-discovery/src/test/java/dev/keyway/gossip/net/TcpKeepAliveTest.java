package dev.keyway.gossip.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelOption;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioSocketChannel;
import jdk.net.ExtendedSocketOptions;
import org.junit.jupiter.api.Test;

/**
 * TCP connections probe a silent peer about as soon as QUIC's idle timeout would give it up: a
 * dead neighbour on a quiet topic used to stay "up" for as long as nothing was sent to it.
 */
class TcpKeepAliveTest {
  @Test
  void probesStartAfterAThirdOfTheIdleTimeout() {
    NioSocketChannel ch = new NioSocketChannel();
    try {
      TcpTransport.enableKeepAlive(ch, 15_000);
      assertThat(ch.config().getOption(ChannelOption.SO_KEEPALIVE)).isTrue();
      assertThat(ch.config().getOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE))).isEqualTo(5);
      assertThat(ch.config().getOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL))).isEqualTo(1);
      assertThat(ch.config().getOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT))).isEqualTo(3);
    } finally {
      ch.unsafe().closeForcibly();
    }
  }
}
