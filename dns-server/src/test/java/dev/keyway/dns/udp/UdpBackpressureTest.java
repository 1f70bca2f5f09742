package dev.keyway.dns.udp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.dns.testing.TestDnsServer;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * A UDP answer is dropped, and counted, while the socket's send buffer is full: queued, it would
 * go out late if at all, and under a flood over a congested uplink the queue grew without bound
 * (hundreds of MB in 20 s; found by a review).
 */
class UdpBackpressureTest {
  @Test
  void answersAreDroppedWhileTheSocketIsNotWritable() throws Exception {
    try (TestDnsServer server = TestDnsServer.start()) {
      EmbeddedChannel channel = new EmbeddedChannel(
          new UdpFrontEnd.Handler(server.answerer, server.metrics, null, System::nanoTime));
      byte[] query = Message.newQuery(Record.newRecord(Name.fromString("dns.example."), Type.SOA, DClass.IN)).toWire();
      InetSocketAddress client = new InetSocketAddress("192.0.2.7", 5353);
      InetSocketAddress local = new InetSocketAddress("127.0.0.1", 53);

      channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
      channel.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(query), local, client));
      assertThat((Object) channel.readOutbound()).isNull();
      assertThat(server.metrics.count("dns_udp_send_dropped")).isEqualTo(1);

      channel.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
      channel.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(query), local, client));
      DatagramPacket answer = channel.readOutbound();
      assertThat(answer).isNotNull();
      assertThat(answer.recipient()).isEqualTo(client);
      answer.release();
      assertThat(server.metrics.count("dns_udp_send_dropped")).isEqualTo(1);
      channel.finishAndReleaseAll();
    }
  }
}
