package dev.keyway.dns.conformance;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;

/**
 * Sends raw DNS messages (any bytes, well-formed or not) to 127.0.0.1 over UDP or TCP and returns
 * the first response as raw bytes, or why there was none. One socket per exchange, so one
 * exchange cannot disturb another.
 */
final class WireClient {
  private WireClient() {}

  /** The first response, or null with the reason (timeout, connection closed). */
  record Reply(byte[] bytes, String none) {
    static Reply of(byte[] b) {
      return new Reply(b, null);
    }

    static Reply nothing(String why) {
      return new Reply(null, why);
    }
  }

  static Reply udp(int port, byte[] query, Duration timeout) {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      s.setSoTimeout((int) timeout.toMillis());
      s.send(new DatagramPacket(query, query.length, new InetSocketAddress("127.0.0.1", port)));
      byte[] buf = new byte[65535];
      DatagramPacket in = new DatagramPacket(buf, buf.length);
      s.receive(in);
      return Reply.of(Arrays.copyOf(buf, in.getLength()));
    } catch (SocketTimeoutException e) {
      return Reply.nothing("timeout");
    } catch (IOException e) {
      return Reply.nothing("error: " + e);
    }
  }

  /** One query on a new connection, framed with the two-byte length (RFC 1035 §4.2.2). */
  static Reply tcp(int port, byte[] query, Duration timeout) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), (int) timeout.toMillis());
      s.setSoTimeout((int) timeout.toMillis());
      s.setTcpNoDelay(true);
      byte[] framed = new byte[query.length + 2];
      framed[0] = (byte) (query.length >>> 8);
      framed[1] = (byte) query.length;
      System.arraycopy(query, 0, framed, 2, query.length);
      OutputStream out = s.getOutputStream();
      out.write(framed);
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      int len = in.readUnsignedShort();
      byte[] msg = new byte[len];
      in.readFully(msg);
      return Reply.of(msg);
    } catch (SocketTimeoutException e) {
      return Reply.nothing("timeout");
    } catch (EOFException e) {
      return Reply.nothing("closed");
    } catch (IOException e) {
      // a reset is also "closed without an answer"
      return Reply.nothing("closed");
    }
  }
}
