package dev.whodrove.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.slf4j.Marker;

/**
 * Drops log lines known to be false alarms, so what remains at WARN is worth reading:
 *
 * <ul>
 *   <li>Kafka Streams 4.3 warns that the processing exception handler is not enabled for the global thread from an
 *       internal copy of the config, even though every whodrove Streams app enables it
 *       ({@link StreamsService#streamsProperties}).
 *   <li>The embedded broker logs at ERROR when a transactional producer's batch reaches a partition ahead of the
 *       batch before it (sequence above 0 while the broker holds no state for the producer, transactions v2). The
 *       broker answers with a retriable error and the producer resends both in order; a producer that cannot recover
 *       fails on the client side, which is logged there.
 * </ul>
 */
public final class KnownNoiseFilter extends TurboFilter {
  private static final String STREAMS_CONFIG = "org.apache.kafka.streams.StreamsConfig";
  private static final String GLOBAL_HANDLER_WARNING = "Processing exception handler is not enabled for the GlobalThread";
  private static final String REPLICA_MANAGER = "kafka.server.ReplicaManager";
  private static final String RETRIED_SEQUENCE = "for transactions v2 idempotent producer with no existing state";

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (format != null && level == Level.WARN && STREAMS_CONFIG.equals(logger.getName())
        && format.startsWith(GLOBAL_HANDLER_WARNING)) {
      return FilterReply.DENY;
    }
    if (level == Level.ERROR && t instanceof OutOfOrderSequenceException && t.getMessage() != null
        && t.getMessage().contains(RETRIED_SEQUENCE) && REPLICA_MANAGER.equals(logger.getName())) {
      return FilterReply.DENY;
    }
    return FilterReply.NEUTRAL;
  }
}
