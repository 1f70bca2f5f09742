package dev.keyway.dns.udp;

import dev.keyway.dns.DnsMetrics;
import dev.keyway.dns.QueryEvents;
import dev.keyway.dns.answer.Answer;
import dev.keyway.dns.answer.Transport;
import dev.keyway.dns.answer.ZoneAnswerer;
import dev.keyway.relay.http.ClientAddresses;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.DatagramPacket;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.net.InetSocketAddress;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DNS over UDP: one datagram in, {@link ZoneAnswerer#answer} with {@link Transport#UDP}, one
 * datagram out (or none, when response rate limiting drops it). The transport only frames,
 * limits and counts.
 *
 * <p>It runs a Netty datagram channel on one of Vert.x's event loops, with Vert.x's transport
 * (NIO, or epoll when Vert.x uses it), instead of Vert.x's {@code DatagramSocket}: that API
 * resolves the destination host name and allocates a promise for every send, which costs more
 * than answering the query. Responses read in one event-loop pass are flushed together.
 *
 * <p>Events: one {@link QueryEvents query event} per query; {@code events.keyway.dns.udp}
 * {@code event="socket_error"} for a failed send or receive.
 */
public final class UdpFrontEnd {
  private static final Logger EVENTS = LoggerFactory.getLogger("events.keyway.dns.udp");
  /** Socket buffers: room for bursts; the kernel caps them at net.core.[rw]mem_max. */
  private static final int SOCKET_BUFFER = 4 << 20;
  /**
   * Largest UDP query answered: the largest EDNS payload size in use (RFC 6891 clients offer at
   * most 4096); larger datagrams are dropped unread.
   */
  static final int MAX_QUERY_BYTES = 4096;
  /**
   * Datagrams read per wake-up of the event loop before it turns to other channels and tasks:
   * Netty's default for datagram channels, which an explicit allocator does not inherit.
   */
  static final int DATAGRAMS_PER_READ = 16;

  private final Channel channel;

  private UdpFrontEnd(Channel channel) {
    this.channel = channel;
  }

  /**
   * Binds a UDP socket at {@code address} (port 0 picks one) and serves it.
   *
   * @param nanoClock monotonic nanoseconds, for latency and rate limiting
   */
  public static Future<UdpFrontEnd> bind(Vertx vertx, InetSocketAddress address,
      ZoneAnswerer answerer, DnsMetrics metrics, RrlSettings rrl, LongSupplier nanoClock) {
    VertxInternal vx = (VertxInternal) vertx;
    ResponseRateLimiter limiter = rrl.enabled() ? new ResponseRateLimiter(rrl, nanoClock) : null;
    Bootstrap bootstrap = new Bootstrap()
        .group(vx.nettyEventLoopGroup().next())
        .channelFactory(vx.transport().datagramChannelFactory())
        .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER)
        .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER)
        // Netty's default reads at most 2048 bytes of a datagram: a larger query (EDNS padding)
        // arrived cut short and got FORMERR. One byte more than the largest query served, so
        // that a larger datagram shows as one and is dropped, not answered cut short; not 64 KiB,
        // which the pooled allocator does not pool: a 64 KiB buffer per datagram halved the UDP
        // rate (ops/bench/RESULTS.md, session 19). A new allocator reads one datagram per
        // wake-up unless told otherwise, which cost a selector round per query.
        .option(ChannelOption.RECVBUF_ALLOCATOR, recvAllocator())
        .handler(new Handler(answerer, metrics, limiter, nanoClock));
    Promise<UdpFrontEnd> promise = Promise.promise();
    bootstrap.bind(address).addListener(f -> {
      if (f.isSuccess()) {
        promise.complete(new UdpFrontEnd(((io.netty.channel.ChannelFuture) f).channel()));
      } else {
        promise.fail(f.cause());
      }
    });
    return promise.future();
  }

  /**
   * Reads up to {@link #DATAGRAMS_PER_READ} datagrams per wake-up of the event loop into
   * buffers one byte larger than the largest query served.
   */
  static FixedRecvByteBufAllocator recvAllocator() {
    FixedRecvByteBufAllocator allocator = new FixedRecvByteBufAllocator(MAX_QUERY_BYTES + 1);
    allocator.maxMessagesPerRead(DATAGRAMS_PER_READ);
    return allocator;
  }

  /** The bound address (with the real port when 0 was asked for). */
  public InetSocketAddress localAddress() {
    return (InetSocketAddress) channel.localAddress();
  }

  /** The Netty channel, for tests that watch its reads. */
  Channel channel() {
    return channel;
  }

  /** Closes the socket. */
  public Future<Void> close() {
    Promise<Void> promise = Promise.promise();
    channel.close().addListener(f -> {
      if (f.isSuccess()) {
        promise.complete();
      } else {
        promise.fail(f.cause());
      }
    });
    return promise.future();
  }

  /** Runs on the channel's event loop only, so the scratch buffer and limiter need no locks. */
  static final class Handler extends ChannelInboundHandlerAdapter {
    private final ZoneAnswerer answerer;
    private final DnsMetrics metrics;
    private final ResponseRateLimiter limiter;
    private final LongSupplier nanoClock;
    private final byte[] scratch = new byte[MAX_QUERY_BYTES];
    private boolean pending;

    Handler(ZoneAnswerer answerer, DnsMetrics metrics, ResponseRateLimiter limiter,
        LongSupplier nanoClock) {
      this.answerer = answerer;
      this.metrics = metrics;
      this.limiter = limiter;
      this.nanoClock = nanoClock;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof DatagramPacket packet)) {
        io.netty.util.ReferenceCountUtil.release(msg);
        return;
      }
      try {
        long start = nanoClock.getAsLong();
        ByteBuf content = packet.content();
        if (content.readableBytes() > MAX_QUERY_BYTES) {
          return; // no DNS client sends a query this large; cut short it would be misread
        }
        int n = content.readableBytes();
        content.getBytes(content.readerIndex(), scratch, 0, n);
        InetSocketAddress sender = packet.sender();
        Answer answer = answerer.answer(scratch, 0, n, Transport.UDP);
        byte[] wire = answer.wire();
        boolean slipped = false;
        if (wire != null && limiter != null) {
          switch (limiter.check(sender.getAddress(), ResponseRateLimiter.responseKey(wire))) {
            case SEND -> { }
            case SLIP -> {
              metrics.rrlSlipped();
              wire = answerer.answerTruncated(scratch, 0, n).wire();
              slipped = true;
            }
            case DROP -> {
              metrics.rrlDropped();
              wire = null;
            }
          }
        }
        if (wire != null && !ctx.channel().isWritable()) {
          // The socket buffer is full (a congested uplink): an answer queued now would go out
          // late, if at all, and the queue would grow without bound. Drop it, as NSD and Knot do.
          metrics.udpBackpressureDropped();
          wire = null;
        }
        if (wire != null) {
          ctx.write(new DatagramPacket(ctx.alloc().directBuffer(wire.length).writeBytes(wire),
              sender), ctx.voidPromise());
          pending = true;
        }
        long nanos = nanoClock.getAsLong() - start;
        metrics.query(Transport.UDP, answer, nanos);
        if (QueryEvents.enabled()) {
          QueryEvents.query(Transport.UDP, ClientAddresses.format(sender), scratch, 0, n, answer,
              wire == null ? 0 : wire.length, wire != null && (answer.truncated() || slipped),
              nanos);
        }
      } finally {
        packet.release();
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (pending) {
        pending = false;
        ctx.flush();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // A failed send or receive concerns one datagram; the socket stays open.
      EVENTS.atDebug().addKeyValue("event", "socket_error").addKeyValue("error", cause.toString()).log();
    }
  }
}
