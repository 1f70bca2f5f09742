package dev.keyway.client.resolve;

import dev.keyway.client.lookup.EventLoop;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;

/**
 * DNS over UDP, with a TCP retry when the UDP answer is truncated (TC bit), on the client's
 * {@link EventLoop}. Every query gets its own non-blocking socket, so its source port is random
 * and closing it cancels exactly that query. The query is sent on the caller's thread; the
 * answer is read on the loop thread, which completes the future.
 *
 * <p>Responses whose id or question do not match the query are ignored (the socket keeps
 * waiting): stray or forged datagrams cannot answer a query.
 */
public final class SocketDnsTransport implements DnsTransport {
  private static final int MAX_MESSAGE = 65_535;

  private final EventLoop loop;
  /** Receive buffer, only ever used on the loop thread. */
  private final ByteBuffer udpBuffer = ByteBuffer.allocateDirect(MAX_MESSAGE);

  public SocketDnsTransport(EventLoop loop) {
    this.loop = Objects.requireNonNull(loop, "loop");
  }

  @Override
  public CompletableFuture<Message> query(InetSocketAddress server, Message query) {
    CompletableFuture<Message> result = new CompletableFuture<>();
    CompletableFuture<Message> udp = udp(server, query);
    // cancelling or completing the result stops whichever leg is running
    result.whenComplete((m, e) -> udp.cancel(true));
    udp.whenComplete((m, e) -> {
      if (e != null) {
        result.completeExceptionally(e);
      } else if (m.getHeader().getFlag(Flags.TC)) {
        CompletableFuture<Message> tcp = tcp(server, query);
        result.whenComplete((x, y) -> tcp.cancel(true));
        tcp.whenComplete((tm, te) -> {
          if (te != null) {
            result.completeExceptionally(te);
          } else {
            result.complete(tm);
          }
        });
      } else {
        result.complete(m);
      }
    });
    return result;
  }

  /** Sends over UDP only: a truncated answer is returned as is. */
  public CompletableFuture<Message> udp(InetSocketAddress server, Message query) {
    CompletableFuture<Message> f = new CompletableFuture<>();
    DatagramChannel ch;
    try {
      ch = DatagramChannel.open(family(server));
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    f.whenComplete((m, e) -> closeQuietly(ch));
    try {
      ch.configureBlocking(false);
      ch.connect(server);
      ch.write(ByteBuffer.wrap(query.toWire()));
      loop.register(ch, SelectionKey.OP_READ, key -> {
        ByteBuffer buf = udpBuffer;
        buf.clear();
        int n;
        try {
          n = ch.read(buf);
        } catch (IOException e) {
          f.completeExceptionally(e); // e.g. port unreachable: nothing listens there
          return;
        }
        if (n <= 0) {
          return;
        }
        byte[] bytes = new byte[n];
        buf.flip();
        buf.get(bytes);
        Message response = parse(bytes);
        if (response != null && matches(query, response)) {
          f.complete(response);
        }
      });
    } catch (IOException | RuntimeException e) {
      f.completeExceptionally(e);
    }
    return f;
  }

  /** Sends over TCP (two-byte length prefix, RFC 1035 §4.2.2). */
  public CompletableFuture<Message> tcp(InetSocketAddress server, Message query) {
    CompletableFuture<Message> f = new CompletableFuture<>();
    SocketChannel ch;
    try {
      ch = SocketChannel.open();
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    f.whenComplete((m, e) -> closeQuietly(ch));
    try {
      byte[] wire = query.toWire();
      ByteBuffer out = ByteBuffer.allocate(2 + wire.length);
      out.putShort((short) wire.length).put(wire).flip();
      ByteBuffer length = ByteBuffer.allocate(2);
      ByteBuffer[] body = new ByteBuffer[1];
      ch.configureBlocking(false);
      boolean connected = ch.connect(server);
      loop.register(ch, connected ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT, key -> {
        try {
          if (key.isConnectable()) {
            ch.finishConnect();
            key.interestOps(SelectionKey.OP_WRITE);
          }
          if (key.isValid() && key.isWritable()) {
            ch.write(out);
            if (!out.hasRemaining()) {
              key.interestOps(SelectionKey.OP_READ);
            }
          }
          if (key.isValid() && key.isReadable()) {
            if (body[0] == null) {
              if (ch.read(length) < 0) {
                throw new IOException("DNS server " + server + " closed the TCP connection");
              }
              if (length.hasRemaining()) {
                return;
              }
              body[0] = ByteBuffer.allocate(length.flip().getShort() & 0xffff);
            }
            if (ch.read(body[0]) < 0) {
              throw new IOException("DNS server " + server + " closed the TCP connection mid-answer");
            }
            if (!body[0].hasRemaining()) {
              Message response = parse(body[0].array());
              if (response == null || !matches(query, response)) {
                throw new IOException("DNS server " + server + " sent an unreadable or unrelated TCP answer");
              }
              f.complete(response);
            }
          }
        } catch (IOException e) {
          f.completeExceptionally(e);
        }
      });
    } catch (IOException | RuntimeException e) {
      f.completeExceptionally(e);
    }
    return f;
  }

  private static Message parse(byte[] bytes) {
    try {
      return new Message(bytes);
    } catch (IOException | RuntimeException garbage) {
      return null;
    }
  }

  /**
   * Same id, a response, and the same question (names compare case-insensitively). Only an error
   * that says nothing about the name (FORMERR, SERVFAIL, NOTIMP, REFUSED...) may come without a
   * question, as some servers send them; an answer or an NXDOMAIN must echo it, so that a forged
   * reply has to name what was asked as well as guess the id and port.
   */
  static boolean matches(Message query, Message response) {
    if (response.getHeader().getID() != query.getHeader().getID()
        || !response.getHeader().getFlag(Flags.QR)) {
      return false;
    }
    Record q = query.getQuestion();
    Record r = response.getQuestion();
    if (r == null) {
      int rcode = response.getRcode();
      return rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN;
    }
    return q.getName().equals(r.getName()) && q.getType() == r.getType() && q.getDClass() == r.getDClass();
  }

  private static StandardProtocolFamily family(InetSocketAddress server) {
    return server.getAddress() instanceof Inet6Address
        ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
  }

  private static void closeQuietly(java.nio.channels.Channel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // best effort
    }
  }
}
