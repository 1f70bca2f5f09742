package dev.keyway.ops.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * For one-shot {@code keyway publish}: drops the publisher's "publishing ... failed: ...;
 * retrying in 1 s" warning. The command reports every relay's outcome itself and exits without
 * the retry the warning announces (only {@code --watch} retries). The publisher's other warnings
 * (records that do not fit, a relay ahead of our clock) still show.
 */
public final class OneShotPublishFilter extends TurboFilter {
  /** The publisher's logger (discovery-client's {@code PkarrPublisher}). */
  static final String PUBLISHER = "dev.keyway.client.publish.PkarrPublisher";
  /** The start of the warning's message template. */
  static final String FAILED = "publishing {} to {} failed: ";

  /** Installs the filter until the returned handle is closed; a no-op without logback. */
  public static AutoCloseable install() {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
      return () -> { };
    }
    OneShotPublishFilter filter = new OneShotPublishFilter();
    filter.setName("keyway-one-shot-publish");
    filter.setContext(ctx);
    filter.start();
    ctx.addTurboFilter(filter);
    return () -> {
      ctx.getTurboFilterList().remove(filter);
      filter.stop();
    };
  }

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format,
      Object[] params, Throwable t) {
    return level == Level.WARN && format != null && format.startsWith(FAILED)
        && PUBLISHER.equals(logger.getName()) ? FilterReply.DENY : FilterReply.NEUTRAL;
  }
}
