package dev.keyway.dns.udp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.dns.testing.TestDnsServer;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * Datagrams waiting in the socket are read in batches of up to
 * {@link UdpFrontEnd#DATAGRAMS_PER_READ} per wake-up of the event loop. The explicit receive
 * allocator (4,097-byte buffers) had silently dropped Netty's datagram default of 16 to one read
 * per wake-up: a selector round for every query, a third of the UDP rate (ops/bench/RESULTS.md,
 * session 20).
 */
class UdpReadBatchTest {
  private static final int BURST = 48;

  @Test
  void aBurstIsReadInBatchesAndEveryQueryIsAnswered() throws Exception {
    try (TestDnsServer server = TestDnsServer.start();
         DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      UdpFrontEnd udp = TestDnsServer.await(UdpFrontEnd.bind(server.vertx,
          new InetSocketAddress("127.0.0.1", 0), server.answerer, server.metrics,
          RrlSettings.DISABLED, System::nanoTime));
      try {
        AtomicInteger reads = new AtomicInteger();
        AtomicInteger readRounds = new AtomicInteger();
        udp.channel().pipeline().addFirst(new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            reads.incrementAndGet();
            ctx.fireChannelRead(msg);
          }

          @Override
          public void channelReadComplete(ChannelHandlerContext ctx) {
            readRounds.incrementAndGet();
            ctx.fireChannelReadComplete();
          }
        });
        // Hold the event loop so that the whole burst is queued in the socket before any read.
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        udp.channel().eventLoop().execute(() -> {
          holding.countDown();
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
        assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue();
        byte[] query = Message.newQuery(
            Record.newRecord(Name.fromString("dns.example."), Type.SOA, DClass.IN)).toWire();
        for (int i = 0; i < BURST; i++) {
          client.send(new DatagramPacket(query, query.length, udp.localAddress()));
        }
        release.countDown();

        client.setSoTimeout(5_000);
        byte[] buf = new byte[4096];
        for (int i = 0; i < BURST; i++) {
          DatagramPacket answer = new DatagramPacket(buf, buf.length);
          client.receive(answer);
          assertThat(new Message(java.util.Arrays.copyOf(buf, answer.getLength())).getRcode())
              .isZero();
        }
        assertThat(reads.get()).isEqualTo(BURST);
        // 48 queued datagrams at 16 per wake-up: three rounds (a fourth if the loop woke early).
        assertThat(readRounds.get()).isBetween(BURST / UdpFrontEnd.DATAGRAMS_PER_READ,
            BURST / UdpFrontEnd.DATAGRAMS_PER_READ + 1);
      } finally {
        TestDnsServer.await(udp.close());
      }
    }
  }
}
