package dev.whodrove.featurizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.whodrove.schemas.v1.CadenceFeatures;
import dev.whodrove.sim.CadenceModel;
import dev.whodrove.sim.TerminalActivity;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Cadence state written by format 1 (before the cadence@v1 activity counters) is still read. */
class StateFormatTest {
  /**
   * Written by the format-1 CadenceAccumulator after the first {@value #CUT} events of the simulator's human driver
   * drawn from {@code new Random(5)} ({@link #session()}; times T0 + atMs, bytes, no edit characters).
   */
  static final String V1_STATE = "/state/cadence-v1-human-seed5-400.bin";
  static final int CUT = 400;

  /** The session the state was written from. */
  static List<TerminalActivity.Chunk> session() {
    return CadenceModel.human().generate(HandoffSegmentationTest.rng(5), CadenceModel.Output.FILLER).chunks();
  }

  private static CadenceFeatures withoutActivity(CadenceFeatures f) {
    return f.toBuilder().clearKeystrokeEchoFrac().clearEditChars().clearAbsenceGapCount().clearAbsenceS()
        .clearActiveGapMaxS().build();
  }

  @Test
  void formatOneStateResumesWithActivityFieldsUnset() throws Exception {
    byte[] v1;
    try (InputStream in = StateFormatTest.class.getResourceAsStream(V1_STATE)) {
      v1 = in.readAllBytes();
    }
    List<TerminalActivity.Chunk> prints = session();
    CadenceAccumulator resumed = CadenceAccumulator.readFrom(new StateReader(v1), 1);
    CadenceAccumulator fresh = new CadenceAccumulator();
    for (int i = 0; i < prints.size(); i++) {
      TerminalActivity.Chunk p = prints.get(i);
      if (i >= CUT) {
        resumed.add(Recordings.T0 + p.atMs(), p.data().length, 0);
        resumed = CadenceAccumulator.fromBytes(resumed.toBytes()); // and rewritten in the current format
      }
      fresh.add(Recordings.T0 + p.atMs(), p.data().length, 0);
    }
    CadenceFeatures r = resumed.features();
    assertThat(r.hasKeystrokeEchoFrac()).isFalse();
    assertThat(r.hasEditChars()).isFalse();
    assertThat(r.hasAbsenceGapCount()).isFalse();
    assertThat(r).isEqualTo(withoutActivity(fresh.features()));
    assertThat(fresh.features().hasKeystrokeEchoFrac()).isTrue();
  }

  @Test
  void unknownFormatIsAClearError() {
    assertThatThrownBy(
        () -> CadenceAccumulator.readFrom(new StateReader(new CadenceAccumulator().toBytes()), 9))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("format 9");
  }
}
