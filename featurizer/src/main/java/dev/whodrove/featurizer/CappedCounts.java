package dev.whodrove.featurizer;

import dev.whodrove.schemas.v1.NameCount;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Counts per name for at most a fixed number of names (later names beyond it are not counted); top-N out. */
final class CappedCounts {
  private final int cap;
  private final Map<String, Long> counts = new LinkedHashMap<>();

  CappedCounts(int cap) {
    this.cap = cap;
  }

  void add(String name) {
    Long n = counts.get(name);
    if (n != null) {
      counts.put(name, n + 1);
    } else if (counts.size() < cap) {
      counts.put(name, 1L);
    }
  }

  List<NameCount> top(int n) {
    return counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
        .limit(n).map(e -> NameCount.newBuilder().setName(e.getKey()).setCount(e.getValue()).build()).toList();
  }

  void writeTo(StateWriter w) {
    w.varint(counts.size());
    counts.forEach((k, v) -> w.name(k).varint(v));
  }

  static CappedCounts readFrom(StateReader r, int cap) {
    CappedCounts c = new CappedCounts(cap);
    int n = r.varintInt();
    if (n < 0 || n > cap) {
      throw new IllegalStateException("feature state: " + n + " names over the cap " + cap);
    }
    for (int i = 0; i < n; i++) {
      c.counts.put(r.name(), r.varint());
    }
    return c;
  }
}
