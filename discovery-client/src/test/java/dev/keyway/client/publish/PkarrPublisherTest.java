package dev.keyway.client.publish;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.lookup.ClientRuntime;
import dev.keyway.client.lookup.Fixtures;
import dev.keyway.client.lookup.ManualScheduler;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.client.record.EndpointInfo;
import dev.keyway.client.record.IrohTxt;
import dev.keyway.client.resolve.TestRelay;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The publisher's schedule with a manual clock against a scripted relay: republish, backoff,
 * Retry-After, 400/413 retried at the republish interval, and overtaking a relay's newer packet on 409.
 */
class PkarrPublisherTest {
  private final ManualScheduler time = new ManualScheduler();
  private final SecretKey key = Fixtures.key(40);
  private final EndpointInfo info = Fixtures.info(key, "https://relay.example./", "192.0.2.5:4433");
  private final LinkedBlockingQueue<PublishOutcome> outcomes = new LinkedBlockingQueue<>();
  private TestRelay relay;
  private ClientRuntime rt;
  private PkarrPublisher publisher;

  @BeforeEach
  void start() throws Exception {
    relay = new TestRelay("/pkarr", "keyway.localhost.");
    rt = ClientRuntime.builder().scheduler(time).random(new SplittableRandom(7)).build();
  }

  @AfterEach
  void stop() {
    if (publisher != null) {
      publisher.close();
    }
    rt.close();
    relay.close();
  }

  private PkarrPublisher publisher(PkarrPublisher.Builder b) {
    publisher = b.jitter(0).listener(outcomes::add).build();
    return publisher;
  }

  private PkarrPublisher.Builder builder() {
    return PkarrPublisher.builder(rt, key).relay(relay.base());
  }

  private PublishOutcome next() throws InterruptedException {
    PublishOutcome o = outcomes.poll(20, TimeUnit.SECONDS);
    assertThat(o).as("an outcome arrived").isNotNull();
    return o;
  }

  private SignedPacket stored() {
    return relay.store.get(key.publicKey());
  }

  @Test
  void publishesRelayOnlyAndRepublishesEveryFiveMinutesWithFreshTimestamps() throws Exception {
    publisher(builder()).publish(info);
    PublishOutcome o = next();
    assertThat(o.status()).isEqualTo(PublishOutcome.Status.PUBLISHED);
    assertThat(o.httpStatus()).isEqualTo(204);
    assertThat(o.nextAttemptIn()).contains(Duration.ofMinutes(5));
    assertThat(time.nextDelay()).isEqualTo(Duration.ofMinutes(5));
    SignedPacket first = stored();
    EndpointInfo published = IrohTxt.fromSignedPacket(first);
    assertThat(published.relayUrls()).hasSize(1);
    assertThat(published.ipAddrs()).as("relay-only filter, as iroh").isEmpty();
    assertThat(first.records("_iroh").get(0).getTTL()).isEqualTo(30);
    assertThat(relay.requests("PUT").get(0).path()).isEqualTo("/pkarr/" + key.publicKey().toZ32());

    time.advance(Duration.ofMinutes(5));
    assertThat(next().status()).isEqualTo(PublishOutcome.Status.PUBLISHED);
    assertThat(stored().timestampMicros()).isGreaterThan(first.timestampMicros());
    assertThat(relay.requests("PUT")).hasSize(2);
  }

  /**
   * A publisher made after another for the same key (a reconfiguration) signs after it even when
   * the clock has not moved or stepped back: both take their timestamps from the runtime. With a
   * timestamp source each, the second signed at the first's time, and a relay could keep the
   * first packet.
   */
  @Test
  void aLaterPublisherOnTheRuntimeNeverSignsBeforeAnEarlierOne() throws Exception {
    PkarrPublisher first = publisher(builder());
    first.publish(info);
    assertThat(next().status()).isEqualTo(PublishOutcome.Status.PUBLISHED);
    long firstTs = stored().timestampMicros();
    first.close();
    EndpointInfo moved = Fixtures.info(key, "https://other.example./");
    publisher(builder()).publish(moved);
    PublishOutcome o = next();
    assertThat(o.status()).isEqualTo(PublishOutcome.Status.PUBLISHED);
    // Its first PUT already (a pkarr relay's 409 would make it catch up; iroh's answers 204).
    byte[] payload = relay.requests("PUT").get(1).body();
    assertThat(java.nio.ByteBuffer.wrap(payload, 64, 8).getLong()).isGreaterThan(firstTs);
    assertThat(IrohTxt.fromSignedPacket(stored()).relayUrls()).hasToString(
        moved.relayUrls().toString());
  }

  /**
   * A relay URL with '=' (which iroh's TXT records cannot carry) is left out with a warning of its
   * own; the other addresses are published. It used to read as "the records do not fit" and push
   * the addresses after it out instead.
   */
  @Test
  void aRelayUrlWithAnEqualsSignIsLeftOutAndTheRestPublished() throws Exception {
    EndpointInfo mixed = Fixtures.info(key, "https://r.example./?t=a=b", "192.0.2.7:4433")
        .withAddrs(dev.keyway.client.addr.TransportAddr.relay("https://ok.example./"));
    publisher(builder().addrFilter(AddrFilter.unfiltered())).publish(mixed);
    assertThat(next().status()).isEqualTo(PublishOutcome.Status.PUBLISHED);
    EndpointInfo published = IrohTxt.fromSignedPacket(stored());
    assertThat(published.relayUrls()).hasSize(1);
    assertThat(published.relayUrls().toString()).contains("ok.example").doesNotContain("r.example");
    assertThat(published.ipAddrs()).hasSize(1);
  }

  @Test
  void unchangedInfoIsNotResentAndAChangeGoesOutAtOnce() throws Exception {
    publisher(builder().addrFilter(AddrFilter.unfiltered())).publish(info);
    next();
    publisher.publish(info);
    time.advance(Duration.ofMinutes(1));
    assertThat(relay.requests("PUT")).hasSize(1);
    EndpointInfo moved = Fixtures.info(key, "https://other.example./");
    publisher.publish(moved);
    assertThat(next().status()).isEqualTo(PublishOutcome.Status.PUBLISHED);
    assertThat(IrohTxt.fromSignedPacket(stored())).isEqualTo(moved);
    assertThat(time.pendingDelays()).containsExactly(Duration.ofMinutes(5));
  }

  /**
   * A burst of changes while a PUT is in flight makes one more PUT, of the latest info, once the
   * first is answered: one request per relay at a time, as iroh. Each change used to send its own
   * PUT at once (18 PUTs for 20 changes 10 ms apart), which trips a relay's rate limit.
   */
  @Test
  void changesWhileAPutIsInFlightGoOutAsOnePutOfTheLatestInfo() throws Exception {
    java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(1);
    relay.holdPuts = hold;
    publisher(builder().addrFilter(AddrFilter.unfiltered())).publish(info);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (relay.requests("PUT").isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(5); // polling for the request to arrive, not timing it
    }
    EndpointInfo last = null;
    for (int i = 1; i <= 20; i++) {
      last = Fixtures.info(key, "https://relay" + i + ".example./");
      publisher.publish(last);
    }
    assertThat(relay.requests("PUT")).as("nothing more while the first is out").hasSize(1);
    relay.holdPuts = null;
    hold.countDown();
    assertThat(next().status()).isEqualTo(PublishOutcome.Status.PUBLISHED);
    assertThat(next().status()).isEqualTo(PublishOutcome.Status.PUBLISHED);
    assertThat(relay.requests("PUT")).hasSize(2);
    assertThat(IrohTxt.fromSignedPacket(stored()).relayUrls()).hasToString(last.relayUrls().toString());
    assertThat(time.pendingDelays()).containsExactly(Duration.ofMinutes(5));
  }

  /** A changed info is sent at once to a failing relay, but only a success resets the backoff. */
  @Test
  void aChangedInfoDoesNotResetTheBackoffOfAFailingRelay() throws Exception {
    relay.script.add(TestRelay.Scripted.of(503));
    relay.script.add(TestRelay.Scripted.of(503));
    publisher(builder()).publish(info);
    PublishOutcome first = next();
    assertThat(first.consecutiveFailures()).isEqualTo(1);
    publisher.publish(Fixtures.info(key, "https://changed.example./"));
    PublishOutcome second = next();
    assertThat(relay.requests("PUT")).as("the change went out at once").hasSize(2);
    assertThat(second.consecutiveFailures()).isEqualTo(2);
    assertThat(second.nextAttemptIn()).contains(Duration.ofSeconds(2));
  }

  @Test
  void failuresBackOffNStepsAfterNFailuresUpToTheCap() throws Exception {
    for (int i = 0; i < 3; i++) {
      relay.script.add(TestRelay.Scripted.of(503));
    }
    ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger)
        org.slf4j.LoggerFactory.getLogger(PkarrPublisher.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
        new ch.qos.logback.core.read.ListAppender<>();
    logged.start();
    log.addAppender(logged);
    ch.qos.logback.classic.Level level = log.getLevel();
    log.setLevel(ch.qos.logback.classic.Level.INFO); // the tests' root logs warnings only
    try {
      backOffThenRecover();
    } finally {
      log.detachAppender(logged);
      log.setLevel(level);
    }
    // a streak is told once, and its end: not every retry
    assertThat(logged.list).extracting(e -> e.getLevel().toString() + " " + e.getFormattedMessage())
        .satisfiesExactly(
            w -> assertThat(w).startsWith("WARN publishing ").contains("HTTP 503", "retrying in 1 s"),
            i -> assertThat(i).startsWith("INFO publishing ").endsWith("works again"));
  }

  private void backOffThenRecover() throws Exception {
    publisher(builder().retryBackoff(Duration.ofSeconds(1), Duration.ofMillis(2500))).publish(info);
    PublishOutcome o1 = next();
    assertThat(o1.status()).isEqualTo(PublishOutcome.Status.FAILED);
    assertThat(o1.detail()).contains("HTTP 503");
    assertThat(o1.nextAttemptIn()).contains(Duration.ofSeconds(1));
    assertThat(o1.consecutiveFailures()).isEqualTo(1);
    time.advance(Duration.ofSeconds(1));
    assertThat(next().nextAttemptIn()).contains(Duration.ofSeconds(2));
    time.advance(Duration.ofSeconds(2));
    PublishOutcome o3 = next();
    assertThat(o3.nextAttemptIn()).as("3 s capped").contains(Duration.ofMillis(2500));
    assertThat(o3.consecutiveFailures()).isEqualTo(3);
    time.advance(Duration.ofMillis(2500));
    PublishOutcome ok = next();
    assertThat(ok.status()).isEqualTo(PublishOutcome.Status.PUBLISHED);
    assertThat(ok.consecutiveFailures()).isZero();
  }

  @Test
  void jitterKeepsRetriesWithinTwentyPercent() {
    publisher = PkarrPublisher.builder(rt, key).relay(relay.base()).build();
    for (int n = 1; n <= 20; n++) {
      Duration d = publisher.backoff(n);
      long nominal = Math.min(n * 1000L, 60_000L);
      assertThat(d.toMillis()).isBetween(nominal * 8 / 10, Math.min(nominal * 12 / 10, 60_000L));
    }
  }

  @Test
  void rateLimitedWaitsForRetryAfter() throws Exception {
    relay.script.add(TestRelay.Scripted.of(429, "Retry-After", "7"));
    publisher(builder()).publish(info);
    PublishOutcome o = next();
    assertThat(o.status()).isEqualTo(PublishOutcome.Status.RATE_LIMITED);
    assertThat(o.nextAttemptIn()).contains(Duration.ofSeconds(7));
    time.advance(Duration.ofMillis(6999));
    assertThat(relay.requests("PUT")).hasSize(1);
    time.advance(Duration.ofMillis(1));
    assertThat(next().status()).isEqualTo(PublishOutcome.Status.PUBLISHED);
  }

  /**
   * A changed info does not jump a relay's Retry-After (an endpoint whose addresses flap would
   * hit the relay's limit again and again): the waiting retry sends the latest info.
   */
  @Test
  void aChangedInfoWaitsForTheRetryAfter() throws Exception {
    relay.script.add(TestRelay.Scripted.of(429, "Retry-After", "30"));
    publisher(builder().addrFilter(AddrFilter.unfiltered())).publish(info);
    assertThat(next().status()).isEqualTo(PublishOutcome.Status.RATE_LIMITED);
    EndpointInfo moved = Fixtures.info(key, "https://other.example./");
    EndpointInfo movedAgain = Fixtures.info(key, "https://third.example./");
    publisher.publish(moved);
    publisher.publish(movedAgain);
    time.advance(Duration.ofSeconds(29));
    // a PUT sent too early would have an outcome by now (sent and answered asynchronously)
    assertThat(outcomes.poll(500, TimeUnit.MILLISECONDS)).as("no attempt before Retry-After").isNull();
    assertThat(relay.requests("PUT")).hasSize(1);
    time.advance(Duration.ofSeconds(1));
    assertThat(next().status()).isEqualTo(PublishOutcome.Status.PUBLISHED);
    assertThat(relay.requests("PUT")).hasSize(2);
    assertThat(IrohTxt.fromSignedPacket(stored())).isEqualTo(movedAgain);
    // once published, a change goes out at once again
    publisher.publish(info);
    assertThat(next().status()).isEqualTo(PublishOutcome.Status.PUBLISHED);
    assertThat(relay.requests("PUT")).hasSize(3);
  }

  /**
   * A server's wait is honoured but bounded: "Retry-After: 0" waits our own backoff (it used to
   * retry at once, hundreds of PUTs a second against a relay that keeps answering 429), and a date
   * centuries ahead or a wait of 9.3e9 s is cut to a day (the first overflowed into a negative
   * wait, a tight loop again; the second threw inside the answer's callback and stopped
   * publishing to that relay for good, with no outcome).
   */
  @Test
  void rateLimitedWaitsAreBoundedBelowAndAbove() throws Exception {
    relay.script.add(TestRelay.Scripted.of(429, "Retry-After", "0"));
    relay.script.add(TestRelay.Scripted.of(429, "Retry-After", "Sat, 01 Jan 2400 00:00:00 GMT"));
    relay.script.add(TestRelay.Scripted.of(429, "Retry-After", "9300000000"));
    publisher(builder()).publish(info);
    PublishOutcome zero = next();
    assertThat(zero.status()).isEqualTo(PublishOutcome.Status.RATE_LIMITED);
    assertThat(zero.nextAttemptIn()).contains(Duration.ofSeconds(1));
    assertThat(relay.requests("PUT")).hasSize(1);
    time.advance(Duration.ofSeconds(1));
    PublishOutcome farDate = next();
    assertThat(farDate.nextAttemptIn()).contains(PkarrPublisher.MAX_SERVER_WAIT);
    time.advance(PkarrPublisher.MAX_SERVER_WAIT);
    PublishOutcome huge = next();
    assertThat(huge.status()).isEqualTo(PublishOutcome.Status.RATE_LIMITED);
    assertThat(huge.nextAttemptIn()).contains(PkarrPublisher.MAX_SERVER_WAIT);
    assertThat(relay.requests("PUT")).hasSize(3);
    time.advance(PkarrPublisher.MAX_SERVER_WAIT);
    assertThat(next().status()).isEqualTo(PublishOutcome.Status.PUBLISHED);
  }

  /**
   * A refused packet is tried again at the republish interval (a 400 can pass: a relay refuses a
   * clock that NTP later fixes), not every few seconds; a new info is sent at once.
   */
  @Test
  void rejectedPacketsAreRetriedAtTheRepublishInterval() throws Exception {
    relay.script.add(new TestRelay.Scripted(413, java.util.Map.of(), "length limit exceeded".getBytes()));
    publisher(builder()).publish(info);
    PublishOutcome o = next();
    assertThat(o.status()).isEqualTo(PublishOutcome.Status.REJECTED);
    assertThat(o.detail()).contains("HTTP 413", "length limit exceeded", "retried in 300 s");
    assertThat(o.nextAttemptIn()).contains(PkarrPublisher.DEFAULT_REPUBLISH_INTERVAL);
    time.advance(PkarrPublisher.DEFAULT_REPUBLISH_INTERVAL.minusSeconds(1));
    assertThat(relay.requests("PUT")).hasSize(1);
    time.advance(Duration.ofSeconds(1));
    assertThat(next().status()).isEqualTo(PublishOutcome.Status.PUBLISHED);
    assertThat(relay.requests("PUT")).hasSize(2);

    relay.script.add(TestRelay.Scripted.of(400));
    publisher.publish(Fixtures.info(key, "https://changed.example./"));
    assertThat(next().status()).isEqualTo(PublishOutcome.Status.REJECTED);
    assertThat(relay.requests("PUT")).hasSize(3);
  }

  /**
   * A relay's packet dated more than an hour ahead (a far-future packet stored by a relay that
   * does not check) is not followed: it would date every later packet that far ahead, which
   * keyway's relay refuses with 400, for good.
   */
  @Test
  void aRelayPacketFarInTheFutureIsNotFollowed() throws Exception {
    long future = time.now() + Duration.ofHours(2).toNanos() / 1000;
    relay.store.put(key.publicKey(), Fixtures.packet(key, Fixtures.info(key, "https://future.example./"), 30, future));
    publisher(builder()).publish(info);
    PublishOutcome o = next();
    assertThat(o.status()).isEqualTo(PublishOutcome.Status.STALE);
    assertThat(relay.requests).extracting(TestRelay.Request::method).containsExactly("PUT", "GET", "PUT");
    assertThat(o.timestampMicros()).isLessThan(time.now() + Duration.ofMinutes(1).toNanos() / 1000);
  }

  /**
   * A clock that ran two hours ahead and was set right. A relay that checks (keyway's: over an
   * hour ahead is 400) refused the packets signed meanwhile, and takes the next one dated by the
   * clock; one that does not check (iroh's) stored them, and keeps getting packets above them.
   * Timestamps used to carry the refused ones forward, so the checking relay refused everything
   * until real time caught up (two hours without a published address).
   */
  @Test
  void afterAClockThatRanAheadIsSetRightEachRelayGetsATimestampItTakes() throws Exception {
    try (TestRelay iroh = new TestRelay("/pkarr", "keyway.localhost.")) {
      java.util.concurrent.atomic.AtomicLong wall = new java.util.concurrent.atomic.AtomicLong(time.now());
      long hour = Duration.ofHours(1).toNanos() / 1_000;
      relay.refusesTimestamp = ts -> ts > time.now() + hour; // time.now(): the true time
      publisher(builder().relay(iroh.base()).timestamps(new dev.keyway.client.packet.Timestamps(wall::get)))
          .publish(info);
      assertThat(List.of(next().status(), next().status())).containsOnly(PublishOutcome.Status.PUBLISHED);
      long before = stored().timestampMicros();

      wall.addAndGet(2 * hour); // the clock runs ahead
      publisher.publish(Fixtures.info(key, "https://ahead.example./"));
      List<PublishOutcome> ahead = List.of(next(), next());
      assertThat(ahead).extracting(o -> o.relay().equals(relay.base()) ? o.status() : null)
          .contains(PublishOutcome.Status.REJECTED);
      long irohAhead = iroh.store.get(key.publicKey()).timestampMicros();
      assertThat(irohAhead).isGreaterThan(time.now() + hour);
      assertThat(stored().timestampMicros()).isEqualTo(before);

      wall.set(time.now() + 1_000_000); // set right
      EndpointInfo moved = Fixtures.info(key, "https://moved.example./");
      publisher.publish(moved);
      assertThat(List.of(next().status(), next().status())).containsOnly(PublishOutcome.Status.PUBLISHED);
      assertThat(IrohTxt.fromSignedPacket(stored()).relayUrls()).hasToString(moved.relayUrls().toString());
      assertThat(stored().timestampMicros()).isLessThan(time.now() + hour);
      SignedPacket atIroh = iroh.store.get(key.publicKey());
      assertThat(IrohTxt.fromSignedPacket(atIroh).relayUrls()).hasToString(moved.relayUrls().toString());
      assertThat(atIroh.timestampMicros()).isGreaterThan(irohAhead);
    }
  }

  /**
   * A publisher made for the same key after another (a reconfiguration), after the clock that
   * ran over an hour ahead was set right: an iroh relay (204 to an older packet, keeps the newer)
   * still gets a packet above the one the first publisher left there, so it serves the new info.
   */
  @Test
  void aLaterPublisherSignsAboveWhatAnEarlierOneLeftOnARelayAfterTheClockWasSetRight() throws Exception {
    relay.irohStyle = true;
    java.util.concurrent.atomic.AtomicLong wall = new java.util.concurrent.atomic.AtomicLong(time.now());
    dev.keyway.client.packet.Timestamps ts = new dev.keyway.client.packet.Timestamps(wall::get);
    wall.addAndGet(Duration.ofHours(2).toNanos() / 1_000); // the clock runs ahead
    PkarrPublisher first = publisher(builder().timestamps(ts));
    first.publish(Fixtures.info(key, "https://old.example./"));
    assertThat(next().status()).isEqualTo(PublishOutcome.Status.PUBLISHED);
    long ahead = stored().timestampMicros();
    first.close();

    wall.set(time.now()); // set right
    EndpointInfo moved = Fixtures.info(key, "https://new.example./");
    publisher(builder().timestamps(ts)).publish(moved);
    assertThat(next().status()).isEqualTo(PublishOutcome.Status.PUBLISHED);
    assertThat(stored().timestampMicros()).isGreaterThan(ahead);
    assertThat(IrohTxt.fromSignedPacket(stored()).relayUrls()).hasToString(moved.relayUrls().toString());
  }

  @Test
  void staleAnswerMovesTheTimestampPastTheRelaysPacket() throws Exception {
    long future = time.now() + Duration.ofMinutes(30).toNanos() / 1000;
    SignedPacket theirs = Fixtures.packet(key, Fixtures.info(key, "https://stale.example./"), 30, future);
    relay.store.put(key.publicKey(), theirs); // the relay answers 409 to anything older
    publisher(builder()).publish(info);
    PublishOutcome o = next();
    assertThat(o.status()).isEqualTo(PublishOutcome.Status.PUBLISHED);
    assertThat(o.detail()).contains("moving the timestamp");
    assertThat(stored().timestampMicros()).isGreaterThan(future);
    assertThat(IrohTxt.fromSignedPacket(stored()).relayUrls()).extracting(Object::toString)
        .containsExactly("https://relay.example./");
  }

  @Test
  void staleAgainAfterOvertakingBacksOff() throws Exception {
    relay.script.add(TestRelay.Scripted.of(409));
    relay.script.add(TestRelay.Scripted.of(404));
    relay.script.add(TestRelay.Scripted.of(428));
    publisher(builder()).publish(info);
    PublishOutcome o = next();
    assertThat(o.status()).isEqualTo(PublishOutcome.Status.STALE);
    assertThat(o.httpStatus()).isEqualTo(428);
    assertThat(o.nextAttemptIn()).contains(Duration.ofSeconds(1));
    assertThat(relay.requests).extracting(TestRelay.Request::method).containsExactly("PUT", "GET", "PUT");
  }

  /**
   * publishNow() while the GET that follows a 409 is in flight: the GET is cancelled and only
   * publishNow's own PUT goes out. The cancelled GET's callback used to start a PUT of its own,
   * which nothing could cancel any more (two PUBLISHED outcomes for one round).
   */
  @Test
  void publishNowDuringTheOvertakingGetSendsOnePut() throws Exception {
    relay.script.add(TestRelay.Scripted.of(409));
    relay.holdGets = new java.util.concurrent.CountDownLatch(1);
    publisher(builder()).publish(info);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (relay.requests("GET").isEmpty()) {
      assertThat(System.nanoTime()).as("the overtaking GET was sent").isLessThan(deadline);
      Thread.sleep(10); // polling for the request, not a timing assertion
    }
    java.util.concurrent.CompletableFuture<List<PublishOutcome>> round = publisher.publishNow();
    relay.holdGets.countDown();
    assertThat(round.get(30, TimeUnit.SECONDS)).extracting(PublishOutcome::status)
        .containsExactly(PublishOutcome.Status.PUBLISHED);
    assertThat(relay.requests).extracting(TestRelay.Request::method).containsExactly("PUT", "GET", "PUT");
  }

  @Test
  void publishNowReportsEveryRelayAndOneDownRelayDoesNotHoldTheOthers() throws Exception {
    URI down;
    try (ServerSocket s = new ServerSocket(0)) {
      down = URI.create("http://127.0.0.1:" + s.getLocalPort() + "/pkarr");
    }
    publisher(builder().relay(down));
    publisher.publish(info);
    List<PublishOutcome> round = publisher.publishNow().get(30, TimeUnit.SECONDS);
    assertThat(round).extracting(PublishOutcome::status)
        .containsExactly(PublishOutcome.Status.PUBLISHED, PublishOutcome.Status.FAILED);
    assertThat(round.get(1).detail()).contains("PUT http://127.0.0.1:");
    assertThat(publisher.status()).containsKeys(relay.base(), down);
  }

  @Test
  void publishNowWithInfoSendsOnePutPerRelayAndReportsItsAnswer() throws Exception {
    relay.script.add(TestRelay.Scripted.of(429, "Retry-After", "30"));
    List<PublishOutcome> round = publisher(builder()).publishNow(info).get(30, TimeUnit.SECONDS);
    assertThat(round).extracting(PublishOutcome::status).containsExactly(PublishOutcome.Status.RATE_LIMITED);
    assertThat(relay.requests("PUT")).hasSize(1);
    assertThat(publisher.current()).isPresent();
    // the same info again: one more PUT, answered by the relay's default
    assertThat(publisher.publishNow(info).get(30, TimeUnit.SECONDS)).extracting(PublishOutcome::status)
        .containsExactly(PublishOutcome.Status.PUBLISHED);
    assertThat(relay.requests("PUT")).hasSize(2);
    assertThat(time.pendingDelays()).containsExactly(Duration.ofMinutes(5));
    EndpointInfo foreign = Fixtures.info(Fixtures.key(41), "https://x.example/");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> publisher.publishNow(foreign)).isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * An endpoint with more addresses than a signed packet holds publishes the relays and as many
   * direct addresses as fit, instead of nothing (its peers would keep its old records).
   */
  @Test
  void recordsTooBigForAPacketArePublishedAsFarAsTheyFit() throws Exception {
    List<dev.keyway.client.addr.TransportAddr> addrs = new java.util.ArrayList<>();
    for (int i = 0; i < 40; i++) {
      addrs.add(new dev.keyway.client.addr.TransportAddr.Ip(
          dev.keyway.client.addr.SocketAddr.parse("[2001:db8::" + Integer.toHexString(i + 1) + "]:4433")));
    }
    addrs.add(new dev.keyway.client.addr.TransportAddr.Relay(
        dev.keyway.client.addr.RelayUrl.parse("https://relay.example./")));
    EndpointInfo big = EndpointInfo.of(key.publicKey(), addrs, null);
    publisher(builder().addrFilter(AddrFilter.unfiltered())).publish(big);
    assertThat(next().status()).isEqualTo(PublishOutcome.Status.PUBLISHED);
    EndpointInfo published = IrohTxt.fromSignedPacket(stored());
    assertThat(published.relayUrls()).hasSize(1);
    assertThat(published.ipAddrs()).isNotEmpty().hasSizeLessThan(40)
        .isEqualTo(big.ipAddrs().subList(0, published.ipAddrs().size()));
    assertThat(stored().toRelayPayload().length).isLessThanOrEqualTo(1104);
  }

  @Test
  void closeStopsEverything() throws Exception {
    publisher(builder()).publish(info);
    next();
    publisher.close();
    assertThat(time.pendingDelays()).isEmpty();
    time.advance(Duration.ofHours(1));
    assertThat(relay.requests("PUT")).hasSize(1);
    assertThat(outcomes).isEmpty();
  }

  @Test
  void infoOfAnotherKeyIsRefused() {
    publisher(builder());
    EndpointInfo foreign = Fixtures.info(Fixtures.key(41), "https://x.example/");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> publisher.publish(foreign))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(publisher.current()).isEqualTo(Optional.empty());
  }

  /** A publisher whose runtime was closed says so instead of publishing nothing silently. */
  @Test
  void publishingAfterTheRuntimeClosedFails() {
    PkarrPublisher p = publisher(builder());
    rt.close();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> p.publish(info))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("ClientRuntime is closed");
  }
}
