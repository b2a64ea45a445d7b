package dev.whodrove.classifier;

import dev.whodrove.schemas.v1.CadenceFeatures;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/**
 * The numbers a cadence table scores: the notes/10 features of one session or segment, plus the v1 evidence, with NaN
 * for whatever the input does not carry. Built per table, because {@code cadence@v1} first removes long mid-session
 * idle (absence) from the pause and rate features while {@code cadence@v0} scores the features as they are.
 */
public final class CadenceView {
  private final double[] values = new double[Feature.values().length];
  private final int absenceGaps;

  private CadenceView(int absenceGaps) {
    Arrays.fill(values, Double.NaN);
    this.absenceGaps = absenceGaps;
  }

  /**
   * The view of one stretch of cadence.
   *
   * @param c the features (already scaled by the featurizer for gcloud bursts)
   * @param absenceGapS gaps longer than this are absence, not cadence ({@code +Infinity} = keep every gap)
   * @param fallbackEditChars edit characters of the whole session when {@code c} carries none, or {@code null}
   */
  public static CadenceView of(CadenceFeatures c, double absenceGapS, Long fallbackEditChars) {
    long n = c.getNEvents();
    double nGaps = Math.max(0, n - 1);
    double duration = c.getDurationS();
    double eps = c.getEventsPerSec();
    double p1 = c.getPausesGt1S();
    double p5 = c.getPausesGt5S();
    double p30 = c.getPausesGt30S();
    double burst = c.getBurstFrac();
    double think = c.getThinkFrac();
    double gapMax = c.getGapMaxS();

    int absent = 0;
    if (Double.isFinite(absenceGapS)) {
      double absentS = 0;
      double activeMax = gapMax;
      if (c.hasAbsenceGapCount()) {
        absent = (int) c.getAbsenceGapCount();
        absentS = c.getAbsenceS();
        activeMax = absent > 0 ? c.getActiveGapMaxS() : gapMax;
      } else if (gapMax > absenceGapS) {
        // Featurizer did not count absences: at least the largest gap is one. The next largest gap is unknown; p99 is
        // the closest thing the features hold to it.
        absent = 1;
        absentS = gapMax;
        activeMax = Math.min(gapMax, c.getGapP99S());
      }
      if (absent > 0 && nGaps > absent) {
        duration = Math.max(1e-9, duration - absentS);
        eps = n / duration;
        p1 = Math.max(0, p1 - absent);
        p5 = Math.max(0, p5 - absent);
        p30 = Math.max(0, p30 - absent);
        think = p5 / (nGaps - absent);
        burst = burst * nGaps / (nGaps - absent);
        gapMax = activeMax;
      } else {
        absent = 0;
      }
    }

    CadenceView v = new CadenceView(absent);
    v.put(Feature.DURATION_S, duration);
    v.put(Feature.N_EVENTS, n);
    v.put(Feature.EVENTS_PER_SEC, eps);
    v.put(Feature.GAP_P50_S, c.getGapP50S());
    v.put(Feature.GAP_P90_S, c.getGapP90S());
    v.put(Feature.GAP_P99_S, c.getGapP99S());
    v.put(Feature.GAP_MAX_S, gapMax);
    v.put(Feature.PAUSES_GT_1S, p1);
    v.put(Feature.PAUSES_GT_5S, p5);
    v.put(Feature.PAUSES_GT_30S, p30);
    v.put(Feature.THINK_FRAC, think);
    v.put(Feature.LOCAL_GAP_STD, c.getLocalGapStd());
    if (!c.getBytesDropped()) {
      // notes/12: audit logs carry no payload bytes, so byte features and burst_frac never fire for gcloud bursts
      v.put(Feature.TOTAL_BYTES, c.getTotalBytes());
      v.put(Feature.BURST_FRAC, burst);
      if (n > 0) {
        v.put(Feature.BYTES_PER_EVENT, (double) c.getTotalBytes() / n);
      }
    }
    // per-turn evidence (cadence@v2), over the same absence-adjusted pause counts
    double turns = p1 + 1;
    if (n > 0) {
      v.put(Feature.EVENTS_PER_TURN, n / turns);
      if (!c.getBytesDropped()) {
        v.put(Feature.BYTES_PER_TURN, c.getTotalBytes() / turns);
      }
    }
    if (p1 > 0) {
      v.put(Feature.LONG_THINK_SHARE, p30 / p1);
      v.put(Feature.THINK_SHARE, p5 / p1);
    }
    if (c.getGapP90S() > 0) {
      v.put(Feature.GAP_P99_P90_RATIO, c.getGapP99S() / c.getGapP90S());
    }
    if (c.hasKeystrokeEchoFrac()) {
      v.put(Feature.KEYSTROKE_ECHO_FRAC, c.getKeystrokeEchoFrac());
    }
    Long edits = c.hasEditChars() ? Long.valueOf(c.getEditChars()) : fallbackEditChars;
    if (edits != null) {
      v.put(Feature.EDIT_CHARS, edits);
      if (n > 0) {
        v.put(Feature.EDIT_RATE, (double) edits / n);
      }
    }
    return v;
  }

  /** A view from explicit values (tests, tools); unspecified features are unknown. */
  public static CadenceView of(Map<Feature, Double> values) {
    CadenceView v = new CadenceView(0);
    values.forEach(v::put);
    return v;
  }

  private void put(Feature f, double value) {
    values[f.ordinal()] = value;
  }

  /** The value, NaN when unknown. */
  public double get(Feature f) {
    return values[f.ordinal()];
  }

  /** Mid-session gaps treated as absence (0 under v0). */
  public int absenceGaps() {
    return absenceGaps;
  }

  /** Known values, for diagnostics. */
  public Map<Feature, Double> known() {
    Map<Feature, Double> m = new EnumMap<>(Feature.class);
    for (Feature f : Feature.values()) {
      if (!Double.isNaN(get(f))) {
        m.put(f, get(f));
      }
    }
    return m;
  }
}
