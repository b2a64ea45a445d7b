package dev.whodrove.classifier;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What phase 1 concluded about one session while the rules run: the labels, the operator call, and the facts the
 * escalation policy looks at.
 */
final class Assessment {
  final LabelSet labels;
  final String phase1Stage;
  final String cadenceStage;
  String operatorType = LabelKeys.UNKNOWN;
  double confidence;
  /** What decided the operator call, and why it is unknown (GCP rules set them; null = not stamped). */
  String operatorEvidence;
  String operatorReason;
  boolean ptySsh;
  boolean ambiguousCadence;
  boolean handoff;
  /** GCP synthetic sessions phase 2 should look at (EscalationPolicy). */
  boolean gcpPrivileged;
  boolean gcpAmbiguous;
  /** The operator confidence is a calibrated probability (the table carries a calibration). */
  boolean calibrated;
  /** agent.suspicion_score as stamped (NaN when none). */
  double suspicion = Double.NaN;
  Map<String, Double> cadenceScores = new LinkedHashMap<>();

  Assessment(long setAtMs, String phase1Stage, String cadenceStage) {
    this.labels = new LabelSet(setAtMs);
    this.phase1Stage = phase1Stage;
    this.cadenceStage = cadenceStage;
  }

  void phase1(String key, String value) {
    labels.put(key, value, phase1Stage);
  }

  void cadence(String key, String value) {
    labels.put(key, value, cadenceStage);
  }

  void operator(String type, double conf) {
    operatorType = type;
    confidence = conf;
  }

  /** Stamps the whole-session cadence verdict (label, scores, model). */
  void cadenceVerdict(CadenceVerdict v) {
    cadence(LabelKeys.CADENCE_LABEL, v.label());
    cadenceScores = new LinkedHashMap<>(v.scores());
    if (v.absenceGaps() > 0) {
      cadence(LabelKeys.CADENCE_ABSENCE_GAPS, Integer.toString(v.absenceGaps()));
    }
    if (v.isAgent()) {
      if (v.isModel()) {
        cadence(LabelKeys.SUSPECTED_MODEL, v.label());
      }
      suspicion(v.suspicion());
    }
    if (CadenceVerdict.AMBIGUOUS.equals(v.label())) {
      ambiguousCadence = true;
    }
  }

  /** Stamps agent.suspicion_score. */
  void suspicion(double value) {
    suspicion = value;
    cadence(LabelKeys.SUSPICION_SCORE, LabelSet.decimal(value));
  }

  /** Stamps operator.type and its confidence; called once, last. */
  void finish() {
    phase1(LabelKeys.OPERATOR_TYPE, operatorType);
    phase1(LabelKeys.CONFIDENCE_OPERATOR_TYPE, LabelSet.decimal(confidence));
    if (operatorEvidence != null) {
      phase1(LabelKeys.OPERATOR_EVIDENCE, operatorEvidence);
    }
    if (operatorReason != null && LabelKeys.UNKNOWN.equals(operatorType)) {
      phase1(LabelKeys.OPERATOR_REASON, operatorReason);
    }
  }
}
