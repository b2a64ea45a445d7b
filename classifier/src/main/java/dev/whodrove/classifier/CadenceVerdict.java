package dev.whodrove.classifier;

import java.util.Map;

/**
 * The outcome of scoring one stretch of cadence.
 *
 * @param label a profile name, {@code ambiguous}, {@code insufficient_data} or {@code polling}
 * @param kind the winning profile's kind, or {@code null} when no profile won
 * @param confidence the top score ({@code 0} for insufficient data and polling)
 * @param scores every profile's score in table order (empty for insufficient data)
 * @param absenceGaps mid-session gaps the table treated as absence
 */
public record CadenceVerdict(String label, Profile.Kind kind, double confidence, Map<String, Double> scores,
    int absenceGaps) {
  public static final String AMBIGUOUS = "ambiguous";
  public static final String INSUFFICIENT_DATA = "insufficient_data";
  public static final String POLLING = "polling";

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
