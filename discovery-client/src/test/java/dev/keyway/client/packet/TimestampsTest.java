package dev.keyway.client.packet;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TimestampsTest {

  @Test
  void followsTheClockWhenItMovesForward() {
    AtomicLong now = new AtomicLong(1_000);
    Timestamps ts = new Timestamps(now::get);
    assertThat(ts.next()).isEqualTo(1_000);
    now.set(5_000);
    assertThat(ts.next()).isEqualTo(5_000);
  }

  @Test
  void neverRepeatsWhenTheClockStalls() {
    Timestamps ts = new Timestamps(() -> 7);
    assertThat(List.of(ts.next(), ts.next(), ts.next())).containsExactly(7L, 8L, 9L);
  }

  @Test
  void neverGoesBackwardsWhenTheClockSteps() {
    AtomicLong now = new AtomicLong(1_000);
    Timestamps ts = new Timestamps(now::get);
    ts.next();
    now.set(10);
    assertThat(ts.next()).isEqualTo(1_001);
    now.set(2_000);
    assertThat(ts.next()).isEqualTo(2_000);
  }

  /**
   * After a clock that ran more than an hour ahead is set right, timestamps follow the clock
   * again: carried forward, they would stay over an hour ahead, which relays refuse, until real
   * time caught up. Within the hour they are carried forward as before.
   */
  @Test
  void aStepBackOfMoreThanAnHourRestartsFromTheClock() {
    long hour = Timestamps.MAX_AHEAD.toNanos() / 1_000;
    AtomicLong now = new AtomicLong(10 * hour);
    Timestamps ts = new Timestamps(now::get);
    ts.next();
    now.addAndGet(-hour + 2);
    assertThat(ts.next()).as("an hour less a microsecond ahead: carried").isEqualTo(10 * hour + 1);
    assertThat(ts.next()).as("an hour ahead: still carried").isEqualTo(10 * hour + 2);
    assertThat(ts.next()).as("past an hour ahead: the clock").isEqualTo(9 * hour + 2);
    assertThat(ts.next()).isEqualTo(9 * hour + 3);
    now.set(7 * hour);
    assertThat(ts.next()).isEqualTo(7 * hour);
  }

  @Test
  void uniqueAcrossThreads() throws Exception {
    Timestamps ts = new Timestamps(() -> 42);
    Set<Long> seen = ConcurrentHashMap.newKeySet();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      threads.add(new Thread(() -> {
        for (int i = 0; i < 1_000; i++) {
          seen.add(ts.next());
        }
      }));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    assertThat(seen).hasSize(4_000);
    assertThat(new HashSet<>(seen)).contains(42L, 42L + 3_999);
  }

  @Test
  void microsClockFromJavaClockTruncatesNanos() {
    Clock fixed = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L, 123_456_789), ZoneOffset.UTC);
    assertThat(MicrosClock.of(fixed).nowMicros()).isEqualTo(1_700_000_000_123_456L);
    assertThat(Timestamps.system().next()).isPositive();
    assertThat(Timestamps.system().next()).isLessThan(Timestamps.system().next());
  }
}
