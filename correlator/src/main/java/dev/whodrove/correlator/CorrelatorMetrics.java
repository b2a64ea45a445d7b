package dev.whodrove.correlator;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The correlator's own meters (Prometheus names in correlator/README.md). Counted as records are processed, so a
 * transaction that aborts and is redone counts twice: figures for watching trends, not for accounting.
 */
public final class CorrelatorMetrics {
  private final MeterRegistry registry;

  public CorrelatorMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Meters nobody reads (tests, the offline command). */
  public static CorrelatorMetrics discarding() {
    return new CorrelatorMetrics(new SimpleMeterRegistry());
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** A classified session taken in, by side. */
  void sessionTaken(SessionSide.Kind kind) {
    counter("whodrove.correlator.sessions", "sessions taken into the correlation state", "side",
        kind.name().toLowerCase(java.util.Locale.ROOT)).increment();
  }

  /** A verdict on session.labels the correlator cannot use, by reason. */
  void skipped(String reason) {
    counter("whodrove.correlator.verdicts.skipped", "classifier verdicts without what a correlation needs", "reason",
        reason).increment();
  }

  /** A correlation published (each re-publication counts), by tier. */
  void published(String tier) {
    counter("whodrove.correlator.correlations", "correlations published", "tier", tier).increment();
  }

  /** A pair withdrawn. */
  void withdrawn() {
    counter("whodrove.correlator.correlations.withdrawn", "pairs that no longer hold").increment();
  }

  /** An identity forgotten without ever pairing, by the sides it was seen on. */
  void unmatched(String seen) {
    counter("whodrove.correlator.identities.unmatched",
        "identities whose sessions all expired without a cross-substrate match", "seen", seen).increment();
  }

  /** An older verdict of a session delivered after a newer one, ignored. */
  void stale() {
    counter("whodrove.correlator.verdicts.stale", "older verdicts of a session arriving after newer ones").increment();
  }

  private Counter counter(String name, String description, String... tags) {
    return Counter.builder(name).description(description).tags(tags).register(registry);
  }
}
