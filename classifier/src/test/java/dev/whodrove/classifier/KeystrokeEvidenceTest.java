package dev.whodrove.classifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.v1.CadenceFeatures;
import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.TeleportFeatures;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Recorded keyboard input as PTY evidence when cadence cannot decide: keys typed one by one at a person's pace call
 * the session human; input that only ever came as whole lines leans agent.
 */
class KeystrokeEvidenceTest {
  /** A short recording cadence cannot judge (too few prints), with the given PTY counters. */
  private static SessionFeatures session(long printChunks, double medianGapMs, long inputs, long typed) {
    return SessionFeatures.newBuilder()
        .setSessionId("s").setSubstrate("teleport-recording").setStartedMs(1).setEndedMs(60_000)
        .setTeleport(TeleportFeatures.newBuilder().setKind("ssh").setPtyPresent(true).setInteractive(true)
            .setRecordingPresent(true).setPrintChunks(printChunks).setMedianChunkGapMs(medianGapMs)
            .setInputEvents(inputs).setTypedKeystrokes(typed))
        .setCadence(CadenceFeatures.newBuilder().setInsufficientData(true).setNEvents(printChunks))
        .build();
  }

  private static Map<String, String> labels(SessionFeatures f) {
    Map<String, String> m = new TreeMap<>();
    for (Label l : new Classifier(ClassifierConfig.defaults()).classify(f).verdict().getLabelsList()) {
      m.put(l.getKey(), l.getValue());
    }
    return m;
  }

  @Test
  void typedKeysDecideForAPerson() {
    assertThat(labels(session(5, 0, 0, 0))).containsEntry("operator.type", "unknown");
    assertThat(labels(session(5, 0, 40, 30))).containsEntry("operator.type", "human");
    // too few keys, or mostly pasted input: not enough on its own
    assertThat(labels(session(5, 0, 25, TeleportRules.TYPED_KEYS_MIN - 1))).containsEntry("operator.type", "unknown");
    assertThat(labels(session(5, 0, 100, 30))).containsEntry("operator.type", "unknown");
  }

  @Test
  void wholeLineInputLeansAgent() {
    // no edits over 10+ chunks and machine-speed gaps: 0.4, short of a decision
    assertThat(labels(session(12, 5, 0, 0))).containsEntry("operator.type", "unknown");
    // and every input a whole line: 0.6
    assertThat(labels(session(12, 5, 6, 0))).containsEntry("operator.type", "agent");
    // typed keys beat it
    assertThat(labels(session(12, 5, 40, 30))).containsEntry("operator.type", "human");
  }
}
