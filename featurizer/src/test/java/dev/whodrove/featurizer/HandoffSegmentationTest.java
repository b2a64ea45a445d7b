package dev.whodrove.featurizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.v1.CadenceSegment;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Segmentation on sessions shaped like the simulator's: hand-offs split where the driver changes, others do not. */
class HandoffSegmentationTest {
  static final int SESSIONS = 100;

  static List<CadenceSegment> segments(List<SimulatedDrivers.Print> prints) {
    CadenceAccumulator acc = new CadenceAccumulator();
    for (SimulatedDrivers.Print p : prints) {
      acc.add(Recordings.T0 + p.atMs(), p.bytes(), p.edits());
    }
    return acc.segments();
  }

  @Test
  void personToAgentHandoffSplitsWhereTheDriverChanges() {
    int split = 0;
    int near = 0;
    int exact = 0;
    for (int seed = 0; seed < SESSIONS; seed++) {
      SimulatedDrivers sim = new SimulatedDrivers(1000 + seed);
      int[] at = new int[1];
      List<CadenceSegment> segs = segments(sim.handoff(at));
      if (segs.size() >= 2) {
        split++;
        long first = segs.get(0).getCadence().getNEvents();
        if (Math.abs(first - at[0]) <= Segmenter.WINDOW_EVENTS) {
          near++;
        }
        // the person's last command ends with up to four output chunks after the last echo
        if (first >= at[0] - 5 && first <= at[0]) {
          exact++;
        }
      }
    }
    System.out.printf("handoff: split %d/%d, break within one window of the hand-off %d, within 5 events %d%n",
        split, SESSIONS, near, exact);
    assertThat(split).isGreaterThanOrEqualTo(SESSIONS * 95 / 100);
    assertThat(near).isGreaterThanOrEqualTo(SESSIONS * 95 / 100);
    assertThat(exact).isGreaterThanOrEqualTo(SESSIONS * 80 / 100);
  }

  @Test
  void singleDriverSessionsRarelySplit() {
    for (String driver : List.of("human", "kimi-k2.6", "gemini-3.1", "opus-4.6", "gpt-5.5")) {
      int split = 0;
      for (int seed = 0; seed < SESSIONS; seed++) {
        SimulatedDrivers sim = new SimulatedDrivers(2000 + seed);
        if (!segments(sim.session(driver)).isEmpty()) {
          split++;
        }
      }
      System.out.printf("%s: false splits %d/%d%n", driver, split, SESSIONS);
      assertThat(split).as(driver).isLessThanOrEqualTo(SESSIONS * 10 / 100);
    }
  }
}
