package dev.whodrove.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.spi.FilterReply;
import org.junit.jupiter.api.Test;

class KnownNoiseFilterTest {
  private final LoggerContext context = new LoggerContext();
  private final KnownNoiseFilter filter = new KnownNoiseFilter();

  @Test
  void dropsOnlyTheGlobalHandlerFalseAlarm() {
    var streamsConfig = context.getLogger("org.apache.kafka.streams.StreamsConfig");
    assertThat(filter.decide(null, streamsConfig, Level.WARN,
        "Processing exception handler is not enabled for the GlobalThread. It's recommended …", null, null))
        .isEqualTo(FilterReply.DENY);
    assertThat(filter.decide(null, streamsConfig, Level.WARN, "Unrecognized config value", null, null))
        .isEqualTo(FilterReply.NEUTRAL);
    assertThat(filter.decide(null, context.getLogger("dev.whodrove.x"), Level.WARN,
        "Processing exception handler is not enabled for the GlobalThread", null, null))
        .isEqualTo(FilterReply.NEUTRAL);
  }
}
