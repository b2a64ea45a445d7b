package dev.whodrove.correlator;

/**
 * The joint score of a pair and its tier (docs/classifier.md, "Correlation scoring"). Each side brings its agent
 * evidence: its {@code confidence.operator-type} when the classifier called it an agent, else 0 — a person or an
 * undecided session is no evidence that an agent drove both. The mean of the two, plus a bonus when both name the same
 * model, is scaled by how much of the shorter interval the other one covers: half the score for a pair that only
 * touches within the tolerance, all of it when one interval lies inside the other.
 */
public final class JointScore {
  /** Added when both sides name the same model. */
  public static final double MODEL_AGREEMENT_BONUS = 0.10;
  /** At or above this, with both sides agents, a pair is high. */
  public static final double HIGH = 0.75;
  /** At or above this a pair is medium (low below). */
  public static final double MEDIUM = 0.55;

  public static final String TIER_HIGH = "high";
  public static final String TIER_MEDIUM = "medium";
  public static final String TIER_LOW = "low";

  private JointScore() {}

  /** Agent evidence of one side. */
  static double evidence(String operator, double confidence) {
    return SessionSide.AGENT.equals(operator) ? confidence : 0;
  }

  /**
   * @param overlapFraction overlap divided by the shorter interval, in [0, 1]
   * @return the joint score in [0, 1], rounded to three decimals
   */
  public static double score(double teleportEvidence, double gcpEvidence, boolean modelAgreement,
      double overlapFraction) {
    double base = (teleportEvidence + gcpEvidence) / 2 + (modelAgreement ? MODEL_AGREEMENT_BONUS : 0);
    double scaled = base * (0.5 + 0.5 * Math.min(1, Math.max(0, overlapFraction)));
    return round3(Math.min(1, scaled));
  }

  /** high only when both sides are agents: a person active in both places is never high. */
  public static String tier(double score, boolean bothAgents) {
    if (score >= HIGH && bothAgents) {
      return TIER_HIGH;
    }
    return score >= MEDIUM ? TIER_MEDIUM : TIER_LOW;
  }

  /** high 2, medium 1, low 0: for ordering a session's correlations best first. */
  static int rank(String tier) {
    return switch (tier) {
      case TIER_HIGH -> 2;
      case TIER_MEDIUM -> 1;
      default -> 0;
    };
  }

  static double round3(double d) {
    return Math.round(d * 1000) / 1000.0;
  }
}
