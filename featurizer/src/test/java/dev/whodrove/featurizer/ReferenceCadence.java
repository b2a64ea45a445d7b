package dev.whodrove.featurizer;

import java.util.Arrays;

/** The notes/10 reference computation, exact (sorted arrays, numpy-style percentiles), for comparison in tests. */
final class ReferenceCadence {
  double duration;
  int nEvents;
  double eventsPerSec;
  double[] sortedGaps;
  double gapMax;
  int p1;
  int p5;
  int p30;
  double burstFrac;
  double thinkFrac;
  double localGapStd;

  static ReferenceCadence of(long[] timesMs) {
    // strip leading, then trailing, gaps over 120 s
    int from = 0;
    int to = timesMs.length; // exclusive
    while (to - from >= 2 && timesMs[from + 1] - timesMs[from] > 120_000) {
      from++;
    }
    while (to - from >= 2 && timesMs[to - 1] - timesMs[to - 2] > 120_000) {
      to--;
    }
    double[] t = new double[to - from];
    for (int i = from; i < to; i++) {
      t[i - from] = (timesMs[i] - timesMs[from]) / 1000.0;
    }
    ReferenceCadence r = new ReferenceCadence();
    r.nEvents = t.length;
    r.duration = t[t.length - 1] - t[0];
    r.eventsPerSec = t.length / Math.max(1e-9, r.duration);
    double[] gaps = new double[t.length - 1];
    for (int i = 1; i < t.length; i++) {
      gaps[i - 1] = Math.max(0, (timesMs[from + i] - timesMs[from + i - 1]) / 1000.0);
    }
    for (double g : gaps) {
      r.gapMax = Math.max(r.gapMax, g);
      r.p1 += g > 1 ? 1 : 0;
      r.p5 += g > 5 ? 1 : 0;
      r.p30 += g > 30 ? 1 : 0;
      r.burstFrac += g < 0.2 ? 1 : 0;
    }
    r.burstFrac /= gaps.length;
    r.thinkFrac = (double) r.p5 / gaps.length;
    int windows = Math.max(1, gaps.length - 10);
    double sum = 0;
    for (int i = 0; i < windows; i++) {
      sum += std(Arrays.copyOfRange(gaps, i, Math.min(gaps.length, i + 10)));
    }
    r.localGapStd = sum / windows;
    r.sortedGaps = gaps.clone();
    Arrays.sort(r.sortedGaps);
    return r;
  }

  private static double std(double[] v) {
    double m = Arrays.stream(v).average().orElse(0);
    return Math.sqrt(Arrays.stream(v).map(x -> (x - m) * (x - m)).sum() / v.length);
  }

  /** numpy linear-interpolation percentile. */
  double percentile(double p) {
    double pos = (sortedGaps.length - 1) * p / 100.0;
    int lo = (int) Math.floor(pos);
    int hi = (int) Math.ceil(pos);
    return sortedGaps[lo] + (sortedGaps[hi] - sortedGaps[lo]) * (pos - lo);
  }

  /** The exact values the percentile lies between (the sketch answers with one of the ranks, within 1%). */
  double[] percentileBracket(double p) {
    double pos = (sortedGaps.length - 1) * p / 100.0;
    return new double[] {sortedGaps[(int) Math.floor(pos)], sortedGaps[(int) Math.ceil(pos)]};
  }
}
