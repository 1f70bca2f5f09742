package dev.keyway.ops.log;

import ch.qos.logback.classic.pattern.LoggerConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * {@code %keywayLogger{N}}: the logger's name as {@code %logger{N}} abbreviates it, except the
 * structured event loggers ({@code events.keyway.dns.publish}), which are printed in full so that
 * {@code grep events.keyway} finds every event.
 */
public final class KeywayLoggerConverter extends LoggerConverter {
  /** The prefix of the structured event loggers. */
  static final String EVENTS = "events.";

  @Override
  public String convert(ILoggingEvent event) {
    String name = event.getLoggerName();
    return name != null && name.startsWith(EVENTS) ? name : super.convert(event);
  }
}
