package dev.whodrove.classifier;

import java.util.Map;

/**
 * The outcome of scoring one stretch of cadence.
 *
 * @param label a profile name, {@code ambiguous}, {@code insufficient_data} or {@code polling}
 * @param kind the winning profile's kind, or {@code null} when no profile won
 * @param confidence the top score ({@code 0} for insufficient data and polling), calibrated when the table is
 * @param scores every profile's score in table order (empty for insufficient data)
 * @param absenceGaps mid-session gaps the table treated as absence
 * @param suspicion for agent calls, the (calibrated) probability that the agent call is right; else as confidence
 */
public record CadenceVerdict(String label, Profile.Kind kind, double confidence, Map<String, Double> scores,
    int absenceGaps, double suspicion) {
  public static final String AMBIGUOUS = "ambiguous";
  public static final String INSUFFICIENT_DATA = "insufficient_data";
  public static final String POLLING = "polling";

  /** A verdict whose suspicion is its confidence (uncalibrated tables). */
  public CadenceVerdict(String label, Profile.Kind kind, double confidence, Map<String, Double> scores,
      int absenceGaps) {
    this(label, kind, confidence, scores, absenceGaps, confidence);
  }

  public static CadenceVerdict insufficientData() {
    return new CadenceVerdict(INSUFFICIENT_DATA, null, 0.0, Map.of(), 0);
  }

  public static CadenceVerdict polling(Map<String, Double> scores) {
    return new CadenceVerdict(POLLING, null, 0.0, scores, 0);
  }

  public boolean isAgent() {
    return kind == Profile.Kind.MODEL || kind == Profile.Kind.AGENT;
  }

  public boolean isHuman() {
    return kind == Profile.Kind.HUMAN;
  }

  public boolean isModel() {
    return kind == Profile.Kind.MODEL;
  }
}
