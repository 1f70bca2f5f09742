package dev.keyway.relay;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 over a plain socket, for requests a well-behaved client will not send (malformed
 * paths, lying Content-Length, Expect: 100-continue). Reads one response; the connection closes.
 */
public final class RawHttp {
  private RawHttp() {}

  /** Sends {@code head} (request line and headers, CRLF-terminated) and {@code body}; returns the response text. */
  public static String exchange(int port, String head, byte[] body) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
      if (body != null) {
        try {
          out.write(body);
        } catch (IOException e) {
          // the server may refuse the body early and close; read what it answered
        }
      }
      out.flush();
      return readResponse(s.getInputStream());
    }
  }

  /** The status code in a response text. */
  public static int status(String response) {
    return Integer.parseInt(response.substring(9, 12));
  }

  private static String readResponse(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    byte[] b = new byte[8192];
    int contentLength = -1;
    int headerEnd = -1;
    while (true) {
      int n;
      try {
        n = in.read(b);
      } catch (IOException e) {
        break;
      }
      if (n < 0) {
        break;
      }
      buf.write(b, 0, n);
      String text = buf.toString(StandardCharsets.ISO_8859_1);
      if (headerEnd < 0 && (headerEnd = text.indexOf("\r\n\r\n")) >= 0) {
        // Skip interim 1xx answers.
        while (text.startsWith("HTTP/1.1 1")) {
          text = text.substring(headerEnd + 4);
          buf.reset();
          buf.write(text.getBytes(StandardCharsets.ISO_8859_1));
          headerEnd = text.indexOf("\r\n\r\n");
          if (headerEnd < 0) {
            break;
          }
        }
        if (headerEnd >= 0) {
          for (String line : text.substring(0, headerEnd).split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
              contentLength = Integer.parseInt(line.substring(15).trim());
            }
          }
        }
      }
      if (headerEnd >= 0 && contentLength >= 0 && buf.size() >= headerEnd + 4 + contentLength) {
        break;
      }
    }
    return buf.toString(StandardCharsets.ISO_8859_1);
  }
}
