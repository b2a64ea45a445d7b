package dev.whodrove.classifier;

import dev.whodrove.schemas.v1.CadenceFeatures;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A versioned set of cadence profiles: every threshold and weight of one scorer generation in one place.
 * {@link #classify} is notes/10's {@code classify}: score every profile in table order, the first maximum wins ties,
 * and the label is the winner if its score reaches the threshold (inclusive), else {@code ambiguous}. One addition for
 * tables with an unprofiled-agent profile: when it wins, the best model profile at or above the threshold (if any)
 * names the model instead, since both say "agent" and the model is the more specific answer.
 *
 * @param version e.g. {@code v1}; labels are stamped {@code set_by=cadence@<version>}
 * @param threshold minimum top score for a profile label (0.5 in notes/10)
 * @param minEvents fewer print events than this is {@code insufficient_data} (30)
 * @param absenceGapS mid-session gaps longer than this are absence, not cadence ({@code +Infinity}: off)
 * @param profiles in tie-break order
 * @param calibration maps raw scores to the probabilities stamped ({@link CadenceCalibration#NONE}: raw scores)
 */
public record CadenceTable(String version, double threshold, int minEvents, double absenceGapS,
    List<Profile> profiles, CadenceCalibration calibration) {

  public CadenceTable {
    profiles = List.copyOf(profiles);
  }

  /** A table without calibration. */
  public CadenceTable(String version, double threshold, int minEvents, double absenceGapS, List<Profile> profiles) {
    this(version, threshold, minEvents, absenceGapS, profiles, CadenceCalibration.NONE);
  }

  /** {@code cadence@<version>}, the set_by of cadence labels. */
  public String stage() {
    return "cadence@" + version;
  }

  /** This table with another threshold (config override). */
  public CadenceTable withThreshold(double newThreshold) {
    return new CadenceTable(version, newThreshold, minEvents, absenceGapS, profiles, calibration);
  }

  /** Scores a session or segment; {@code fallbackEditChars} is the session's edit count when c has none. */
  public CadenceVerdict classify(CadenceFeatures c, Long fallbackEditChars) {
    if (c.getInsufficientData() || c.getNEvents() < minEvents) {
      return CadenceVerdict.insufficientData();
    }
    return classify(CadenceView.of(c, absenceGapS, fallbackEditChars));
  }

  public CadenceVerdict classify(CadenceView view) {
    Map<String, Double> scores = scores(view);
    Profile best = null;
    double top = Double.NEGATIVE_INFINITY;
    for (Profile p : profiles) {
      double s = scores.get(p.name());
      if (s > top) { // strict: the first maximum in table order wins, as Python's max() does
        top = s;
        best = p;
      }
    }
    if (best == null) {
      return new CadenceVerdict(CadenceVerdict.AMBIGUOUS, null, 0.0, scores, view.absenceGaps());
    }
    if (best.kind() == Profile.Kind.AGENT) {
      // the unprofiled-agent profile says "an agent"; a model that also clears the threshold says which one
      Profile model = null;
      for (Profile p : profiles) {
        if (p.kind() == Profile.Kind.MODEL && scores.get(p.name()) >= threshold
            && (model == null || scores.get(p.name()) > scores.get(model.name()))) {
          model = p;
        }
      }
      if (model != null) {
        return calibrated(model.name(), model.kind(), scores.get(model.name()), scores, view.absenceGaps());
      }
    }
    boolean confident = top >= threshold;
    if (!confident) {
      return new CadenceVerdict(CadenceVerdict.AMBIGUOUS, null, top, scores, view.absenceGaps());
    }
    return calibrated(best.name(), best.kind(), top, scores, view.absenceGaps());
  }

  private CadenceVerdict calibrated(String label, Profile.Kind kind, double raw, Map<String, Double> scores,
      int absenceGaps) {
    if (calibration.isNone()) {
      return new CadenceVerdict(label, kind, raw, scores, absenceGaps);
    }
    return new CadenceVerdict(label, kind, calibration.operator(raw), scores, absenceGaps,
        kind == Profile.Kind.HUMAN ? calibration.operator(raw) : calibration.suspicion(raw));
  }

  public Map<String, Double> scores(CadenceView view) {
    Map<String, Double> scores = new LinkedHashMap<>();
    for (Profile p : profiles) {
      scores.put(p.name(), p.score(view));
    }
    return Collections.unmodifiableMap(scores);
  }
}
