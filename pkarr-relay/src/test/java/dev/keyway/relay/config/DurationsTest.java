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
    assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
    assertThat(Durations.format(Duration.ofNanos(500_000))).isEqualTo("PT0.0005S");
  }

  @Test
  void fromValueTakesWholeSecondsAndStringsOnly() {
    assertThat(Durations.fromValue("k", 0)).isZero();
    assertThat(Durations.fromValue("k", 30L)).isEqualTo(Duration.ofSeconds(30));
    assertThat(Durations.fromValue("k", "1h30m")).isEqualTo(Duration.ofMinutes(90));
    String expected = "k: expected a whole number of seconds or a duration string like \"10s\", \"7d\""
        + " or \"1h30m\" (units ms, s, m, h, d), got ";
    assertThatThrownBy(() -> Durations.fromValue("k", new java.math.BigDecimal("0.5")))
        .isInstanceOf(ConfigException.class).hasMessage(expected + "0.5 (write \"500ms\")");
    assertThatThrownBy(() -> Durations.fromValue("k", 2.5d))
        .isInstanceOf(ConfigException.class).hasMessage(expected + "2.5 (write \"2500ms\")");
    assertThatThrownBy(() -> Durations.fromValue("k", -1))
        .isInstanceOf(ConfigException.class).hasMessage("k: expected a duration of 0 or more, got -1");
    assertThatThrownBy(() -> Durations.fromValue("k", false))
        .isInstanceOf(ConfigException.class).hasMessage(expected + "false");
    assertThatThrownBy(() -> Durations.parse("k", "1.5h"))
        .isInstanceOf(ConfigException.class).hasMessage(expected + "\"1.5h\"");
  }
}
