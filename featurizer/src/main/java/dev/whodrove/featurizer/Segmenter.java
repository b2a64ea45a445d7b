package dev.whodrove.featurizer;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.whodrove.schemas.v1.CadenceSegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Streaming change-point segmentation (docs/architecture.md §4.3): two statistics per consecutive 30-event window —
 * events/s, and
 * the share of the window's events that look like keystroke echo (1–4 bytes, 30 ms–1.5 s after the previous print,
 * see {@link GapStats#isEcho}) — each run through the same CUSUM-style split search over the recent windows. A break
 * is taken where either series shifts by more than 1.5× its pooled standard deviation. Events/s alone misses the
 * usual hand-off: a person typing and an agent emitting bursts between model turns often run at the same rate, but
 * the person's output is mostly one-key echoes and the agent's never is. Each segment gets its own cadence block.
 *
 * <p>State is bounded: the undecided recent windows sit in a buffer of {@value #BUFFER_WINDOWS} windows; older
 * windows are committed to the current segment and kept only as running mean/variance per series. At most
 * {@value #MAX_SEGMENTS} segments are made; later shifts stay in the last one.
 */
public final class Segmenter {
  public static final int WINDOW_EVENTS = 30;
  /** Shift threshold in pooled standard deviations. */
  public static final double THRESHOLD = 1.5;
  /** Windows each side of a break must have, so every segment has enough events to be scored. */
  static final int MIN_SIDE_WINDOWS = 4;
  /**
   * Windows each side of a break found on events/s alone. Window rates are heavy-tailed (one window without a pause
   * runs several times faster), so the best of many short-sided splits often clears 1.5 pooled std by chance; eight
   * windows a side keeps single-driver sessions whole. The echo share is well behaved and uses the minimum.
   */
  static final int RATE_MIN_SIDE_WINDOWS = 8;
  /** Windows right of a break before it is taken while the session runs (at the end, {@link #MIN_SIDE_WINDOWS}). */
  static final int CONFIRM_WINDOWS = 2 * MIN_SIDE_WINDOWS;
  static final int BUFFER_WINDOWS = 16;
  /** How far (in windows) an echo-share break may move from its window boundary to the event where echo stops. */
  static final int REFINE_WINDOWS = 2;
  static final int MAX_SEGMENTS = 16;
  /** Floor on the pooled std of events/s as a share of the mean rate, so near-constant synthetic cadence does not split. */
  static final double MIN_RELATIVE_STD = 0.1;
  /** Floor on the pooled std of the echo share (absolute), so sessions with (almost) no echo do not split on noise. */
  static final double MIN_ECHO_STD = 0.1;

  private static final int CAPACITY = (BUFFER_WINDOWS + 1) * WINDOW_EVENTS;

  private final long[] times = new long[CAPACITY];
  private final long[] sizes = new long[CAPACITY];
  private final long[] edits = new long[CAPACITY];
  private int buffered;
  /** Time of the event just before the buffer (0 and hasPrev=false at session start). */
  private long prevTime;
  private boolean hasPrev;

  private GapStats current;
  // running statistics of the window values already committed to the current segment
  private final Running rate = new Running();
  private final Running echo = new Running();

  private final List<CadenceSegment> closed = new ArrayList<>();

  public Segmenter() {
    this(new GapStats());
  }

  private Segmenter(GapStats current) {
    this.current = current;
  }

  /** Count, mean and sum of squared deviations of one series' committed windows (Welford). */
  private static final class Running {
    long n;
    double mean;
    double m2;

    void add(double x) {
      n++;
      double d = x - mean;
      mean += d / n;
      m2 += d * (x - mean);
    }

    void reset() {
      n = 0;
      mean = 0;
      m2 = 0;
    }
  }

  /** Adds the next event (time order). */
  public void add(long timeMs, long bytes) {
    add(timeMs, bytes, 0);
  }

  /** Adds the next event (time order) with the edit characters it printed. */
  public void add(long timeMs, long bytes, long editChars) {
    if (buffered == CAPACITY) {
      commitWindows(1);
    }
    times[buffered] = timeMs;
    sizes[buffered] = bytes;
    edits[buffered] = editChars;
    buffered++;
    if (buffered % WINDOW_EVENTS == 0 && closed.size() < MAX_SEGMENTS - 1) {
      detect(CONFIRM_WINDOWS);
    }
  }

  private int fullWindows() {
    return buffered / WINDOW_EVENTS;
  }

  private long timeBefore(int i) {
    return i == 0 ? prevTime : times[i - 1];
  }

  private boolean hasBefore(int i) {
    return i > 0 || hasPrev;
  }

  private double rate(int w) {
    int from = w * WINDOW_EVENTS;
    int to = from + WINDOW_EVENTS - 1;
    long start = hasBefore(from) ? timeBefore(from) : times[0];
    int gaps = hasBefore(from) ? WINDOW_EVENTS : WINDOW_EVENTS - 1;
    double seconds = Math.max(0.001, (times[to] - start) / 1000.0);
    return gaps / seconds;
  }

  /** Share of the window's events that look like keystroke echo. */
  private double echoShare(int w) {
    int from = w * WINDOW_EVENTS;
    int n = 0;
    for (int i = from; i < from + WINDOW_EVENTS; i++) {
      n += echoAt(i);
    }
    return (double) n / WINDOW_EVENTS;
  }

  /**
   * Best split point of one series over the buffer windows: index k (left = committed + [0, k)) and its shift in
   * pooled standard deviations, in {@code out}; k = -1 when no split beats {@link #THRESHOLD}.
   */
  private static void bestSplit(double[] r, Running c, boolean isRate, double[] out) {
    int m = r.length;
    // prefix sums over the buffer for O(m) evaluation of every split point
    double[] sum = new double[m + 1];
    double[] sq = new double[m + 1];
    for (int i = 0; i < m; i++) {
      sum[i + 1] = sum[i] + r[i];
      sq[i + 1] = sq[i] + r[i] * r[i];
    }
    double best = THRESHOLD;
    int bestK = -1;
    int minSide = isRate ? RATE_MIN_SIDE_WINDOWS : MIN_SIDE_WINDOWS;
    for (int k = 0; k <= m - minSide; k++) {
      long nL = c.n + k;
      int nR = m - k;
      if (nL < minSide) {
        continue;
      }
      double sumL = c.mean * c.n + sum[k];
      double meanL = sumL / nL;
      double ssL = c.m2 + c.n * (c.mean - meanL) * (c.mean - meanL)
          + (sq[k] - 2 * meanL * sum[k] + k * meanL * meanL);
      double sumRight = sum[m] - sum[k];
      double meanR = sumRight / nR;
      double ssR = (sq[m] - sq[k]) - 2 * meanR * sumRight + nR * meanR * meanR;
      double pooled = Math.sqrt(Math.max(0.0, ssL + ssR) / Math.max(1, nL + nR - 2));
      pooled = Math.max(pooled, isRate ? MIN_RELATIVE_STD * Math.max(meanL, meanR) : MIN_ECHO_STD);
      double shift = Math.abs(meanL - meanR) / pooled;
      if (shift > best) {
        best = shift;
        bestK = k;
      }
    }
    out[0] = bestK;
    out[1] = best;
  }

  /** Looks for a break in the buffer; takes it when at least {@code confirm} windows lie right of it. */
  private void detect(int confirm) {
    int m = fullWindows();
    double[] rates = new double[m];
    double[] echoes = new double[m];
    for (int i = 0; i < m; i++) {
      rates[i] = rate(i);
      echoes[i] = echoShare(i);
    }
    double[] byRate = new double[2];
    double[] byEcho = new double[2];
    bestSplit(rates, rate, true, byRate);
    bestSplit(echoes, echo, false, byEcho);
    // the series that shifted more (in its own pooled std) places the break
    boolean byEchoShare = byEcho[0] >= 0 && (byRate[0] < 0 || byEcho[1] > byRate[1]);
    int bestK = (int) (byEchoShare ? byEcho : byRate)[0];
    // while streaming, act only once the right side is twice the minimum: the best split point is stable by then
    if (bestK >= 0 && m - bestK >= confirm) {
      int at = bestK * WINDOW_EVENTS;
      commitEvents(byEchoShare ? refineEchoBreak(at) : at);
      closeSegment();
    }
  }

  /**
   * Moves an echo-share break from the window boundary {@code at} to the event where the echo share changes: the
   * CUSUM maximum of the per-event echo indicator over {@value #REFINE_WINDOWS} windows either side. A hand-off
   * rarely falls on a window boundary (and at the session end the minimum right side can hold the boundary a window
   * early), and a person's echoes left in a short agent segment are enough to blur its scoring.
   */
  private int refineEchoBreak(int at) {
    int lo = Math.max(hasPrev ? 0 : 1, at - REFINE_WINDOWS * WINDOW_EVENTS);
    int hi = Math.min(buffered, at + REFINE_WINDOWS * WINDOW_EVENTS);
    if (hi - lo < 2) {
      return at;
    }
    double mean = 0;
    for (int i = lo; i < hi; i++) {
      mean += echoAt(i);
    }
    mean /= hi - lo;
    double cusum = 0;
    double best = 0;
    int bestAt = at;
    for (int j = lo + 1; j < hi; j++) {
      cusum += echoAt(j - 1) - mean;
      if (Math.abs(cusum) > best + 1e-9) {
        best = Math.abs(cusum);
        bestAt = j;
      }
    }
    return bestAt;
  }

  private int echoAt(int i) {
    return hasBefore(i) && GapStats.isEcho(Math.max(0L, times[i] - timeBefore(i)), sizes[i]) ? 1 : 0;
  }

  /** Moves the oldest {@code n} events of the buffer into the current segment (at a break: statistics reset next). */
  private void commitEvents(int n) {
    if (n == 0) {
      return;
    }
    for (int i = 0; i < n; i++) {
      current.add(times[i], sizes[i], edits[i]);
    }
    prevTime = times[n - 1];
    hasPrev = true;
    System.arraycopy(times, n, times, 0, buffered - n);
    System.arraycopy(sizes, n, sizes, 0, buffered - n);
    System.arraycopy(edits, n, edits, 0, buffered - n);
    buffered -= n;
  }

  /** Moves the oldest {@code n} windows of the buffer into the current segment. */
  private void commitWindows(int n) {
    for (int w = 0; w < n; w++) {
      rate.add(rate(0));
      echo.add(echoShare(0));
      for (int i = 0; i < WINDOW_EVENTS; i++) {
        current.add(times[i], sizes[i], edits[i]);
      }
      prevTime = times[WINDOW_EVENTS - 1];
      hasPrev = true;
      System.arraycopy(times, WINDOW_EVENTS, times, 0, buffered - WINDOW_EVENTS);
      System.arraycopy(sizes, WINDOW_EVENTS, sizes, 0, buffered - WINDOW_EVENTS);
      System.arraycopy(edits, WINDOW_EVENTS, edits, 0, buffered - WINDOW_EVENTS);
      buffered -= WINDOW_EVENTS;
    }
  }

  private void closeSegment() {
    if (current.events() > 0) {
      closed.add(segment(closed.size(), current));
    }
    current = new GapStats();
    rate.reset();
    echo.reset();
  }

  private static CadenceSegment segment(int index, GapStats s) {
    return CadenceSegment.newBuilder().setIndex(index).setStartMs(s.firstMs()).setEndMs(s.lastMs())
        .setCadence(s.features(1.0, false)).build();
  }

  /**
   * The segments so far plus the open one, as if the session ended now; empty when the session did not split.
   * At the end no more windows will come, so a break in the buffer is taken once each side has
   * {@value #MIN_SIDE_WINDOWS} windows. Does not change the state.
   */
  public List<CadenceSegment> segments() {
    Segmenter s = copy();
    if (s.closed.size() < MAX_SEGMENTS - 1) {
      s.detect(MIN_SIDE_WINDOWS);
    }
    if (s.closed.isEmpty()) {
      return List.of();
    }
    GapStats tail = s.current;
    for (int i = 0; i < s.buffered; i++) {
      tail.add(s.times[i], s.sizes[i], s.edits[i]);
    }
    List<CadenceSegment> out = new ArrayList<>(s.closed);
    if (tail.events() > 0) {
      out.add(segment(s.closed.size(), tail));
    }
    return out;
  }

  private Segmenter copy() {
    StateWriter w = new StateWriter();
    writeTo(w);
    return readFrom(new StateReader(w.toByteArray()), CadenceAccumulator.FORMAT);
  }

  void writeTo(StateWriter w) {
    w.varint(buffered).zigzag(prevTime).bool(hasPrev);
    long last = prevTime;
    for (int i = 0; i < buffered; i++) {
      w.zigzag(times[i] - last).varint(sizes[i]).varint(edits[i]);
      last = times[i];
    }
    current.writeTo(w);
    current.writeActivityTo(w);
    w.varint(rate.n).dbl(rate.mean).dbl(rate.m2);
    w.varint(echo.n).dbl(echo.mean).dbl(echo.m2);
    w.varint(closed.size());
    for (CadenceSegment s : closed) {
      w.bytes(s.toByteArray());
    }
  }

  /**
   * Reads state of the given {@link CadenceAccumulator#FORMAT} version. Format 1 had no edit characters, activity
   * counters or echo series: those start empty (the open segment reports the activity fields unset, and the echo
   * series only sees windows committed from now on).
   */
  static Segmenter readFrom(StateReader r, int format) {
    boolean v1 = format == 1;
    int buffered = r.varintInt();
    long prevTime = r.zigzag();
    boolean hasPrev = r.bool();
    long[] times = new long[buffered];
    long[] sizes = new long[buffered];
    long[] edits = new long[buffered];
    long last = prevTime;
    for (int i = 0; i < buffered; i++) {
      last += r.zigzag();
      times[i] = last;
      sizes[i] = r.varint();
      edits[i] = v1 ? 0 : r.varint();
    }
    GapStats current = GapStats.readFrom(r);
    if (v1) {
      current.activityUnknown();
    } else {
      current.readActivityFrom(r);
    }
    Segmenter s = new Segmenter(current);
    s.buffered = buffered;
    s.prevTime = prevTime;
    s.hasPrev = hasPrev;
    System.arraycopy(times, 0, s.times, 0, buffered);
    System.arraycopy(sizes, 0, s.sizes, 0, buffered);
    System.arraycopy(edits, 0, s.edits, 0, buffered);
    s.rate.n = r.varint();
    s.rate.mean = r.dbl();
    s.rate.m2 = r.dbl();
    if (!v1) {
      s.echo.n = r.varint();
      s.echo.mean = r.dbl();
      s.echo.m2 = r.dbl();
    }
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
