package dev.keyway.ops.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.nio.charset.Charset;
import java.util.Locale;

/**
 * The encoder of keyway's stderr log. On a terminal or into a file each line is {@code pattern}
 * (dated). When stderr is systemd's journal ({@link JournalStream}), which stamps every line
 * itself and would otherwise file each one at priority "info", it is {@code journalPattern}
 * instead, and every line of it (those of a stack trace too) starts with the sd-daemon(3)
 * priority prefix: {@code <3>} ERROR, {@code <4>} WARN, {@code <6>} INFO, {@code <7>} DEBUG and
 * TRACE, so that {@code journalctl -p warning} shows the warnings and errors.
 *
 * <p>{@code journal} is {@code auto} (the default: decided from {@code JOURNAL_STREAM}),
 * {@code true} or {@code false}.
 */
public final class JournalAwareEncoder extends PatternLayoutEncoder {
  private String journalPattern;
  private String journal = "auto";
  private boolean journalMode;

  /** The pattern used when the lines go to the journal (no date: journald adds its own). */
  public void setJournalPattern(String journalPattern) {
    this.journalPattern = journalPattern;
  }

  /** {@code auto}, {@code true} or {@code false}. */
  public void setJournal(String journal) {
    this.journal = journal;
  }

  /** Whether lines are written for the journal (known once started). */
  public boolean isJournalMode() {
    return journalMode;
  }

  @Override
  public void start() {
    String mode = journal == null ? "auto" : journal.trim().toLowerCase(Locale.ROOT);
    if (!mode.matches("auto|true|yes|on|1|false|no|off|0|")) {
      addWarn("journal=\"" + journal + "\" is not auto, true or false; using auto");
    }
    journalMode = JournalStream.journalMode(mode);
    if (journalMode && journalPattern != null) {
      setPattern(journalPattern);
    }
    super.start();
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    if (!journalMode) {
      return super.encode(event);
    }
    String text = layout.doLayout(event);
    Charset charset = getCharset() != null ? getCharset() : Charset.defaultCharset();
    return withPriority(priority(event.getLevel()), text).getBytes(charset);
  }

  /** The sd-daemon(3) priority prefix of {@code level}. */
  static String priority(Level level) {
    int l = level == null ? Level.INFO_INT : level.toInt();
    if (l >= Level.ERROR_INT) {
      return "<3>";
    }
    if (l >= Level.WARN_INT) {
      return "<4>";
    }
    if (l >= Level.INFO_INT) {
      return "<6>";
    }
    return "<7>";
  }

  /** {@code text} with {@code prefix} at the start of each of its lines. */
  static String withPriority(String prefix, String text) {
    StringBuilder b = new StringBuilder(text.length() + prefix.length() * 2);
    int start = 0;
    while (start < text.length()) {
      int end = text.indexOf('\n', start);
      end = end < 0 ? text.length() : end + 1;
      b.append(prefix).append(text, start, end);
      start = end;
    }
    return b.toString();
  }
}
