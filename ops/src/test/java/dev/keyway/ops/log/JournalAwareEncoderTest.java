package dev.keyway.ops.log;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.status.Status;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

/** keyway's stderr log format (logback.xml as shipped), on a terminal and into the journal. */
class JournalAwareEncoderTest {
  private static final String STORE = "dev.keyway.relay.store.JdbcPacketStore";
  private static final String EVENT = "events.keyway.dns.publish";

  /** The encoder of the shipped logback.xml, with {@code KEYWAY_LOG_JOURNAL=journal}. */
  private static JournalAwareEncoder encoder(String journal) throws Exception {
    LoggerContext ctx = new LoggerContext();
    ctx.putProperty("KEYWAY_LOG_JOURNAL", journal);
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(ctx);
    configurator.doConfigure(JournalAwareEncoder.class.getResource("/logback.xml"));
    assertThat(ctx.getStatusManager().getCopyOfStatusList())
        .as("logback's warnings and errors").noneMatch(s -> s.getLevel() >= Status.WARN);
    ConsoleAppender<?> stderr = (ConsoleAppender<?>) ctx.getLogger("ROOT").getAppender("STDERR");
    return (JournalAwareEncoder) stderr.getEncoder();
  }

  private static String line(JournalAwareEncoder encoder, String logger, Level level, String msg,
      Throwable thrown) {
    LoggerContext ctx = new LoggerContext();
    LoggingEvent e = new LoggingEvent(JournalAwareEncoderTest.class.getName(), ctx.getLogger(logger),
        level, msg, thrown, null);
    return new String(encoder.encode(e), StandardCharsets.UTF_8);
  }

  @Test
  void intoTheJournalEveryLineStartsWithItsPriorityAndHasNoDate() throws Exception {
    JournalAwareEncoder journal = encoder("true");
    assertThat(journal.isJournalMode()).isTrue();
    String nl = System.lineSeparator();
    assertThat(line(journal, STORE, Level.ERROR, "packet store failed", null))
        .isEqualTo("<3>ERROR d.k.r.s.JdbcPacketStore - packet store failed" + nl);
    assertThat(line(journal, STORE, Level.WARN, "rollback failed", null))
        .isEqualTo("<4>WARN  d.k.r.s.JdbcPacketStore - rollback failed" + nl);
    assertThat(line(journal, "keyway", Level.INFO, "SIGTERM: stopping gracefully", null))
        .isEqualTo("<6>INFO  keyway - SIGTERM: stopping gracefully" + nl);
    assertThat(line(journal, STORE, Level.DEBUG, "d", null)).startsWith("<7>DEBUG ");
    assertThat(line(journal, STORE, Level.TRACE, "t", null)).startsWith("<7>TRACE ");
  }

  @Test
  void aStackTraceInTheJournalKeepsThePriorityOnEveryLine() throws Exception {
    String text = line(encoder("true"), STORE, Level.ERROR, "packet store writer died",
        new IllegalStateException("boom"));
    assertThat(text.lines().count()).isGreaterThan(2);
    assertThat(text.lines()).allMatch(l -> l.startsWith("<3>"));
    assertThat(text).contains("<3>java.lang.IllegalStateException: boom");
  }

  @Test
  void elsewhereLinesAreDatedWithoutPriority() throws Exception {
    JournalAwareEncoder terminal = encoder("false");
    assertThat(terminal.isJournalMode()).isFalse();
    assertThat(line(terminal, STORE, Level.WARN, "rollback failed", null))
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z WARN  d\\.k\\.r\\.s\\.JdbcPacketStore"
            + " - rollback failed\\R");
  }

  @Test
  void autoWithoutJournalStreamIsTheTerminalFormat() throws Exception {
    // The build does not run under systemd with stderr on the journal.
    if (System.getenv("JOURNAL_STREAM") == null) {
      assertThat(encoder("auto").isJournalMode()).isFalse();
    }
  }

  @Test
  void eventLoggersArePrintedInFullWithTheirKeyValues() throws Exception {
    for (String mode : new String[] {"true", "false"}) {
      JournalAwareEncoder encoder = encoder(mode);
      LoggerContext ctx = new LoggerContext();
      LoggingEvent e = new LoggingEvent(getClass().getName(), ctx.getLogger(EVENT), Level.DEBUG,
          null, null, null);
      e.addKeyValuePair(new KeyValuePair("z32", "abc"));
      e.addKeyValuePair(new KeyValuePair("name", "two\nlines"));
      String text = new String(encoder.encode(e), StandardCharsets.UTF_8);
      assertThat(text).as(mode).contains("DEBUG events.keyway.dns.publish - z32=\"abc\" name=\"two lines\"")
          .hasLineCount(1);
    }
  }

  @Test
  void journalStreamMustNameStderr() {
    assertThat(JournalStream.isJournal(null, Optional.empty())).isFalse();
    assertThat(JournalStream.isJournal("", Optional.empty())).isFalse();
    assertThat(JournalStream.isJournal("garbage", Optional.empty())).isFalse();
    // stderr unknown (no /proc): the variable decides
    assertThat(JournalStream.isJournal("8:12345", Optional.empty())).isTrue();
    assertThat(JournalStream.isJournal("8:12345", Optional.of("socket:[12345]"))).isTrue();
    // inherited by a child whose stderr went elsewhere
    assertThat(JournalStream.isJournal("8:12345", Optional.of("socket:[999]"))).isFalse();
    assertThat(JournalStream.isJournal("8:12345", Optional.of("/var/log/keyway.log"))).isFalse();
    assertThat(JournalStream.isJournal("8:12345", Optional.of("pipe:[12345]"))).isFalse();
  }
}
