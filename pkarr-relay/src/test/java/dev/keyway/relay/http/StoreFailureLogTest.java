package dev.keyway.relay.http;

import static dev.keyway.relay.TestRelay.key;
import static dev.keyway.relay.TestRelay.packet;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.packet.MicrosClock;
import dev.keyway.client.packet.SignedPacket;
import dev.keyway.client.store.InMemoryPacketStore;
import dev.keyway.client.store.PacketStore;
import dev.keyway.client.store.StoredPacket;
import dev.keyway.client.store.UpsertOutcome;
import dev.keyway.relay.RelayServer;
import dev.keyway.relay.SteppedClock;
import dev.keyway.relay.TestRelay;
import dev.keyway.relay.store.H2Dialect;
import dev.keyway.relay.store.PacketStoreException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A store that refuses every PUT (a full disk, a full write queue) is logged once a minute per
 * kind, without a stack trace, not once per PUT: iroh endpoints republish every 5 minutes, so a
 * line per refusal floods the journal, on the disk that may be the full one. The clock is the
 * relay's injected clock, so the minute passes without sleeping.
 */
class StoreFailureLogTest {
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final Logger logger = (Logger) LoggerFactory.getLogger(RelayHandler.class);
  private final SteppedClock clock = new SteppedClock();

  @BeforeEach
  void attach() {
    appender.start();
    logger.addAppender(appender);
  }

  @AfterEach
  void detach() {
    logger.detachAppender(appender);
  }

  private List<ILoggingEvent> warnings() {
    return appender.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).toList();
  }

  @Test
  void aFailedStoreLogsOnceAMinuteWithoutAStackTrace(@TempDir Path dir) throws Exception {
    try (TestRelay r = TestRelay.start(dir, b -> b, clock)) {
      assertThat(r.put(packet(key(1), clock.micros(), "before")).statusCode()).isEqualTo(204);
      try (java.sql.Connection c = H2Dialect.file(dir).connect();
          java.sql.Statement st = c.createStatement()) {
        st.execute("SHUTDOWN");
      }
      for (int i = 0; i < 20; i++) {
        assertThat(r.put(packet(key(100 + i), clock.micros(), "after")).statusCode()).isEqualTo(500);
      }
      assertThat(warnings()).hasSize(1);
      ILoggingEvent first = warnings().get(0);
      // the PUT whose commit found the database closed; the store's own ERROR says the rest
      assertThat(first.getFormattedMessage())
          .contains("PUT refused with 500: the store failed", "Database is already closed");
      assertThat(first.getThrowableProxy()).isNull();

      clock.advance(Duration.ofSeconds(61));
      for (int i = 0; i < 5; i++) {
        assertThat(r.put(packet(key(200 + i), clock.micros(), "later")).statusCode()).isEqualTo(500);
      }
      assertThat(warnings()).hasSize(2);
      assertThat(warnings().get(1).getFormattedMessage())
          .contains("PUT refused with 500: the store failed: 20 times in the last 61 s",
              "packet store failed");
      assertThat(warnings().get(1).getThrowableProxy()).isNull();
      assertThat(r.metrics()).contains("relay_publishes_total{outcome=\"error\"} 25.0");
    }
  }

  @Test
  void aFullWriteQueueLogsOnceAMinute(@TempDir Path dir) throws Exception {
    OverloadedStore store = new OverloadedStore(new InMemoryPacketStore(MicrosClock.of(clock)));
    RelayServer server = RelayServer.builder(TestRelay.config(dir).build()).store(store)
        .clock(clock).build().start();
    try (store; TestRelay r = TestRelay.of(server)) {
      for (int i = 0; i < 30; i++) {
        var answer = r.put(packet(key(300 + i), clock.micros(), "busy"));
        assertThat(answer.statusCode()).isEqualTo(503);
        assertThat(answer.headers().firstValue("Retry-After")).contains("1");
        if (i == 9) {
          clock.advance(Duration.ofMinutes(2));
        }
      }
      assertThat(warnings()).hasSize(2);
      assertThat(warnings().get(0).getFormattedMessage())
          .contains("PUT refused with 503: the store's write queue is full", "16384 upserts");
      assertThat(warnings().get(1).getFormattedMessage())
          .contains("the store's write queue is full: 10 times in the last 120 s");
      assertThat(warnings()).allMatch(e -> e.getThrowableProxy() == null);
      assertThat(r.metrics()).contains("relay_publishes_total{outcome=\"overloaded\"} 30.0");
    }
  }

  /** A store whose writer queue is always full. */
  private static final class OverloadedStore implements PacketStore {
    private final PacketStore reads;

    OverloadedStore(PacketStore reads) {
      this.reads = reads;
    }

    @Override
    public Optional<StoredPacket> get(PublicKey key) {
      return reads.get(key);
    }

    @Override
    public CompletableFuture<UpsertOutcome> upsert(SignedPacket packet) {
      return CompletableFuture.failedFuture(new PacketStoreException.Overloaded(
          "packet store is overloaded: 16384 upserts are waiting"));
    }

    @Override
    public long count() {
      return reads.count();
    }

    @Override
    public void close() {
      reads.close();
    }
  }

  /** A clock that stands still at the time it was made until the test moves it forward. */
}
