package dev.keyway.relay.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void parsesUnitsAndSums() {
    assertThat(Durations.parse("k", "0")).isEqualTo(Duration.ZERO);
    assertThat(Durations.parse("k", "250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(Durations.parse("k", "10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(Durations.parse("k", "5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(Durations.parse("k", "1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(Durations.parse("k", " 7D ")).isEqualTo(Duration.ofDays(7));
    assertThat(Durations.parse("k", "1_000ms")).isEqualTo(Duration.ofSeconds(1));
    for (String bad : new String[] {"", "s", "10", "10x", "1.5h", "-1s", "ten seconds"}) {
      assertThatThrownBy(() -> Durations.parse("[a] b", bad)).as(bad)
          .isInstanceOf(ConfigException.class).hasMessageContaining("[a] b");
    }
  }

  @Test
  void formatRoundTrips() {
    for (Duration d : new Duration[] {Duration.ZERO, Duration.ofMillis(2), Duration.ofSeconds(10),
        Duration.ofMinutes(3), Duration.ofHours(1), Duration.ofDays(7), Duration.ofMillis(1500)}) {
      assertThat(Durations.parse("k", Durations.format(d))).isEqualTo(d);
    }
    assertThat(Durations.format(Duration.ofDays(7))).isEqualTo("7d");
  }
}
