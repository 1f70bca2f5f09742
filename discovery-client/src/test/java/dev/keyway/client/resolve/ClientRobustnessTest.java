package dev.keyway.client.resolve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.lookup.ClientRuntime;
import dev.keyway.client.lookup.Fixtures;
import dev.keyway.client.lookup.LookupItem;
import dev.keyway.client.publish.PkarrPublisher;
import dev.keyway.client.publish.PublishOutcome;
import dev.keyway.client.record.EndpointInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a misbehaving server or an early shutdown must not do to the client: hang a lookup or a
 * publish past its timeout, or lose the status of an answer behind a long error page.
 */
class ClientRobustnessTest {
  private final SecretKey key = Fixtures.key(31);
  private final EndpointInfo info = Fixtures.info(key, "https://relay.example./", "192.0.2.3:7");
  private ClientRuntime rt;
  private TestRelay relay;
  private StallingServer stalling;

  @BeforeEach
  void start() throws Exception {
    rt = ClientRuntime.create();
    relay = new TestRelay();
    stalling = new StallingServer();
  }

  @AfterEach
  void stop() throws Exception {
    rt.close();
    relay.close();
    stalling.close();
  }

  static Throwable cause(CompletableFuture<?> f) throws Exception {
    try {
      f.get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("completed normally");
  }

  @Test
  void aServerStallingInsideTheBodyTimesOutTheLookup() throws Exception {
    PkarrRelayLookup lookup = PkarrRelayLookup.builder(rt, stalling.base())
        .timeout(Duration.ofMillis(500)).build();
    assertThat(cause(lookup.lookup(key.publicKey()))).isInstanceOf(ResolveException.class)
        .hasMessageContaining("within 500 ms");
    DohLookup doh = DohLookup.builder(rt, URI.create(stalling.base() + "/dns-query"), "keyway.localhost.")
        .timeout(Duration.ofMillis(500)).build();
    assertThat(cause(doh.lookup(key.publicKey()))).isInstanceOf(ResolveException.class)
        .hasMessageContaining("within 500 ms");
    assertThat(stalling.headersSent).hasSize(2); // both got headers and part of a body
  }

  @Test
  void aServerStallingInsideTheBodyTimesOutThePublish() throws Exception {
    List<PublishOutcome> outcomes = new CopyOnWriteArrayList<>();
    PkarrPublisher publisher = PkarrPublisher.builder(rt, key).relay(stalling.base())
        .requestTimeout(Duration.ofMillis(500)).listener(outcomes::add).build();
    try {
      publisher.publish(info);
      PublishOutcome first = publisher.publishNow().get(20, TimeUnit.SECONDS).get(0);
      assertThat(first.status()).isEqualTo(PublishOutcome.Status.FAILED);
      assertThat(first.detail()).contains("no answer within 500 ms");
      assertThat(first.nextAttemptIn()).isPresent();
    } finally {
      publisher.close();
    }
  }

  @Test
  void longErrorBodiesKeepTheirStatus() throws Exception {
    byte[] page = "<html>not here</html>".repeat(300).getBytes(StandardCharsets.UTF_8); // 6.3 kB
    relay.script.add(new TestRelay.Scripted(404, Map.of(), page));
    Optional<LookupItem> none = PkarrRelayLookup.builder(rt, relay.base()).build()
        .lookup(key.publicKey()).get(20, TimeUnit.SECONDS);
    assertThat(none).isEmpty();
    relay.script.add(new TestRelay.Scripted(429, Map.of("Retry-After", "30"), page));
    relay.script.add(new TestRelay.Scripted(200, Map.of(), page)); // a proxy's 200 with a page
    // The outcome of publish()'s own PUT: a publishNow() right after it could not cancel that
    // PUT once sent, and the relay would answer it with the 429 meant for the test.
    CompletableFuture<PublishOutcome> firstOutcome = new CompletableFuture<>();
    PkarrPublisher publisher = PkarrPublisher.builder(rt, key).relay(relay.base())
        .listener(firstOutcome::complete).build();
    try {
      publisher.publish(info);
      PublishOutcome limited = firstOutcome.get(20, TimeUnit.SECONDS);
      assertThat(limited.status()).isEqualTo(PublishOutcome.Status.RATE_LIMITED);
      assertThat(limited.nextAttemptIn()).hasValueSatisfying(d ->
          assertThat(d).isGreaterThanOrEqualTo(Duration.ofSeconds(30)));
      assertThat(limited.detail()).contains("not here");
      PublishOutcome ok = publisher.publishNow().get(20, TimeUnit.SECONDS).get(0);
      assertThat(ok.status()).isEqualTo(PublishOutcome.Status.PUBLISHED);
    } finally {
      publisher.close();
    }
    // a payload over the limit in a 200 is still refused
    relay.script.add(new TestRelay.Scripted(200, Map.of(), page));
    assertThat(cause(PkarrRelayLookup.builder(rt, relay.base()).build().lookup(key.publicKey())))
        .hasMessageContaining("exceeds 1072 bytes");
  }

  @Test
  void closingTheRuntimeFailsTheLookupsStillRunning() throws Exception {
    try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      DnsLookup dns = DnsLookup.builder(rt, "keyway.localhost.")
          .nameserver(new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.getLocalPort()))
          .build();
      CompletableFuture<Optional<LookupItem>> pendingDns = dns.lookup(key.publicKey());
      CompletableFuture<Optional<LookupItem>> pendingRelay = PkarrRelayLookup.builder(rt, stalling.base())
          .timeout(Duration.ofSeconds(60)).build().lookup(key.publicKey());
      assertThat(pendingDns).isNotDone();
      assertThat(pendingRelay).isNotDone();
      rt.close();
      assertThat(cause(pendingDns)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("runtime closed");
      assertThat(cause(pendingRelay)).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void anOriginTooLongForAnIrohNameFailsWhenBuilt() {
    // _iroh.<z32>. takes 59 bytes of a name's 255: an origin may have 196 in wire form
    String origin = ("a".repeat(60) + ".").repeat(3) + "b".repeat(12) + "."; // 197 bytes
    assertThatThrownBy(() -> DnsLookup.builder(rt, origin).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too long");
    assertThatThrownBy(() -> DohLookup.builder(rt, relay.doh(), origin).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too long");
    String longest = ("a".repeat(60) + ".").repeat(3) + "b".repeat(11) + "."; // 196 bytes
    assertThat(DnsLookup.builder(rt, longest).build()).isNotNull();
    assertThat((int) DnsAnswers.queryName(key.publicKey(), DnsAnswers.origin(longest)).length())
        .isEqualTo(255); // and the query name is built at lookup without an exception
  }

  /** Answers every request with headers and 3 of 200 promised body bytes, then says nothing. */
  static final class StallingServer implements AutoCloseable {
    final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    final List<Socket> open = new CopyOnWriteArrayList<>();
    final List<String> headersSent = new CopyOnWriteArrayList<>();
    final Thread acceptor;

    StallingServer() throws IOException {
      acceptor = new Thread(() -> {
        while (!server.isClosed()) {
          try {
            Socket s = server.accept();
            open.add(s);
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
              int b = in.read();
              if (b < 0) {
                break;
              }
              head.append((char) b);
            }
            OutputStream out = s.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 200\r\n\r\nabc".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            headersSent.add(head.toString());
          } catch (IOException e) {
            // closed
          }
        }
      }, "stalling-server");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    URI base() {
      return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket s : open) {
        s.close();
      }
    }
  }
}
