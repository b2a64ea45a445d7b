package dev.whodrove.featurizer;

import dev.whodrove.schemas.v1.CadenceFeatures;

/**
 * The notes/10 cadence features of one event sequence, computed as the events stream in: exact counters, max and
 * duration; percentiles from a {@link GapSketch}; local_gap_std from a rolling window of the last ten gaps. Memory is
 * constant in the number of events.
 */
final class GapStats {
  static final int LOCAL_WINDOW = 10;
  /** Events needed before the features mean anything. */
  static final int MIN_EVENTS = 30;

  private long events;
  private long firstMs;
  private long lastMs;
  private long totalBytes;
  private long gapCount;
  private double gapMax;
  private long pauses1;
  private long pauses5;
  private long pauses30;
  private long bursts;
  private GapSketch sketch;
  private final double[] ring = new double[LOCAL_WINDOW];
  private int ringSize;
  private int ringPos;
  private double localStdSum;
  private long localWindows;

  GapStats() {
    this(new GapSketch());
  }

  private GapStats(GapSketch sketch) {
    this.sketch = sketch;
  }

  void add(long timeMs, long bytes) {
    if (events == 0) {
      firstMs = timeMs;
    } else {
      double gap = Math.max(0L, timeMs - lastMs) / 1000.0;
      addGap(gap);
    }
    lastMs = Math.max(lastMs, timeMs);
    events++;
    totalBytes += bytes;
  }

  private void addGap(double gap) {
    gapCount++;
    gapMax = Math.max(gapMax, gap);
    if (gap > 1) {
      pauses1++;
    }
    if (gap > 5) {
      pauses5++;
    }
    if (gap > 30) {
      pauses30++;
    }
    if (gap < 0.2) {
      bursts++;
    }
    sketch.add(gap);
    // The reference averages windows gaps[i:i+10] for i < len(gaps) - 10: a full window counts once a gap follows it.
    if (ringSize == LOCAL_WINDOW) {
      localStdSum += std(ring, ringSize);
      localWindows++;
    }
    ring[ringPos] = gap;
    ringPos = (ringPos + 1) % LOCAL_WINDOW;
    ringSize = Math.min(LOCAL_WINDOW, ringSize + 1);
  }

  private static double std(double[] values, int n) {
    if (n == 0) {
      return 0.0;
    }
    double mean = 0;
    for (int i = 0; i < n; i++) {
      mean += values[i];
    }
    mean /= n;
    double ss = 0;
    for (int i = 0; i < n; i++) {
      double d = values[i] - mean;
      ss += d * d;
    }
    return Math.sqrt(ss / n);
  }

  long events() {
    return events;
  }

  long firstMs() {
    return firstMs;
  }

  long lastMs() {
    return lastMs;
  }

  double durationS() {
    return events == 0 ? 0.0 : (lastMs - firstMs) / 1000.0;
  }

  double localGapStd() {
    return localWindows > 0 ? localStdSum / localWindows : std(ring, ringSize);
  }

  /**
   * The features; {@code gapScale} multiplies the gap percentiles and maximum and divides events/s (1 for
   * recordings, 1/8 for gcloud bursts).
   */
  CadenceFeatures.Builder features(double gapScale, boolean bytesDropped) {
    double duration = durationS();
    CadenceFeatures.Builder b = CadenceFeatures.newBuilder()
        .setInsufficientData(events < MIN_EVENTS)
        .setDurationS(duration)
        .setNEvents(events)
        .setTotalBytes(bytesDropped ? 0 : totalBytes)
        .setEventsPerSec(events == 0 ? 0.0 : events / Math.max(1e-9, duration) / gapScale)
        .setGapP50S(sketch.quantile(0.50) * gapScale)
        .setGapP90S(sketch.quantile(0.90) * gapScale)
        .setGapP99S(sketch.quantile(0.99) * gapScale)
        .setGapMaxS(gapMax * gapScale)
        .setPausesGt1S(pauses1)
        .setPausesGt5S(pauses5)
        .setPausesGt30S(pauses30)
        .setBurstFrac(gapCount == 0 ? 0.0 : (double) bursts / gapCount)
        .setThinkFrac(gapCount == 0 ? 0.0 : (double) pauses5 / gapCount)
        .setLocalGapStd(localGapStd())
        .setGapScale(gapScale)
        .setBytesDropped(bytesDropped);
    return b;
  }

  void writeTo(StateWriter w) {
    w.varint(events).zigzag(firstMs).zigzag(lastMs).varint(totalBytes).varint(gapCount).dbl(gapMax)
        .varint(pauses1).varint(pauses5).varint(pauses30).varint(bursts);
    w.bytes(sketch.encode());
    w.varint(ringSize).varint(ringPos);
    for (int i = 0; i < ringSize; i++) {
      w.dbl(ring[i]);
    }
    w.dbl(localStdSum).varint(localWindows);
  }

  static GapStats readFrom(StateReader r) {
    long events = r.varint();
    long firstMs = r.zigzag();
    long lastMs = r.zigzag();
    long totalBytes = r.varint();
    long gapCount = r.varint();
    double gapMax = r.dbl();
    long pauses1 = r.varint();
    long pauses5 = r.varint();
    long pauses30 = r.varint();
    long bursts = r.varint();
    GapStats s = new GapStats(GapSketch.decode(r.bytes()));
    s.events = events;
    s.firstMs = firstMs;
    s.lastMs = lastMs;
    s.totalBytes = totalBytes;
    s.gapCount = gapCount;
    s.gapMax = gapMax;
    s.pauses1 = pauses1;
    s.pauses5 = pauses5;
    s.pauses30 = pauses30;
    s.bursts = bursts;
    s.ringSize = r.varintInt();
    s.ringPos = r.varintInt();
    for (int i = 0; i < s.ringSize; i++) {
      s.ring[i] = r.dbl();
    }
    s.localStdSum = r.dbl();
    s.localWindows = r.varint();
    return s;
  }
}
