package dev.whodrove.classifier;

import java.util.List;
import java.util.stream.Collectors;

/** A weight added to a profile's score when every condition holds. Negative weights are counter-evidence. */
public record Rule(double weight, List<Condition> when) {

  public Rule {
    if (when.isEmpty()) {
      throw new IllegalArgumentException("a rule needs at least one condition");
    }
    when = List.copyOf(when);
  }

  public static Rule of(double weight, Condition... when) {
    return new Rule(weight, List.of(when));
  }

  public boolean fires(CadenceView view) {
    for (Condition c : when) {
      if (!c.test(view)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return when.stream().map(Condition::toString).collect(Collectors.joining(" AND ")) + " -> "
        + (weight >= 0 ? "+" : "") + weight;
  }
}
