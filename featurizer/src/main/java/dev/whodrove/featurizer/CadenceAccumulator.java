package dev.whodrove.featurizer;

import dev.whodrove.schemas.v1.CadenceFeatures;
import dev.whodrove.schemas.v1.CadenceSegment;
import java.util.List;

/**
 * Cadence features of one session's print events, streamed (docs/architecture.md §4.3, notes/10): a leading gap
 * over 120 s is
 * stripped by dropping the events before it; trailing events after gaps over 120 s are held in a small tail buffer
 * and dropped if the session ends with them, committed as soon as a shorter gap follows. Committed events feed the
 * whole-session {@link GapStats} and the {@link Segmenter}.
 *
 * <p>The cadence@v1 activity fields (keystroke_echo_frac, edit_chars, absence_gap_count, absence_s,
 * active_gap_max_s) are streaming counters over the same committed events, for the session and each segment.
 *
 * <p>Exactness: identical to the reference except that a tail of more than {@value #MAX_TAIL} consecutive gaps over
 * 120 s commits its oldest events (and percentiles are sketch values within 1%).
 */
public final class CadenceAccumulator {
  /** Leading/trailing gaps longer than this are stripped. */
  public static final long EDGE_GAP_MS = 120_000;
  static final int MAX_TAIL = 256;
  /**
   * Version of the serialized state. 1: before the activity counters (read back with those fields reported unset);
   * 2: adds edit characters per held event, the activity counters and the segmenter's echo series.
   */
  static final int FORMAT = 2;

  private final GapStats stats;
  private final Segmenter segmenter;
  private final long[] tailTimes = new long[MAX_TAIL];
  private final long[] tailBytes = new long[MAX_TAIL];
  private final long[] tailEdits = new long[MAX_TAIL];
  private int tailStart;
  private int tailSize;
  private long committedLastMs;
  private double strippedLeadingS;

  public CadenceAccumulator() {
    this(new GapStats(), new Segmenter());
  }

  private CadenceAccumulator(GapStats stats, Segmenter segmenter) {
    this.stats = stats;
    this.segmenter = segmenter;
  }

  /** Adds the next print event: its time (epoch ms, non-decreasing) and size in bytes. */
  public void add(long timeMs, long bytes) {
    add(timeMs, bytes, 0);
  }

  /** Adds the next print event with the edit characters (backspace, ^W, cursor keys) it printed. */
  public void add(long timeMs, long bytes, long editChars) {
    long committed = stats.events();
    if (committed == 0 && tailSize == 0) {
      push(timeMs, bytes, editChars);
      return;
    }
    long lastMs = tailSize > 0 ? tailTimes[idx(tailSize - 1)] : committedLastMs;
    long gap = timeMs - lastMs;
    if (gap > EDGE_GAP_MS) {
      if (committed == 0) {
        // still at the head: the single held event is separated by a long gap, drop it (leading strip)
        strippedLeadingS += gap / 1000.0;
        tailSize = 0;
        tailStart = 0;
        push(timeMs, bytes, editChars);
      } else {
        if (tailSize == MAX_TAIL) {
          commitOldest();
        }
        push(timeMs, bytes, editChars);
      }
      return;
    }
    while (tailSize > 0) {
      commitOldest();
    }
    commit(timeMs, bytes, editChars);
  }

  private int idx(int i) {
    return (tailStart + i) % MAX_TAIL;
  }

  private void push(long timeMs, long bytes, long editChars) {
    int i = idx(tailSize);
    tailTimes[i] = timeMs;
    tailBytes[i] = bytes;
    tailEdits[i] = editChars;
    tailSize++;
  }

  private void commitOldest() {
    int i = tailStart;
    tailStart = (tailStart + 1) % MAX_TAIL;
    tailSize--;
    commit(tailTimes[i], tailBytes[i], tailEdits[i]);
  }

  private void commit(long timeMs, long bytes, long editChars) {
    stats.add(timeMs, bytes, editChars);
    segmenter.add(timeMs, bytes, editChars);
    committedLastMs = timeMs;
  }

  /** Print events counted so far (after stripping, the held tail excluded). */
  public long committedEvents() {
    return stats.events();
  }

  /** Whole-session features as if the session ended now (held tail events stripped). */
  public CadenceFeatures features() {
    CadenceFeatures.Builder b = stats.features(1.0, false).setStrippedLeadingGapS(strippedLeadingS);
    if (stats.events() == 0 && tailSize == 1) {
      b.setNEvents(1); // a lone event: nothing to strip against
    } else if (tailSize > 0) {
      b.setStrippedTrailingGapS((tailTimes[idx(tailSize - 1)] - committedLastMs) / 1000.0);
    }
    return b.build();
  }

  /** Change-point segments as if the session ended now; empty when it did not split. */
  public List<CadenceSegment> segments() {
    return segmenter.segments();
  }

  /** Writes the state in format {@value #FORMAT} (the caller records the version). */
  void writeTo(StateWriter w) {
    stats.writeTo(w);
    stats.writeActivityTo(w);
    segmenter.writeTo(w);
    w.varint(tailSize);
    long last = committedLastMs;
    w.zigzag(committedLastMs);
    for (int i = 0; i < tailSize; i++) {
      w.zigzag(tailTimes[idx(i)] - last).varint(tailBytes[idx(i)]).varint(tailEdits[idx(i)]);
      last = tailTimes[idx(i)];
    }
    w.dbl(strippedLeadingS);
  }

  /** Reads state of format {@code format} (1 or {@value #FORMAT}). */
  static CadenceAccumulator readFrom(StateReader r, int format) {
    if (format != 1 && format != FORMAT) {
      throw new IllegalStateException("unknown cadence state format " + format);
    }
    boolean v1 = format == 1;
    GapStats stats = GapStats.readFrom(r);
    if (v1) {
      stats.activityUnknown();
    } else {
      stats.readActivityFrom(r);
    }
    CadenceAccumulator a = new CadenceAccumulator(stats, Segmenter.readFrom(r, format));
    int n = r.varintInt();
    a.committedLastMs = r.zigzag();
    long last = a.committedLastMs;
    for (int i = 0; i < n; i++) {
      last += r.zigzag();
      a.tailTimes[i] = last;
      a.tailBytes[i] = r.varint();
      a.tailEdits[i] = v1 ? 0 : r.varint();
    }
    a.tailSize = n;
    a.strippedLeadingS = r.dbl();
    return a;
  }

  /** Compact serialized state (current format). */
  public byte[] toBytes() {
    StateWriter w = new StateWriter();
    writeTo(w);
    return w.toByteArray();
  }

  public static CadenceAccumulator fromBytes(byte[] bytes) {
    return readFrom(new StateReader(bytes), FORMAT);
  }
}
