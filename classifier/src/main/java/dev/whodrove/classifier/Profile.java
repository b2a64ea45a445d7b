package dev.whodrove.classifier;

import java.util.List;

/**
 * A cadence fingerprint: a named list of weighted rules. The score starts at 0, adds the weight of every rule that
 * fires in table order, and is clamped to [0, 1] (notes/10's {@code min(1.0, s)}; the lower clamp only matters for
 * counter-evidence rules).
 */
public record Profile(String name, Kind kind, List<Rule> rules) {

  /** What a winning profile says about the operator. */
  public enum Kind {
    /** A profiled model: operator.type=agent and agent.suspected_model=name. */
    MODEL,
    /** An agent whose cadence matches no profiled model: operator.type=agent, no model name. */
    AGENT,
    /** A person at the keyboard. */
    HUMAN
  }

  public Profile {
    rules = List.copyOf(rules);
  }

  public static Profile of(String name, Kind kind, Rule... rules) {
    return new Profile(name, kind, List.of(rules));
  }

  public double score(CadenceView view) {
    double s = 0.0;
    for (Rule r : rules) {
      if (r.fires(view)) {
        s += r.weight();
      }
    }
    return Math.max(0.0, Math.min(1.0, s));
  }
}
