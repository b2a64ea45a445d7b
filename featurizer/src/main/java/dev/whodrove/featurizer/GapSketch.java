package dev.whodrove.featurizer;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.mapping.IndexMapping;
import com.datadoghq.sketch.ddsketch.store.CollapsingHighestDenseStore;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A mergeable quantile sketch of non-negative gaps with bounded size: DDSketch with 1% relative accuracy and at most
 * {@value #MAX_BINS} bins. Collapsing only touches values above roughly e^40 times the smallest gap, so in practice
 * it never happens; the bound is what keeps state small whatever the input.
 */
final class GapSketch {
  /** Relative accuracy of every quantile read from the sketch. */
  static final double RELATIVE_ACCURACY = 0.0099;
  static final int MAX_BINS = 2048;
  private static final IndexMapping MAPPING = DDSketches.collapsingHighestDense(RELATIVE_ACCURACY, MAX_BINS)
      .getIndexMapping();

  private final DDSketch sketch;

  GapSketch() {
    this(new DDSketch(MAPPING, () -> new CollapsingHighestDenseStore(MAX_BINS)));
  }

  private GapSketch(DDSketch sketch) {
    this.sketch = sketch;
  }

  void add(double value) {
    sketch.accept(Math.max(0.0, value));
  }

  /**
   * Bins of the gaps under {@value #CACHED_MS} ms, whole milliseconds being what recordings carry: as {@code ms} and
   * as {@code ms / 1000.0} seconds. Looking a bin up instead of working it out (a logarithm) halves what a gap costs,
   * and a gap is added for nearly every print.
   */
  private static final int CACHED_MS = 4096;
  private static final int[] MILLIS_BINS = bins(1.0);
  private static final int[] SECONDS_BINS = bins(1000.0);

  private static int[] bins(double divisor) {
    int[] b = new int[CACHED_MS];
    for (int ms = 1; ms < CACHED_MS; ms++) {
      b[ms] = MAPPING.index(ms / divisor);
    }
    return b;
  }

  /** {@code add(ms)} for a gap of whole milliseconds, ms ≥ 0. */
  void addMillis(long ms) {
    addCached(ms, MILLIS_BINS, ms);
  }

  /** {@code add(ms / 1000.0)}: a gap of whole milliseconds, ms ≥ 0, in seconds. */
  void addSeconds(long ms) {
    addCached(ms, SECONDS_BINS, ms / 1000.0);
  }

  private void addCached(long ms, int[] bins, double value) {
    if (ms > 0 && ms < CACHED_MS) {
      sketch.getPositiveValueStore().add(bins[(int) ms]); // what accept does for a value above the smallest bin
    } else {
      add(value);
    }
  }

  void merge(GapSketch other) {
    sketch.mergeWith(other.sketch);
  }

  long count() {
    return Math.round(sketch.getCount());
  }

  /** Value at quantile q in [0, 1]; 0 when empty. */
  double quantile(double q) {
    return sketch.isEmpty() ? 0.0 : sketch.getValueAtQuantile(q);
  }

  byte[] encode() {
    GrowingByteArrayOutput out = GrowingByteArrayOutput.withInitialCapacity(64);
    try {
      sketch.encode(out, true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.trimmedCopy();
  }

  static GapSketch decode(byte[] bytes) {
    try {
      return new GapSketch(DDSketch.decode(ByteArrayInput.wrap(bytes),
          () -> new CollapsingHighestDenseStore(MAX_BINS), MAPPING));
    } catch (IOException e) {
      throw new IllegalStateException("corrupt gap sketch: " + e.getMessage(), e);
    }
  }
}
