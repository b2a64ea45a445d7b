package dev.whodrove.classifier;

import java.util.List;

/**
 * Maps a table's raw scores to probabilities measured on evaluation sets: {@code operator} turns the winning
 * profile's score into the probability that {@code operator.type} is right, {@code suspicion} turns an agent
 * profile's score into the probability that the agent call (the named model, or "an unprofiled agent") is right.
 * Each map is monotone and piecewise linear through its points (score, probability), flat outside them. An empty
 * map is the identity: tables without a calibration stamp their raw scores.
 */
public record CadenceCalibration(List<Point> operator, List<Point> suspicion) {
  /** No calibration: raw scores are stamped. */
  public static final CadenceCalibration NONE = new CadenceCalibration(List.of(), List.of());

  /** One point of a map. */
  public record Point(double score, double probability) {}

  public CadenceCalibration {
    operator = List.copyOf(operator);
    suspicion = List.copyOf(suspicion);
  }

  public boolean isNone() {
    return operator.isEmpty() && suspicion.isEmpty();
  }

  public double operator(double raw) {
    return apply(operator, raw);
  }

  public double suspicion(double raw) {
    return apply(suspicion, raw);
  }

  static double apply(List<Point> map, double raw) {
    if (map.isEmpty()) {
      return raw;
    }
    if (raw <= map.get(0).score()) {
      return map.get(0).probability();
    }
    for (int i = 1; i < map.size(); i++) {
      Point a = map.get(i - 1);
      Point b = map.get(i);
      if (raw <= b.score()) {
        double t = (raw - a.score()) / (b.score() - a.score());
        return a.probability() + t * (b.probability() - a.probability());
      }
    }
    return map.get(map.size() - 1).probability();
  }

  /** Checks a map: scores strictly increasing in [0, 1], probabilities non-decreasing in [0, 1]. */
  static void validate(List<Point> map, String where) {
    for (int i = 0; i < map.size(); i++) {
      Point p = map.get(i);
      if (!(p.score() >= 0 && p.score() <= 1 && p.probability() >= 0 && p.probability() <= 1)) {
        throw new IllegalArgumentException(where + "[" + i + "]: score and probability must be in [0, 1]");
      }
      if (i > 0 && !(p.score() > map.get(i - 1).score() && p.probability() >= map.get(i - 1).probability())) {
        throw new IllegalArgumentException(where + "[" + i + "]: scores must increase and probabilities must not "
            + "decrease");
      }
    }
  }
}
