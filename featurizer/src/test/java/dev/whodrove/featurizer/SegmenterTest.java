package dev.whodrove.featurizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.v1.CadenceSegment;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SegmenterTest {
  private static List<CadenceSegment> segment(double[]... parts) {
    CadenceAccumulator acc = new CadenceAccumulator();
    long t = Recordings.T0;
    for (double[] gaps : parts) {
      for (double g : gaps) {
        t += Math.round(g * 1000);
        acc.add(t, 3);
      }
    }
    return acc.segments();
  }

  @Test
  void handoffFromRapidTypingToAgentSplitsInTwo() {
    Random r = new Random(7);
    List<CadenceSegment> segs = segment(Recordings.rapidGaps(r, 600), Recordings.agentGaps(r, 600));
    assertThat(segs).hasSize(2);
    assertThat(segs.get(0).getIndex()).isZero();
    assertThat(segs.get(1).getIndex()).isEqualTo(1);
    assertThat(segs.get(0).getEndMs()).isLessThan(segs.get(1).getStartMs());
    // the break lands within a couple of windows of the true hand-off
    assertThat(segs.get(0).getCadence().getNEvents()).isBetween(540L, 660L);
    assertThat(segs.get(0).getCadence().getEventsPerSec()).isGreaterThan(5 * segs.get(1).getCadence().getEventsPerSec());
  }

  @Test
  void steadySessionsDoNotSplit() {
    for (int seed = 0; seed < 5; seed++) {
      Random r = new Random(seed);
      assertThat(segment(Recordings.humanGaps(r, 1500))).as("human seed " + seed).isEmpty();
      assertThat(segment(Recordings.agentGaps(r, 1500))).as("agent seed " + seed).isEmpty();
    }
  }
}
