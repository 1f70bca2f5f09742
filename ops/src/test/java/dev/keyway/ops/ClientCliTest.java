package dev.keyway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keyway.client.addr.EndpointAddr;
import dev.keyway.client.keys.KeyFiles;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.lookup.Fixtures;
import dev.keyway.client.resolve.TestRelay;
import dev.keyway.client.ticket.EndpointTicket;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keyway resolve / publish in-process against a scripted relay peer; exit codes as documented. */
class ClientCliTest {
  private TestRelay relay;
  private SecretKey key;
  private Path keyFile;

  @BeforeEach
  void start(@TempDir Path dir) throws Exception {
    relay = new TestRelay("/pkarr", "keyway.localhost.");
    key = Fixtures.key(77);
    keyFile = dir.resolve("node.key");
    KeyFiles.write(keyFile, key);
  }

  @AfterEach
  void stop() {
    relay.close();
  }

  private static CliTest.Run run(String... args) {
    return CliTest.run(args);
  }

  @Test
  void helpDocumentsExitCodes() {
    CliTest.Run help = run("resolve", "--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("Exit codes", "not found", "network error", "127.0.0.1:5300",
        "keyway.localhost.", "http://127.0.0.1:8080/pkarr");
    assertThat(run("publish", "--help").out()).contains("Exit codes", "--watch", "--to");
  }

  @Test
  void publishThenResolveThroughRelayAndDoh() throws Exception {
    CliTest.Run pub = run("publish", "--secret", keyFile.toString(), "--relay-url", "https://relay.example.",
        "--addr", "192.0.2.10:4433", "--user-data", "hi there", "--to", relay.base().toString(), "--json");
    assertThat(pub.code()).as(pub.err()).isZero();
    JsonNode pj = pub.json();
    assertThat(pj.get("records").toString()).contains("relay=https://relay.example./", "addr=192.0.2.10:4433", "user-data=hi there");
    assertThat(pj.get("relays").get(0).get("status").asText()).isEqualTo("published");

    CliTest.Run viaRelay = run("resolve", key.publicKey().toZ32(), "--relay", relay.base().toString(), "--json");
    assertThat(viaRelay.code()).as(viaRelay.err()).isZero();
    JsonNode r = viaRelay.json();
    assertThat(r.get("result").asText()).isEqualTo("found");
    assertThat(r.get("source").asText()).startsWith("pkarr");
    assertThat(r.get("relays").get(0).asText()).isEqualTo("https://relay.example./");
    assertThat(r.get("addrs").get(0).asText()).isEqualTo("192.0.2.10:4433");
    assertThat(r.get("user-data").asText()).isEqualTo("hi there");
    assertThat(r.get("last-updated").asText()).isNotEmpty();
    assertThat(r.get("time-ms").asDouble()).isPositive();

    CliTest.Run viaDoh = run("resolve", key.publicKey().toString(), "--doh", relay.doh().toString());
    assertThat(viaDoh.code()).as(viaDoh.err()).isZero();
    assertThat(viaDoh.out()).contains("source:", "doh", "https://relay.example./", "192.0.2.10:4433", "time-ms:");
  }

  @Test
  void watchRetriesAFailedRelayAndKeepsRunningUntilStopped() throws Exception {
    relay.script.add(TestRelay.Scripted.of(503));
    try (ServingCommand watch = new ServingCommand("Ctrl-C to stop", "publish", "--secret", keyFile.toString(),
        "--addr", "192.0.2.11:4433", "--to", relay.base().toString(), "--watch")) {
      // The first PUT gets the scripted 503, the retry (after the 1 s backoff step) is stored.
      GossipCliTest.await("the retried PUT", () -> relay.store.containsKey(key.publicKey()));
      assertThat(relay.requests("PUT")).hasSize(2);
      GossipCliTest.awaitText(watch, "published");
      assertThat(watch.out()).contains("failed (HTTP 503)");
      assertThat(watch.out().indexOf("failed (HTTP 503)")).isLessThan(watch.out().indexOf("published"));
      watch.stop();
    }
  }

  @Test
  void notFoundIsExit1AndUnreachableIsExit3() throws Exception {
    CliTest.Run nf = run("resolve", key.publicKey().toZ32(), "--relay", relay.base().toString());
    assertThat(nf.code()).isEqualTo(1);
    assertThat(nf.out()).contains("not found");
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    CliTest.Run down = run("resolve", key.publicKey().toZ32(), "--relay", "http://127.0.0.1:" + closed, "--json");
    assertThat(down.code()).isEqualTo(3);
    assertThat(down.json().get("sources").get(0).get("status").asText()).isEqualTo("failed");
    ch.qos.logback.classic.Logger publisherLog = (ch.qos.logback.classic.Logger)
        org.slf4j.LoggerFactory.getLogger(dev.keyway.client.publish.PkarrPublisher.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
        new ch.qos.logback.core.read.ListAppender<>();
    logged.start();
    publisherLog.addAppender(logged);
    CliTest.Run pubDown;
    try {
      pubDown = run("publish", "--secret", keyFile.toString(), "--relay-url", "https://r.example",
          "--to", "http://127.0.0.1:" + closed);
    } finally {
      publisherLog.detachAppender(logged);
    }
    assertThat(pubDown.code()).isEqualTo(3);
    // one round only: no "next attempt" that this process will never make
    assertThat(pubDown.out()).contains("failed", "connection refused").doesNotContain("next attempt");
    // nor a "retrying in 1 s" warning from the publisher: the command exits without retrying
    assertThat(logged.list).extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
        .noneMatch(m -> m.contains("retrying"));
  }

  @Test
  void watchStillWarnsOfAFailedRelayAndItsRetry() throws Exception {
    ch.qos.logback.classic.Logger publisherLog = (ch.qos.logback.classic.Logger)
        org.slf4j.LoggerFactory.getLogger(dev.keyway.client.publish.PkarrPublisher.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
        new ch.qos.logback.core.read.ListAppender<>();
    logged.start();
    publisherLog.addAppender(logged);
    relay.script.add(TestRelay.Scripted.of(503));
    try (ServingCommand watch = new ServingCommand("Ctrl-C to stop", "publish", "--secret", keyFile.toString(),
        "--addr", "192.0.2.12:4433", "--to", relay.base().toString(), "--watch")) {
      GossipCliTest.awaitText(watch, "failed (HTTP 503)");
      GossipCliTest.await("the warning", () -> {
        synchronized (logged) { // the appender's lock: it appends on the publisher's threads
          return logged.list.stream().anyMatch(e -> e.getFormattedMessage().contains("retrying in"));
        }
      });
      watch.stop();
    } finally {
      publisherLog.detachAppender(logged);
    }
  }

  @Test
  void refusedPublishIsExit1() {
    relay.script.add(TestRelay.Scripted.of(413));
    CliTest.Run pub = run("publish", "--secret", keyFile.toString(), "--relay-url", "https://r.example",
        "--to", relay.base().toString());
    assertThat(pub.code()).isEqualTo(1);
    assertThat(pub.out()).contains("rejected", "413");
    // one PUT: `keyway publish` once sent a second (publish() then publishNow()), which could
    // take the refusal meant for the one it reported
    assertThat(relay.requests).extracting(TestRelay.Request::method).containsExactly("PUT");
  }

  @Test
  void commonPublishingMistakesAreCaughtOrExplained() throws Exception {
    // nothing to publish would wipe the node's records
    CliTest.Run empty = run("publish", "--secret", keyFile.toString(), "--to", relay.base().toString());
    assertThat(empty.code()).isEqualTo(2);
    assertThat(empty.err()).contains("nothing to publish", "--allow-empty");
    assertThat(relay.requests).isEmpty();
    CliTest.Run onPurpose = run("publish", "--secret", keyFile.toString(), "--allow-empty", "--to",
        relay.base().toString());
    assertThat(onPurpose.code()).as(onPurpose.out() + onPurpose.err()).isZero();
    // a relay URL without its scheme
    String hostPort = relay.base().getAuthority();
    CliTest.Run noScheme = run("publish", "--secret", keyFile.toString(), "--addr", "192.0.2.1:1",
        "--to", hostPort + "/pkarr");
    assertThat(noScheme.code()).isEqualTo(2);
    assertThat(noScheme.err()).contains("has no scheme", "http://" + hostPort + "/pkarr");
    // an iroh-dns-server URL without /pkarr: 404, with the likely fix
    relay.script.add(TestRelay.Scripted.of(404));
    CliTest.Run wrongPath = run("publish", "--secret", keyFile.toString(), "--addr", "192.0.2.1:1",
        "--to", "http://" + hostPort);
    assertThat(wrongPath.code()).isNotZero();
    assertThat(wrongPath.out()).contains("404", ".../pkarr");
  }

  @Test
  void aBadKeyFileIsNamed(@TempDir Path dir) throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.key"), "abc\n");
    CliTest.Run pub = run("publish", "--secret", bad.toString(), "--to", relay.base().toString());
    assertThat(pub.code()).isEqualTo(2);
    assertThat(pub.err()).contains(bad + ": invalid secret key");
  }

  @Test
  void ticketResolvesWithoutNetwork() throws Exception {
    EndpointAddr addr = EndpointAddr.builder(key.publicKey()).relay("https://relay.example").ip("192.0.2.1:1").build();
    CliTest.Run t = run("resolve", EndpointTicket.of(addr).toString(), "--relay", relay.base().toString(), "--json");
    assertThat(t.code()).isZero();
    assertThat(t.json().get("source").asText()).startsWith("ticket");
    assertThat(relay.requests).isEmpty();
  }

  @Test
  void badInputIsExit2() {
    assertThat(run("resolve", "not-a-key").code()).isEqualTo(2);
    assertThat(run("resolve", key.publicKey().toZ32(), "--dns", "127.0.0.1:99999").code()).isEqualTo(2);
    assertThat(run("resolve", key.publicKey().toZ32(), "--relay", "ftp://x").code()).isEqualTo(2);
    assertThat(run("resolve", key.publicKey().toZ32(), "--timeout", "0").code()).isEqualTo(2);
    assertThat(run("publish", "--secret", "/nonexistent/key").code()).isEqualTo(2);
    assertThat(run("publish", "--secret", keyFile.toString(), "--addr", "nope").code()).isEqualTo(2);
    assertThat(run("publish", "--secret", keyFile.toString(), "--user-data", "x".repeat(300)).code()).isEqualTo(2);
    // an origin too long for _iroh.<z32>. in front: a usage error, not a stack trace (found by a review)
    CliTest.Run longOrigin = run("resolve", key.publicKey().toZ32(), "--dns", "127.0.0.1:53",
        "--origin", ("a".repeat(60) + ".").repeat(4) + "example");
    assertThat(longOrigin.code()).isEqualTo(2);
    assertThat(longOrigin.err()).contains("keyway:", "too long").doesNotContain("\tat ");
  }

  /**
   * With --refresh (or --all) a source still running when the time is up used to throw away
   * what the others had found: "error", exit 3, for a ticket that answers at once (found by a review).
   */
  @Test
  void whatWasFoundCountsWhenAnotherSourceOutlivesTheBudget() throws Exception {
    EndpointAddr addr = EndpointAddr.builder(key.publicKey()).relay("https://relay.example").ip("192.0.2.1:1").build();
    try (java.net.DatagramSocket silent = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
      CliTest.Run t = run("resolve", EndpointTicket.of(addr).toString(), "--refresh",
          "--dns", "127.0.0.1:" + silent.getLocalPort(), "--timeout", "1", "--json");
      assertThat(t.code()).as(t.out() + t.err()).isZero();
      assertThat(t.json().get("result").asText()).isEqualTo("found");
      assertThat(t.json().get("addrs").get(0).asText()).isEqualTo("192.0.2.1:1");
    }
  }
}
