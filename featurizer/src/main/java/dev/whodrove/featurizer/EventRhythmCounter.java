package dev.whodrove.featurizer;

import dev.whodrove.schemas.v1.EventRhythm;

/**
 * Bursts and the gaps between them, streamed: events less than {@value #BURST_GAP_MS} ms apart form one burst, and
 * every gap between bursts is binned at 2, 10, 40 and 120 s (the bins of gcloud invocations) with its sum, sum of
 * squares and maximum. Constant state.
 */
final class EventRhythmCounter {
  static final long BURST_GAP_MS = 1000;
  static final long[] GAP_BINS_MS = {2_000, 10_000, 40_000, 120_000};

  private long events;
  private long bursts;
  private long firstMs = -1;
  private long lastMs = -1;
  private final long[] bins = new long[GAP_BINS_MS.length + 1];
  private double sumS;
  private double sumSqS;
  private double maxS;

  void add(long timeMs) {
    events++;
    if (firstMs < 0) {
      firstMs = timeMs;
      lastMs = timeMs;
      bursts = 1;
      return;
    }
    long gap = Math.max(0, timeMs - lastMs); // events out of order by a little count as no gap
    if (gap >= BURST_GAP_MS) {
      bursts++;
      int bin = 0;
      while (bin < GAP_BINS_MS.length && gap >= GAP_BINS_MS[bin]) {
        bin++;
      }
      bins[bin]++;
      double s = gap / 1000.0;
      sumS += s;
      sumSqS += s * s;
      maxS = Math.max(maxS, s);
    }
    firstMs = Math.min(firstMs, timeMs);
    lastMs = Math.max(lastMs, timeMs);
  }

  long events() {
    return events;
  }

  EventRhythm features() {
    EventRhythm.Builder b = EventRhythm.newBuilder().setEvents(events).setBursts(bursts)
        .setGapsLt2S(bins[0]).setGaps210S(bins[1]).setGaps1040S(bins[2]).setGaps40120S(bins[3])
        .setGapsGe120S(bins[4]).setGapMaxS(maxS);
    if (lastMs > firstMs) {
      b.setSpanS((lastMs - firstMs) / 1000.0);
    }
    long gaps = bursts - 1;
    if (gaps > 0) {
      double mean = sumS / gaps;
      double var = Math.max(0, sumSqS / gaps - mean * mean);
      b.setGapMeanS(mean).setGapCv(mean > 0 ? Math.sqrt(var) / mean : 0);
    }
    return b.build();
  }

  void writeTo(StateWriter w) {
    w.varint(events).varint(bursts).zigzag(firstMs).zigzag(lastMs);
    for (long x : bins) {
      w.varint(x);
    }
    w.dbl(sumS).dbl(sumSqS).dbl(maxS);
  }

  static EventRhythmCounter readFrom(StateReader r) {
    EventRhythmCounter c = new EventRhythmCounter();
    c.events = r.varint();
    c.bursts = r.varint();
    c.firstMs = r.zigzag();
    c.lastMs = r.zigzag();
    for (int i = 0; i < c.bins.length; i++) {
      c.bins[i] = r.varint();
    }
    c.sumS = r.dbl();
    c.sumSqS = r.dbl();
    c.maxS = r.dbl();
    return c;
  }
}
