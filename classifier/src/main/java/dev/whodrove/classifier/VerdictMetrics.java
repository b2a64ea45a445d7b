package dev.whodrove.classifier;

import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.SessionVerdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * What the classifier emits, for the dashboard: verdicts by operator type and substrate
 * ({@code whodrove_classifier_verdicts_total{operator_type, substrate}}), and the time from a session's end to its
 * verdict ({@code whodrove_classifier_verdict_latency_seconds}, a histogram). A record the exactly-once transaction
 * re-processes after an abort counts again.
 */
final class VerdictMetrics {
  private final MeterRegistry registry;
  private final Timer latency;

  VerdictMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.latency = Timer.builder("whodrove.classifier.verdict.latency")
        .description("session end to its verdict (waits for recordings and quiet periods included)")
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(10))
        .maximumExpectedValue(Duration.ofHours(2)).register(registry);
  }

  void record(SessionVerdict v) {
    String operator = "none";
    for (Label l : v.getLabelsList()) {
      if (l.getKey().equals(LabelKeys.OPERATOR_TYPE)) {
        operator = l.getValue();
      }
    }
    String substrate = v.getSubstrate().isEmpty() ? "unknown" : v.getSubstrate();
    Counter.builder("whodrove.classifier.verdicts").description("verdicts emitted on session.labels")
        .tag("operator_type", operator).tag("substrate", substrate).register(registry).increment();
    long ended = v.hasFeatures() ? v.getFeatures().getEndedMs() : 0;
    if (ended > 0 && v.getEmittedAtMs() >= ended) {
      latency.record(Duration.ofMillis(v.getEmittedAtMs() - ended));
    }
  }
}
