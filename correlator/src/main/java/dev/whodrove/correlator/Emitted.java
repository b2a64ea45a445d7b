package dev.whodrove.correlator;

import dev.whodrove.schemas.v1.Correlation;
import dev.whodrove.schemas.v1.SessionVerdict;

/**
 * One output of the correlation processor: a correlation for {@code session.correlations} (null = a tombstone for a
 * withdrawn pair), or a verdict for {@code session.labels}.
 */
record Emitted(Correlation correlation, SessionVerdict verdict) {
  static Emitted correlation(Correlation c) {
    return new Emitted(c, null);
  }

  static Emitted tombstone() {
    return new Emitted(null, null);
  }

  static Emitted verdict(SessionVerdict v) {
    return new Emitted(null, v);
  }

  boolean isVerdict() {
    return verdict != null;
  }
}
