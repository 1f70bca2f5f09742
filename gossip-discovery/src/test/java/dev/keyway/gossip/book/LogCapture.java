package dev.keyway.gossip.book;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** The messages one logger writes while open, at {@code level} and above (tests log WARN only). */
public final class LogCapture implements AutoCloseable {
  private final Logger logger;
  private final Level previous;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  public LogCapture(Class<?> source, Level level) {
    this.logger = (Logger) LoggerFactory.getLogger(source);
    this.previous = logger.getLevel();
    appender.start();
    logger.addAppender(appender);
    logger.setLevel(level);
  }

  /** The formatted messages so far. */
  public List<String> messages() {
    synchronized (appender) { // the appender adds under its own lock
      return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
  }

  @Override
  public void close() {
    logger.setLevel(previous);
    logger.detachAppender(appender);
  }
}
