package dev.whodrove.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.slf4j.Marker;

/**
 * Drops log lines known to be false alarms, so what remains at WARN is worth reading: the embedded broker logs at
 * ERROR when a transactional producer's batch reaches a partition ahead of the batch before it (sequence above 0 while
 * the broker holds no state for the producer, transactions v2). The broker answers with a retriable error and the
 * producer resends both in order; a producer that cannot recover fails on the client side, which is logged there.
 */
public final class KnownNoiseFilter extends TurboFilter {
  private static final String REPLICA_MANAGER = "kafka.server.ReplicaManager";
  private static final String RETRIED_SEQUENCE = "for transactions v2 idempotent producer with no existing state";

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (level == Level.ERROR && t instanceof OutOfOrderSequenceException && t.getMessage() != null
        && t.getMessage().contains(RETRIED_SEQUENCE) && REPLICA_MANAGER.equals(logger.getName())) {
      return FilterReply.DENY;
    }
    return FilterReply.NEUTRAL;
  }
}
