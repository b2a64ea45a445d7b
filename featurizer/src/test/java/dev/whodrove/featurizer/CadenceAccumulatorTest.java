package dev.whodrove.featurizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.whodrove.schemas.v1.CadenceFeatures;
import dev.whodrove.testkit.Asciicast;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CadenceAccumulatorTest {
  private static final double ALPHA = 0.01;

  /** Random gap sequences, streamed through (and serialized mid-way), against the exact reference. */
  @Test
  void streamedFeaturesMatchExactReferenceWithinSketchError() {
    Random r = new Random(42);
    for (int trial = 0; trial < 300; trial++) {
      int n = 2 + r.nextInt(trial < 200 ? 400 : 5000);
      long[] times = new long[n];
      long t = Recordings.T0;
      int mode = r.nextInt(4);
      for (int i = 0; i < n; i++) {
        double g = switch (mode) {
          case 0 -> r.nextDouble() < 0.7 ? r.nextInt(200) : r.nextInt(40_000);
          case 1 -> Math.exp(r.nextGaussian() * 2.5) * 300;
          case 2 -> r.nextInt(3) == 0 ? 0 : r.nextInt(250_000); // many edge gaps over 120 s
          default -> r.nextDouble() < 0.05 ? 121_000 + r.nextInt(100_000) : r.nextInt(3_000);
        };
        t += i == 0 ? 0 : (long) g;
        times[i] = t;
      }
      long[] bytes = new long[n];
      long[] edits = new long[n];
      List<Asciicast.Print> prints = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        bytes[i] = 1 + r.nextInt(6);
        edits[i] = r.nextInt(8) == 0 ? 1 : 0;
        prints.add(new Asciicast.Print((times[i] - Recordings.T0) / 1000.0, (int) bytes[i], (int) edits[i]));
      }
      CadenceAccumulator acc = new CadenceAccumulator();
      for (int i = 0; i < n; i++) {
        acc.add(times[i], bytes[i], edits[i]);
        if (i == n / 2) {
          acc = CadenceAccumulator.fromBytes(acc.toBytes()); // state survives a round trip
        }
      }
      CadenceFeatures f = acc.features();
      ReferenceCadence ref = ReferenceCadence.of(times);
      String ctx = "trial " + trial + " n=" + n + " mode=" + mode;
      assertThat(f.getNEvents()).as(ctx).isEqualTo(ref.nEvents);
      if (ref.nEvents < 2) {
        continue;
      }
      assertThat(f.getInsufficientData()).as(ctx).isEqualTo(ref.nEvents < 30);
      assertThat(f.getDurationS()).as(ctx).isCloseTo(ref.duration, within(1e-9));
      assertThat(f.getEventsPerSec()).as(ctx).isCloseTo(ref.eventsPerSec, within(1e-6 * ref.eventsPerSec));
      assertThat(f.getGapMaxS()).as(ctx).isCloseTo(ref.gapMax, within(1e-9));
      assertThat(f.getPausesGt1S()).as(ctx).isEqualTo(ref.p1);
      assertThat(f.getPausesGt5S()).as(ctx).isEqualTo(ref.p5);
      assertThat(f.getPausesGt30S()).as(ctx).isEqualTo(ref.p30);
      assertThat(f.getBurstFrac()).as(ctx).isCloseTo(ref.burstFrac, within(1e-12));
      assertThat(f.getThinkFrac()).as(ctx).isCloseTo(ref.thinkFrac, within(1e-12));
      assertThat(f.getLocalGapStd()).as(ctx).isCloseTo(ref.localGapStd, within(1e-9 + 1e-9 * ref.localGapStd));
      assertPercentile(ctx + " p50", f.getGapP50S(), ref.percentileBracket(50));
      assertPercentile(ctx + " p90", f.getGapP90S(), ref.percentileBracket(90));
      assertPercentile(ctx + " p99", f.getGapP99S(), ref.percentileBracket(99));
      // cadence@v1 activity fields: exact against the classifier's definitions
      ActivityFieldsTest.assertMatches(ctx, f, AsciicastReference.session(prints, true));
    }
  }

  private static void assertPercentile(String ctx, double actual, double[] bracket) {
    assertThat(actual).as(ctx).isBetween(bracket[0] * (1 - ALPHA), bracket[1] * (1 + ALPHA));
  }

  @Test
  void stripsLeadingAndTrailingIdleGaps() {
    CadenceAccumulator acc = new CadenceAccumulator();
    long t = Recordings.T0;
    acc.add(t, 5);
    t += 300_000; // leading idle
    for (int i = 0; i < 40; i++) {
      acc.add(t, 1);
      t += 500;
    }
    acc.add(t + 200_000, 9); // trailing idle
    CadenceFeatures f = acc.features();
    assertThat(f.getNEvents()).isEqualTo(40);
    assertThat(f.getTotalBytes()).isEqualTo(40);
    assertThat(f.getStrippedLeadingGapS()).isEqualTo(300.0);
    assertThat(f.getStrippedTrailingGapS()).isEqualTo(200.5);
    assertThat(f.getGapMaxS()).isEqualTo(0.5);
    assertThat(f.getInsufficientData()).isFalse();
  }

  @Test
  void fewerThanThirtyEventsIsInsufficient() {
    CadenceAccumulator acc = new CadenceAccumulator();
    for (int i = 0; i < 29; i++) {
      acc.add(Recordings.T0 + i * 100L, 1);
    }
    assertThat(acc.features().getInsufficientData()).isTrue();
    acc.add(Recordings.T0 + 2900, 1);
    assertThat(acc.features().getInsufficientData()).isFalse();
  }
}
