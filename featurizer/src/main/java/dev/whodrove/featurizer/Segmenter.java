package dev.whodrove.featurizer;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.whodrove.schemas.v1.CadenceSegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Streaming change-point segmentation (DESIGN §4): events/s over consecutive 30-event windows, a CUSUM-style split
 * search over the recent windows, and a break when the shift of mean rate between the two sides exceeds 1.5× their
 * pooled standard deviation. Each segment gets its own cadence block.
 *
 * <p>State is bounded: the undecided recent windows sit in a buffer of {@value #BUFFER_WINDOWS} windows; older
 * windows are committed to the current segment and kept only as running mean/variance. At most
 * {@value #MAX_SEGMENTS} segments are made; later shifts stay in the last one.
 */
public final class Segmenter {
  public static final int WINDOW_EVENTS = 30;
  /** Shift threshold in pooled standard deviations. */
  public static final double THRESHOLD = 1.5;
  /** Windows each side of a break must have, so every segment has enough events to be scored. */
  static final int MIN_SIDE_WINDOWS = 4;
  static final int CONFIRM_WINDOWS = 2 * MIN_SIDE_WINDOWS;
  static final int BUFFER_WINDOWS = 16;
  static final int MAX_SEGMENTS = 16;
  /** Floor on the pooled std as a share of the mean rate, so near-constant synthetic cadence does not split. */
  static final double MIN_RELATIVE_STD = 0.1;

  private static final int CAPACITY = (BUFFER_WINDOWS + 1) * WINDOW_EVENTS;

  private final long[] times = new long[CAPACITY];
  private final long[] sizes = new long[CAPACITY];
  private int buffered;
  /** Time of the event just before the buffer (0 and hasPrev=false at session start). */
  private long prevTime;
  private boolean hasPrev;

  private GapStats current;
  // running statistics of the window rates already committed to the current segment
  private long committedWindows;
  private double committedMean;
  private double committedM2;

  private final List<CadenceSegment> closed = new ArrayList<>();

  public Segmenter() {
    this(new GapStats());
  }

  private Segmenter(GapStats current) {
    this.current = current;
  }

  /** Adds the next event (time order). */
  public void add(long timeMs, long bytes) {
    if (buffered == CAPACITY) {
      commitWindows(1);
    }
    times[buffered] = timeMs;
    sizes[buffered] = bytes;
    buffered++;
    if (buffered % WINDOW_EVENTS == 0 && closed.size() < MAX_SEGMENTS - 1) {
      detect();
    }
  }

  private int fullWindows() {
    return buffered / WINDOW_EVENTS;
  }

  private double rate(int w) {
    int from = w * WINDOW_EVENTS;
    int to = from + WINDOW_EVENTS - 1;
    long start = from == 0 ? (hasPrev ? prevTime : times[0]) : times[from - 1];
    int gaps = from == 0 && !hasPrev ? WINDOW_EVENTS - 1 : WINDOW_EVENTS;
    double seconds = Math.max(0.001, (times[to] - start) / 1000.0);
    return gaps / seconds;
  }

  private void detect() {
    int m = fullWindows();
    double[] r = new double[m];
    for (int i = 0; i < m; i++) {
      r[i] = rate(i);
    }
    // prefix sums over the buffer for O(m) evaluation of every split point
    double[] sum = new double[m + 1];
    double[] sq = new double[m + 1];
    for (int i = 0; i < m; i++) {
      sum[i + 1] = sum[i] + r[i];
      sq[i + 1] = sq[i] + r[i] * r[i];
    }
    double best = THRESHOLD;
    int bestK = -1;
    for (int k = 0; k <= m - MIN_SIDE_WINDOWS; k++) {
      long nL = committedWindows + k;
      int nR = m - k;
      if (nL < MIN_SIDE_WINDOWS) {
        continue;
      }
      // left side = committed windows (running stats) + buffer windows [0, k)
      double sumL = committedMean * committedWindows + sum[k];
      double meanL = sumL / nL;
      double ssL = committedM2 + committedWindows * (committedMean - meanL) * (committedMean - meanL)
          + (sq[k] - 2 * meanL * sum[k] + k * meanL * meanL);
      double meanR = (sum[m] - sum[k]) / nR;
      double sumRight = sum[m] - sum[k];
      double ssR = (sq[m] - sq[k]) - 2 * meanR * sumRight + nR * meanR * meanR;
      double pooled = Math.sqrt(Math.max(0.0, ssL + ssR) / Math.max(1, nL + nR - 2));
      pooled = Math.max(pooled, MIN_RELATIVE_STD * Math.max(meanL, meanR));
      double shift = Math.abs(meanL - meanR) / pooled;
      if (shift > best) {
        best = shift;
        bestK = k;
      }
    }
    // act only once the right side is twice the minimum: the best split point is stable by then, not a window early
    if (bestK >= 0 && m - bestK >= CONFIRM_WINDOWS) {
      commitWindows(bestK);
      closeSegment();
    }
  }

  /** Moves the oldest {@code n} windows of the buffer into the current segment. */
  private void commitWindows(int n) {
    for (int w = 0; w < n; w++) {
      double x = rate(0);
      committedWindows++;
      double d = x - committedMean;
      committedMean += d / committedWindows;
      committedM2 += d * (x - committedMean);
      for (int i = 0; i < WINDOW_EVENTS; i++) {
        current.add(times[i], sizes[i]);
      }
      prevTime = times[WINDOW_EVENTS - 1];
      hasPrev = true;
      System.arraycopy(times, WINDOW_EVENTS, times, 0, buffered - WINDOW_EVENTS);
      System.arraycopy(sizes, WINDOW_EVENTS, sizes, 0, buffered - WINDOW_EVENTS);
      buffered -= WINDOW_EVENTS;
    }
  }

  private void closeSegment() {
    if (current.events() > 0) {
      closed.add(segment(closed.size(), current));
    }
    current = new GapStats();
    committedWindows = 0;
    committedMean = 0;
    committedM2 = 0;
  }

  private static CadenceSegment segment(int index, GapStats s) {
    return CadenceSegment.newBuilder().setIndex(index).setStartMs(s.firstMs()).setEndMs(s.lastMs())
        .setCadence(s.features(1.0, false)).build();
  }

  /**
   * The segments so far plus the open one, as if the session ended now; empty when the session did not split.
   * Does not change the state.
   */
  public List<CadenceSegment> segments() {
    if (closed.isEmpty()) {
      return List.of();
    }
    GapStats tail = GapStats.readFrom(new StateReader(encodeStats(current)));
    for (int i = 0; i < buffered; i++) {
      tail.add(times[i], sizes[i]);
    }
    List<CadenceSegment> out = new ArrayList<>(closed);
    if (tail.events() > 0) {
      out.add(segment(closed.size(), tail));
    }
    return out;
  }

  private static byte[] encodeStats(GapStats s) {
    StateWriter w = new StateWriter();
    s.writeTo(w);
    return w.toByteArray();
  }

  void writeTo(StateWriter w) {
    w.varint(buffered).zigzag(prevTime).bool(hasPrev);
    long last = prevTime;
    for (int i = 0; i < buffered; i++) {
      w.zigzag(times[i] - last).varint(sizes[i]);
      last = times[i];
    }
    current.writeTo(w);
    w.varint(committedWindows).dbl(committedMean).dbl(committedM2);
    w.varint(closed.size());
    for (CadenceSegment s : closed) {
      w.bytes(s.toByteArray());
    }
  }

  static Segmenter readFrom(StateReader r) {
    int buffered = r.varintInt();
    long prevTime = r.zigzag();
    boolean hasPrev = r.bool();
    long[] times = new long[buffered];
    long[] sizes = new long[buffered];
    long last = prevTime;
    for (int i = 0; i < buffered; i++) {
      last += r.zigzag();
      times[i] = last;
      sizes[i] = r.varint();
    }
    Segmenter s = new Segmenter(GapStats.readFrom(r));
    s.buffered = buffered;
    s.prevTime = prevTime;
    s.hasPrev = hasPrev;
    System.arraycopy(times, 0, s.times, 0, buffered);
    System.arraycopy(sizes, 0, s.sizes, 0, buffered);
    s.committedWindows = r.varint();
    s.committedMean = r.dbl();
    s.committedM2 = r.dbl();
    int n = r.varintInt();
    for (int i = 0; i < n; i++) {
      try {
        s.closed.add(CadenceSegment.parseFrom(r.bytes()));
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("corrupt segment in feature state", e);
      }
    }
    return s;
  }
}
