package dev.keyway.client.resolve;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.packet.SignedPacket;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;

/**
 * A pkarr relay peer for tests on the JDK's HTTP server (127.0.0.1, port 0): {@code PUT} and
 * {@code GET <prefix>/<z32>} with pkarr v7 semantics (204, 409 for older, 400 for bad payloads,
 * 200 with Cache-Control/Last-Modified/Memento-Datetime, 304 for If-Modified-Since, 404), plus a
 * {@code GET /dns-query?dns=} DoH endpoint answering {@code _iroh} TXT from the same store.
 * {@link #script} queues canned responses that take precedence; {@link #requests} records all.
 */
public final class TestRelay implements AutoCloseable {
  /** A canned response. */
  public record Scripted(int status, Map<String, String> headers, byte[] body) {
    public static Scripted of(int status) {
      return new Scripted(status, Map.of(), new byte[0]);
    }

    public static Scripted of(int status, String header, String value) {
      return new Scripted(status, Map.of(header, value), new byte[0]);
    }
  }

  /** One received request. */
  public record Request(String method, String path, Headers headers, byte[] body) {}

  public final Map<PublicKey, SignedPacket> store = new ConcurrentHashMap<>();
  public final ConcurrentLinkedQueue<Scripted> script = new ConcurrentLinkedQueue<>();
  /** While set, GET requests wait for it (at most 10 s) before they are answered. */
  public volatile java.util.concurrent.CountDownLatch holdGets;
  /** While set, PUTs are recorded at once but answered only when it opens (or after 10 s). */
  public volatile java.util.concurrent.CountDownLatch holdPuts;
  public final List<Request> requests = new CopyOnWriteArrayList<>();
  public volatile long maxAge = 30;
  public volatile long mementoMicros = -1;
  /** Answers 204 to an older packet and keeps the newer one, as iroh-dns-server does (no 409). */
  public volatile boolean irohStyle;
  /** PUTs of packets with a timestamp it matches get 400, as keyway's far-future check does. */
  public volatile java.util.function.LongPredicate refusesTimestamp = ts -> false;
  private final String prefix;
  private final String origin;
  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(2);

  /** A relay serving keys under {@code prefix} (e.g. {@code /pkarr} or empty). */
  public TestRelay(String prefix, String origin) throws IOException {
    this.prefix = prefix;
    this.origin = origin;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  public TestRelay() throws IOException {
    this("", "keyway.localhost.");
  }

  /** The relay base URL, e.g. {@code http://127.0.0.1:PORT/pkarr}. */
  public URI base() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + prefix);
  }

  /** The DoH URL. */
  public URI doh() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/dns-query");
  }

  public List<Request> requests(String method) {
    return requests.stream().filter(r -> r.method.equals(method)).toList();
  }

  private void handle(HttpExchange ex) throws IOException {
    byte[] body = ex.getRequestBody().readAllBytes();
    String path = ex.getRequestURI().getPath();
    requests.add(new Request(ex.getRequestMethod(), ex.getRequestURI().toString(), ex.getRequestHeaders(), body));
    java.util.concurrent.CountDownLatch hold = ex.getRequestMethod().equals("GET") ? holdGets
        : ex.getRequestMethod().equals("PUT") ? holdPuts : null;
    if (hold != null) {
      try {
        hold.await(10, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      Scripted s = script.poll();
      if (s != null) {
        s.headers.forEach((k, v) -> ex.getResponseHeaders().add(k, v));
        send(ex, s.status, s.body);
      } else if (path.equals("/dns-query")) {
        doh(ex);
      } else if (path.startsWith(prefix + "/")) {
        relay(ex, path.substring(prefix.length() + 1), body);
      } else {
        send(ex, 404, new byte[0]);
      }
    } finally {
      ex.close();
    }
  }

  private void relay(HttpExchange ex, String z32, byte[] body) throws IOException {
    PublicKey key;
    try {
      key = PublicKey.fromZ32(z32);
    } catch (RuntimeException e) {
      send(ex, 400, e.getMessage().getBytes());
      return;
    }
    if (ex.getRequestMethod().equals("PUT")) {
      SignedPacket p;
      try {
        p = SignedPacket.fromRelayPayload(key, body);
      } catch (RuntimeException e) {
        send(ex, 400, e.getMessage().getBytes());
        return;
      }
      if (refusesTimestamp.test(p.timestampMicros())) {
        send(ex, 400, "timestamp too far in the future".getBytes());
        return;
      }
      SignedPacket old = store.get(key);
      if (old != null && old.isMoreRecentThan(p)) {
        if (irohStyle) {
          send(ex, 204, null);
          return;
        }
        send(ex, 409, "packet is not the most recent".getBytes());
        return;
      }
      store.put(key, p);
      send(ex, 204, null);
      return;
    }
    SignedPacket p = store.get(key);
    if (p == null) {
      send(ex, 404, new byte[0]);
      return;
    }
    Headers h = ex.getResponseHeaders();
    h.add("Content-Type", "application/pkarr.org/relays#payload");
    h.add("Cache-Control", "public, max-age=" + maxAge);
    h.add("Last-Modified", PkarrHttp.httpDate(p.timestampMicros() / 1_000_000));
    if (mementoMicros >= 0) {
      h.add("Memento-Datetime", PkarrHttp.httpDate(mementoMicros / 1_000_000));
    }
    OptionalLong ims = PkarrHttp.parseHttpDateMicros(ex.getRequestHeaders().getFirst("If-Modified-Since"));
    if (ims.isPresent() && p.timestampMicros() <= ims.getAsLong()) {
      send(ex, 304, null);
      return;
    }
    send(ex, 200, p.toRelayPayload());
  }

  private void doh(HttpExchange ex) throws IOException {
    String q = ex.getRequestURI().getRawQuery();
    byte[] wire = Base64.getUrlDecoder().decode(q.substring(q.indexOf("dns=") + 4));
    Message query = new Message(wire);
    Message r = new Message(query.getHeader().getID());
    r.getHeader().setFlag(Flags.QR);
    r.addRecord(query.getQuestion(), Section.QUESTION);
    Name qname = query.getQuestion().getName();
    boolean found = false;
    for (Map.Entry<PublicKey, SignedPacket> e : store.entrySet()) {
      Name expected = Name.fromString("_iroh." + e.getKey().toZ32() + "." + origin);
      if (expected.equals(qname)) {
        for (Record rec : e.getValue().records("_iroh", org.xbill.DNS.Type.TXT)) {
          TXTRecord t = (TXTRecord) rec;
          r.addRecord(new TXTRecord(qname, DClass.IN, t.getTTL(), t.getStrings()), Section.ANSWER);
          found = true;
        }
      }
    }
    if (!found) {
      r.getHeader().setRcode(Rcode.NXDOMAIN);
    }
    ex.getResponseHeaders().add("Content-Type", "application/dns-message");
    send(ex, 200, r.toWire());
  }

  private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
    if (body == null || (status == 204 || status == 304)) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream o = ex.getResponseBody()) {
        o.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
