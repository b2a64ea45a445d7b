package dev.whodrove.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.spi.FilterReply;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.junit.jupiter.api.Test;

class KnownNoiseFilterTest {
  private final LoggerContext context = new LoggerContext();
  private final KnownNoiseFilter filter = new KnownNoiseFilter();

  @Test
  void dropsOnlyTheRetriedSequenceErrorOfTheBroker() {
    var replicaManager = context.getLogger("kafka.server.ReplicaManager");
    String message = "[ReplicaManager broker=1] Error processing append operation on partition x:session.features-1";
    var retried = new OutOfOrderSequenceException("Invalid sequence number for producer 5 at offset 2 in partition "
        + "session.features-1: 1 (incoming seq. number). Expected sequence 0 for transactions v2 idempotent producer "
        + "with no existing state.");
    var other = new OutOfOrderSequenceException("Out of order sequence number for producer 5 at offset 548171 in "
        + "partition x-0: 51 (incoming seq. number), 49 (current end sequence number)");
    assertThat(filter.decide(null, replicaManager, Level.ERROR, message, null, retried)).isEqualTo(FilterReply.DENY);
    assertThat(filter.decide(null, replicaManager, Level.ERROR, message, null, other))
        .isEqualTo(FilterReply.NEUTRAL);
    assertThat(filter.decide(null, replicaManager, Level.ERROR, message, null, new IllegalStateException("x")))
        .isEqualTo(FilterReply.NEUTRAL);
    assertThat(filter.decide(null, context.getLogger("kafka.log.UnifiedLog"), Level.ERROR, message, null, retried))
        .isEqualTo(FilterReply.NEUTRAL);
  }
}
