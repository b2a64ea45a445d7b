package dev.whodrove.featurizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.v1.CadenceSegment;
import dev.whodrove.sim.CadenceModel;
import dev.whodrove.sim.Rng;
import dev.whodrove.sim.TerminalActivity;
import dev.whodrove.testkit.Asciicast;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Segmentation on the simulator's sessions (its drivers' timing, output as filler, drawn from a {@code Random} per
 * seed): hand-offs split where the driver changes, others do not.
 */
class HandoffSegmentationTest {
  static final int SESSIONS = 100;

  /** The simulator's random numbers for {@code seed}, as these tests draw them. */
  static Rng rng(long seed) {
    return Rng.of(new Random(seed));
  }

  static List<CadenceSegment> segments(TerminalActivity activity) {
    CadenceAccumulator acc = new CadenceAccumulator();
    for (TerminalActivity.Chunk c : activity.chunks()) {
      acc.add(Recordings.T0 + c.atMs(), c.data().length, Asciicast.editChars(c.data()));
    }
    return acc.segments();
  }

  @Test
  void personToAgentHandoffSplitsWhereTheDriverChanges() {
    int split = 0;
    int near = 0;
    int exact = 0;
    for (int seed = 0; seed < SESSIONS; seed++) {
      CadenceModel.Handoff handoff = CadenceModel.handoff(rng(1000 + seed), CadenceModel.Output.FILLER);
      int at = handoff.firstAgentChunk();
      List<CadenceSegment> segs = segments(handoff.activity());
      if (segs.size() >= 2) {
        split++;
        long first = segs.get(0).getCadence().getNEvents();
        if (Math.abs(first - at) <= Segmenter.WINDOW_EVENTS) {
          near++;
        }
        // the person's last command ends with up to four output chunks after the last echo
        if (first >= at - 5 && first <= at) {
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
        TerminalActivity session = CadenceModel.named(driver).generate(rng(2000 + seed), CadenceModel.Output.FILLER);
        if (!segments(session).isEmpty()) {
          split++;
        }
      }
      System.out.printf("%s: false splits %d/%d%n", driver, split, SESSIONS);
      assertThat(split).as(driver).isLessThanOrEqualTo(SESSIONS * 10 / 100);
    }
  }
}
