package dev.whodrove.featurizer;

import dev.whodrove.schemas.v1.CadenceFeatures;

/**
 * The notes/10 cadence features of one event sequence, computed as the events stream in: exact counters, max and
 * duration; percentiles from a {@link GapSketch}; local_gap_std from a rolling window of the last ten gaps. Memory is
 * constant in the number of events.
 *
 * <p>It also keeps the activity counters the cadence@v1 classifier table reads (keystroke echo, edit characters,
 * absence gaps; see docs/classifier.md). They are serialized separately ({@link #writeActivityTo}) so formats that
 * never carried them (gcloud bursts, older Teleport state) stay readable; stats restored without them report the
 * fields as not computed.
 */
final class GapStats {
  static final int LOCAL_WINDOW = 10;
  /** Events needed before the features mean anything. */
  static final int MIN_EVENTS = 30;
  /** Keystroke echo: a print of 1–4 bytes whose gap to the previous print is within [30 ms, 1.5 s]. */
  static final long ECHO_MIN_GAP_MS = 30;
  static final long ECHO_MAX_GAP_MS = 1500;
  static final long ECHO_MAX_BYTES = 4;
  /** Mid-session gaps longer than this are the operator being away, not cadence. */
  static final long ABSENCE_GAP_MS = 300_000;

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
  // cadence@v1 activity counters; false when restored from state written before they existed
  private boolean activityKnown = true;
  private long echoes;
  private long editChars;
  private long absenceGaps;
  private long absenceMs;
  private long activeGapMaxMs;

  GapStats() {
    this(new GapSketch());
  }

  private GapStats(GapSketch sketch) {
    this.sketch = sketch;
  }

  void add(long timeMs, long bytes) {
    add(timeMs, bytes, 0);
  }

  /** Adds an event with its size and the edit characters (backspace, ^W, cursor keys) it printed. */
  void add(long timeMs, long bytes, long edits) {
    if (events == 0) {
      firstMs = timeMs;
    } else {
      long gapMs = Math.max(0L, timeMs - lastMs);
      addGap(gapMs);
      if (isEcho(gapMs, bytes)) {
        echoes++;
      }
      if (gapMs > ABSENCE_GAP_MS) {
        absenceGaps++;
        absenceMs += gapMs;
      } else {
        activeGapMaxMs = Math.max(activeGapMaxMs, gapMs);
      }
    }
    lastMs = Math.max(lastMs, timeMs);
    events++;
    totalBytes += bytes;
    editChars += edits;
  }

  /** Whether an event of {@code bytes} printed {@code gapMs} after the previous one looks like a keystroke echo. */
  static boolean isEcho(long gapMs, long bytes) {
    return bytes >= 1 && bytes <= ECHO_MAX_BYTES && gapMs >= ECHO_MIN_GAP_MS && gapMs <= ECHO_MAX_GAP_MS;
  }

  private void addGap(long gapMs) {
    double gap = gapMs / 1000.0;
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
    sketch.addSeconds(gapMs);
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
    // echo and edits mean nothing without bytes (gcloud bursts), and state from before the counters existed
    // cannot tell: leave them unset (= not computed)
    if (activityKnown && !bytesDropped) {
      b.setKeystrokeEchoFrac(events == 0 ? 0.0 : (double) echoes / events)
          .setEditChars(editChars)
          .setAbsenceGapCount(absenceGaps)
          .setAbsenceS(absenceMs / 1000.0)
          .setActiveGapMaxS(activeGapMaxMs / 1000.0);
    }
    return b;
  }

  /** Writes the activity counters (after {@link #writeTo}, in formats that carry them). */
  void writeActivityTo(StateWriter w) {
    w.bool(activityKnown).varint(echoes).varint(editChars).varint(absenceGaps).varint(absenceMs)
        .varint(activeGapMaxMs);
  }

  /** Reads what {@link #writeActivityTo} wrote into stats just read by {@link #readFrom}. */
  void readActivityFrom(StateReader r) {
    activityKnown = r.bool();
    echoes = r.varint();
    editChars = r.varint();
    absenceGaps = r.varint();
    absenceMs = r.varint();
    activeGapMaxMs = r.varint();
  }

  /** Marks stats restored from a format without activity counters: those fields are then reported unset. */
  void activityUnknown() {
    activityKnown = false;
  }

  /** An independent copy, activity counters included. */
  GapStats copy() {
    StateWriter w = new StateWriter();
    writeTo(w);
    writeActivityTo(w);
    StateReader r = new StateReader(w.toByteArray());
    GapStats c = readFrom(r);
    c.readActivityFrom(r);
    return c;
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
