package dev.whodrove.featurizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The looked-up bins of whole-millisecond gaps are the bins the sketch itself works out. */
class GapSketchTest {
  @Test
  void wholeMillisecondGapsLandInTheSameBinsAsTheirValues() {
    GapSketch millis = new GapSketch();
    GapSketch millisByValue = new GapSketch();
    GapSketch seconds = new GapSketch();
    GapSketch secondsByValue = new GapSketch();
    Random r = new Random(7);
    for (int i = 0; i < 50_000; i++) {
      // every cached gap, and gaps above the cache up to ten minutes
      long ms = i < 5_000 ? i : (long) Math.exp(r.nextDouble() * Math.log(600_000));
      millis.addMillis(ms);
      millisByValue.add(ms);
      seconds.addSeconds(ms);
      secondsByValue.add(ms / 1000.0);
    }
    assertThat(millis.encode()).isEqualTo(millisByValue.encode());
    assertThat(seconds.encode()).isEqualTo(secondsByValue.encode());
    assertThat(millis.count()).isEqualTo(50_000);
    assertThat(seconds.quantile(0.5)).isEqualTo(secondsByValue.quantile(0.5));
  }
}
