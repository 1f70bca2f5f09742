package dev.keyway.dns.tcp;

import dev.keyway.dns.DnsMetrics;
import dev.keyway.dns.QueryEvents;
import dev.keyway.dns.answer.Answer;
import dev.keyway.dns.answer.Transport;
import dev.keyway.dns.answer.ZoneAnswerer;
import dev.keyway.relay.http.ClientAddresses;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * DNS over TCP (RFC 1035 §4.2.2, RFC 7766) on a Vert.x {@link NetServer}: every message is
 * preceded by its 2-byte length; a connection carries any number of queries, pipelined (each
 * answered in order as soon as it is complete; responses written in one read pass are flushed
 * together). A connection idle for {@code idleTimeout} is closed, as is one that sends a
 * zero-length message; connections beyond {@code maxConnections} are closed on accept. When
 * the client stops reading, the server stops answering until its writes drain but goes on
 * reading, and resets the connection once the unanswered input passes a bound: a client that
 * sends without reading pins at most that, not an answer per query.
 *
 * <p>Events: one {@link QueryEvents query event} per query; {@code events.keyway.dns.tcp} for
 * connections ({@code refused_connection}, {@code connection_error}, {@code no_message_timeout},
 * {@code unread_answers}), each with the {@code client} as {@code ip:port}.
 */
public final class TcpFrontEnd {
  private static final Logger EVENTS = LoggerFactory.getLogger("events.keyway.dns.tcp");

  private final NetServer server;

  private TcpFrontEnd(NetServer server) {
    this.server = server;
  }

  /** Binds a TCP listener at {@code address} (port 0 picks one) and serves it. */
  public static Future<TcpFrontEnd> bind(Vertx vertx, InetSocketAddress address,
      ZoneAnswerer answerer, DnsMetrics metrics, Duration idleTimeout, int maxConnections,
      LongSupplier nanoClock) {
    NetServerOptions options = new NetServerOptions()
        .setHost(address.getAddress().getHostAddress())
        .setPort(address.getPort())
        .setTcpNoDelay(true)
        .setReuseAddress(true)
        .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, idleTimeout.toMillis())))
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    NetServer server = vertx.createNetServer(options);
    AtomicInteger open = new AtomicInteger();
    server.connectHandler(socket -> {
      if (open.incrementAndGet() > maxConnections) {
        open.decrementAndGet();
        if (EVENTS.isDebugEnabled()) {
          event("refused_connection", socket).addKeyValue("open", maxConnections).log();
        }
        socket.close();
        return;
      }
      Connection c = new Connection(vertx, socket, answerer, metrics, nanoClock, idleTimeout);
      socket.closeHandler(v -> {
        open.decrementAndGet();
        c.stop();
      });
      c.start();
    });
    return server.listen().map(s -> new TcpFrontEnd(s));
  }

  /** A connection event of {@code socket}'s client (call when {@code EVENTS} is at DEBUG). */
  private static LoggingEventBuilder event(String name, NetSocket socket) {
    return EVENTS.atDebug().addKeyValue("event", name)
        .addKeyValue("client", ClientAddresses.format(socket.remoteAddress()));
  }

  /** The bound port. */
  public int port() {
    return server.actualPort();
  }

  /** Stops accepting and closes open connections. */
  public Future<Void> close() {
    return server.close();
  }

  /**
   * One client connection; all callbacks run on its event loop. Besides the socket's idle
   * timeout (any traffic resets it), the connection is closed when no complete message arrived
   * for the idle timeout: a client trickling a byte now and then (slowloris) would otherwise hold
   * one of the {@code tcp_max_connections} slots for ever and, with enough of them, shut out the
   * clients that truncated UDP answers send to TCP.
   */
  private static final class Connection {
    /**
     * Unanswered input a connection may hold while its answers wait for the client to read:
     * two largest messages (2 + 65,535 bytes each) and one more read's worth. Unblocked, the
     * input held is at most one incomplete message plus one read, well under this.
     */
    static final int MAX_UNREAD_INPUT = 3 * (2 + 65_535);
    private final Vertx vertx;
    private final NetSocket socket;
    private final ZoneAnswerer answerer;
    private final DnsMetrics metrics;
    private final LongSupplier nanoClock;
    private final long idleNanos;
    private byte[] acc = new byte[1024];
    private int len;
    private long lastMessageNanos;
    private long timer = -1;
    /** Whether answers wait for the write queue to drain. */
    private boolean awaitingDrain;
    /** Whether a close or reset was asked for: input is ignored from then on. */
    private boolean closing;

    Connection(Vertx vertx, NetSocket socket, ZoneAnswerer answerer, DnsMetrics metrics,
        LongSupplier nanoClock, Duration idleTimeout) {
      this.vertx = vertx;
      this.socket = socket;
      this.answerer = answerer;
      this.metrics = metrics;
      this.nanoClock = nanoClock;
      this.idleNanos = Math.max(1_000_000L, idleTimeout.toNanos());
    }

    void start() {
      lastMessageNanos = nanoClock.getAsLong();
      socket.handler(this::onData);
      socket.exceptionHandler(e -> {
        if (EVENTS.isDebugEnabled()) {
          event("connection_error", socket).addKeyValue("error", e.toString()).log();
        }
      });
      armTimer(idleNanos);
    }

    void stop() {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
    }

    private void armTimer(long nanos) {
      timer = vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos)), id -> {
        timer = -1;
        long quiet = nanoClock.getAsLong() - lastMessageNanos;
        if (quiet >= idleNanos) {
          if (EVENTS.isDebugEnabled()) {
            event("no_message_timeout", socket).log();
          }
          // Outside a read, answers still in Netty's buffer mean the client stopped reading; a
          // graceful close asked for earlier that has not ended by now is stuck the same way.
          if (closing || awaitingDrain || hasUnflushedAnswers()) {
            abort();
          } else {
            closing = true;
            socket.close();
          }
        } else {
          armTimer(idleNanos - quiet);
        }
      });
    }

    private void onData(Buffer data) {
      int n = data.length();
      if (closing) {
        return; // a close or reset was asked for; nothing more is read into acc
      }
      if (len + n > MAX_UNREAD_INPUT) {
        // Only possible while answers wait for the client to read them, and it sends on: faster
        // than it reads (RFC 7766 §6.2.3). Holding more would let each connection pin megabytes.
        if (EVENTS.isDebugEnabled()) {
          event("unread_answers", socket).addKeyValue("input_bytes", len + n).log();
        }
        abort();
        return;
      }
      if (acc.length - len < n) {
        byte[] bigger = new byte[Math.max(acc.length * 2, len + n)];
        System.arraycopy(acc, 0, bigger, 0, len);
        acc = bigger;
      }
      data.getBytes(0, n, acc, len);
      len += n;
      answerWhatFits();
    }

    /**
     * Closes at once, with a reset, dropping the answers the client did not read: a plain close
     * first flushes them, which never ends while the client does not read, and meanwhile the
     * connection goes on reading (and discarding) whatever the client sends.
     */
    private void abort() {
      closing = true;
      len = 0;
      if (socket instanceof NetSocketInternal internal) {
        Channel channel = internal.channelHandlerContext().channel();
        if (!channel.isOpen()) {
          return;
        }
        channel.config().setOption(ChannelOption.SO_LINGER, 0);
        // From the head of the pipeline: Vert.x's own handler holds a close until its writes
        // are flushed, which is what must not be waited for here.
        channel.pipeline().firstContext().close();
      } else {
        socket.close();
      }
    }

    /**
     * Whether answers handed to the socket still wait in Netty's buffer. Meaningful outside a
     * read only: within one, Vert.x flushes at the read's end, so this read's answers wait too.
     */
    private boolean hasUnflushedAnswers() {
      if (socket instanceof NetSocketInternal internal) {
        ChannelOutboundBuffer out = internal.channelHandlerContext().channel().unsafe().outboundBuffer();
        return out != null && out.totalPendingWriteBytes() > 0;
      }
      return socket.writeQueueFull();
    }

    /**
     * Answers the complete messages in {@link #acc} while the socket takes answers; the rest
     * waits for the client to read (the write queue's drain), so that a client that never reads
     * pins at most the write queue and {@link #MAX_UNREAD_INPUT} of input, not an answer for
     * every query it sends. Reading goes on meanwhile: a connection is closed as soon as its
     * unanswered input passes that bound, where pausing would leave it to Vert.x's own buffers.
     */
    private void answerWhatFits() {
      int pos = 0;
      while (len - pos >= 2 && !socket.writeQueueFull()) {
        int msgLen = ((acc[pos] & 0xff) << 8) | (acc[pos + 1] & 0xff);
        if (msgLen == 0) {
          // Nothing to answer, not even an ID. Blocked: reset. Else close after the answers of
          // this read (flushed at its end); should the client not read them, the no-message
          // timeout resets the connection, and meanwhile no input is kept.
          if (awaitingDrain) {
            abort();
          } else {
            closing = true;
            len = 0;
            socket.close();
          }
          return;
        }
        if (len - pos - 2 < msgLen) {
          break;
        }
        long start = nanoClock.getAsLong();
        lastMessageNanos = start;
        Answer answer = answerer.answer(acc, pos + 2, msgLen, Transport.TCP);
        byte[] wire = answer.wire();
        if (wire != null) {
          Buffer out = Buffer.buffer(2 + wire.length);
          out.appendUnsignedShort(wire.length).appendBytes(wire);
          socket.write(out);
        }
        long nanos = nanoClock.getAsLong() - start;
        metrics.query(Transport.TCP, answer, nanos);
        if (QueryEvents.enabled()) {
          QueryEvents.query(Transport.TCP, ClientAddresses.format(socket.remoteAddress()), acc,
              pos + 2, msgLen, answer, wire == null ? 0 : wire.length, answer.truncated(), nanos);
        }
        pos += 2 + msgLen;
      }
      // Keep the unanswered input at the front; shrink back after a large one.
      int rest = len - pos;
      if (pos > 0) {
        System.arraycopy(acc, pos, acc, 0, rest);
      }
      len = rest;
      if (acc.length > 8192 && len < 1024) {
        acc = java.util.Arrays.copyOf(acc, 1024);
      }
      if (socket.writeQueueFull() && !awaitingDrain) {
        awaitingDrain = true;
        socket.drainHandler(v -> {
          awaitingDrain = false;
          // The client reads: that is progress, not silence, for the no-message timeout.
          lastMessageNanos = nanoClock.getAsLong();
          answerWhatFits();
        });
      }
    }
  }
}
