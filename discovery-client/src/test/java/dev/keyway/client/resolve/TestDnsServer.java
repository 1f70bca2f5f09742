package dev.keyway.client.resolve;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;

/**
 * A tiny DNS responder for tests, on 127.0.0.1 UDP and TCP (same port, bound to 0): answers TXT
 * queries from a table of names, NXDOMAIN otherwise. {@link #behaviour} can be swapped to drop,
 * truncate or fail answers. Counts what it received.
 */
final class TestDnsServer implements AutoCloseable {
  /** What to do with a UDP query: return null to drop it. */
  interface Behaviour extends Function<Message, Message> {}

  final Map<Name, List<String>> txt = new ConcurrentHashMap<>();
  final AtomicInteger udpQueries = new AtomicInteger();
  final AtomicInteger tcpQueries = new AtomicInteger();
  final List<Message> received = new CopyOnWriteArrayList<>();
  volatile long ttl = 30;
  volatile Behaviour behaviour = this::answer;
  private final DatagramSocket udp;
  private final ServerSocket tcp;
  private final Thread udpThread;
  private final Thread tcpThread;

  TestDnsServer() throws IOException {
    InetAddress lo = InetAddress.getLoopbackAddress();
    ServerSocket t = null;
    DatagramSocket u = null;
    for (int i = 0; i < 20 && u == null; i++) {
      t = new ServerSocket(0, 50, lo);
      try {
        u = new DatagramSocket(new InetSocketAddress(lo, t.getLocalPort()));
      } catch (IOException busy) {
        t.close();
      }
    }
    if (u == null) {
      throw new IOException("no free port for UDP and TCP");
    }
    this.udp = u;
    this.tcp = t;
    udpThread = new Thread(this::serveUdp, "test-dns-udp");
    tcpThread = new Thread(this::serveTcp, "test-dns-tcp");
    udpThread.setDaemon(true);
    tcpThread.setDaemon(true);
    udpThread.start();
    tcpThread.start();
  }

  InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), udp.getLocalPort());
  }

  int port() {
    return udp.getLocalPort();
  }

  void put(String name, String... strings) throws IOException {
    txt.put(Name.fromString(name), List.of(strings));
  }

  /** The default answer: the table, or NXDOMAIN. */
  Message answer(Message query) {
    Message r = reply(query);
    Record q = query.getQuestion();
    List<String> strings = txt.get(q.getName());
    if (strings == null) {
      r.getHeader().setRcode(Rcode.NXDOMAIN);
      return r;
    }
    for (String s : strings) {
      r.addRecord(new TXTRecord(q.getName(), DClass.IN, ttl, s), Section.ANSWER);
    }
    return r;
  }

  static Message reply(Message query) {
    Message r = new Message(query.getHeader().getID());
    r.getHeader().setFlag(Flags.QR);
    r.getHeader().setFlag(Flags.AA);
    r.addRecord(query.getQuestion(), Section.QUESTION);
    return r;
  }

  private void serveUdp() {
    byte[] buf = new byte[65535];
    while (!udp.isClosed()) {
      try {
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        udp.receive(p);
        Message q = new Message(java.util.Arrays.copyOf(p.getData(), p.getLength()));
        udpQueries.incrementAndGet();
        received.add(q);
        Message r = behaviour.apply(q);
        if (r != null) {
          byte[] out = r.toWire();
          udp.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
        }
      } catch (IOException | RuntimeException e) {
        // closed, or a bad query: keep serving
      }
    }
  }

  private void serveTcp() {
    while (!tcp.isClosed()) {
      try (Socket s = tcp.accept()) {
        DataInputStream in = new DataInputStream(s.getInputStream());
        byte[] q = new byte[in.readUnsignedShort()];
        in.readFully(q);
        Message query = new Message(q);
        tcpQueries.incrementAndGet();
        byte[] out = answer(query).toWire();
        DataOutputStream o = new DataOutputStream(s.getOutputStream());
        o.writeShort(out.length);
        o.write(out);
        o.flush();
      } catch (IOException | RuntimeException e) {
        // closed, or a bad query
      }
    }
  }

  @Override
  public void close() throws IOException {
    udp.close();
    tcp.close();
  }
}
