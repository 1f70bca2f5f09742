package dev.keyway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogLevelSettingTest {
  @Test
  void levelsLogbackKnowsPassInAnyCase() {
    for (String ok : new String[] {null, "INFO", "warn", " Debug ", "error", "TRACE", "off"}) {
      assertThat(LogLevelSetting.problem(ok)).as(String.valueOf(ok)).isNull();
    }
  }

  @Test
  void anythingElseIsNamedAndReplacedByInfo() {
    // logback would read each of these as DEBUG
    for (String bad : new String[] {"warning", "", "  ", "bogus", "info,debug"}) {
      assertThat(LogLevelSetting.problem(bad)).as(bad)
          .contains("KEYWAY_LOG_LEVEL=\"" + bad + "\" is not a log level", "using INFO");
    }
    assertThat(LogLevelSetting.problem("KEYWAY_EVENTS_LEVEL", "verbose"))
        .contains("KEYWAY_EVENTS_LEVEL=\"verbose\" is not a log level", "using INFO");
    assertThat(LogLevelSetting.problem("KEYWAY_EVENTS_LEVEL", "debug")).isNull();
  }
}
