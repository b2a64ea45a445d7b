package dev.whodrove.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Drops log lines known to be false alarms, so what remains at WARN is worth reading. Kafka Streams 4.3 warns that
 * the processing exception handler is not enabled for the global thread from an internal copy of the config, even
 * though every whodrove Streams app enables it ({@link StreamsService#streamsProperties}).
 */
public final class KnownNoiseFilter extends TurboFilter {
  private static final String STREAMS_CONFIG = "org.apache.kafka.streams.StreamsConfig";
  private static final String GLOBAL_HANDLER_WARNING = "Processing exception handler is not enabled for the GlobalThread";

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (format != null && level == Level.WARN && STREAMS_CONFIG.equals(logger.getName())
        && format.startsWith(GLOBAL_HANDLER_WARNING)) {
      return FilterReply.DENY;
    }
    return FilterReply.NEUTRAL;
  }
}
