package dev.whodrove.testkit;

import java.util.Map;
import java.util.TreeMap;

/**
 * How often each kind of case came up over a property's tries, so a property can check that its inputs reached the
 * cases it is about: a property whose inputs all fail the first syntax check would pass and test nothing.
 */
public final class Tally {
  private final Map<String, Integer> counts = new TreeMap<>();
  private int tries;

  /** Counts one case of {@code kind}. */
  public void add(String kind) {
    counts.merge(kind, 1, Integer::sum);
  }

  public int count(String kind) {
    return counts.getOrDefault(kind, 0);
  }

  /** The tries that passed. */
  public int tries() {
    return tries;
  }

  void tried() {
    tries++;
  }

  /** Fails unless {@code kind} came up in at least {@code share} (0 to 1) of the tries. */
  public void atLeast(String kind, double share) {
    if (count(kind) == 0 || count(kind) < share * tries) {
      throw new AssertionError(String.format("%s in %d of %d tries, expected at least %.0f%%; all cases: %s", kind,
          count(kind), tries, share * 100, counts));
    }
  }

  /** Fails unless at least {@code n} different kinds whose names start with {@code prefix} came up. */
  public void kinds(String prefix, int n) {
    long seen = counts.keySet().stream().filter(k -> k.startsWith(prefix)).count();
    if (seen < n) {
      throw new AssertionError(String.format("%d kinds of case '%s…', expected at least %d; all cases: %s", seen,
          prefix, n, counts));
    }
  }

  @Override
  public String toString() {
    return tries + " tries: " + counts;
  }
}
