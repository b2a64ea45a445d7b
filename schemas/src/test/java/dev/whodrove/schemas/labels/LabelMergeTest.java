package dev.whodrove.schemas.labels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The shared merge rules on their own; sqlite-sink's LabelPrecedenceTest checks the same rules through the file. */
class LabelMergeTest {
  static final long T0 = 1_767_225_600_000L;
  static final String P1 = "phase1-classifier@v1";
  static final String CADENCE = "cadence@v1";
  static final String P2 = "phase2-llm@v1";
  static final String CORRELATOR = "cadence-correlator@v1";

  static Label label(String key, String value, String by, long at) {
    return Label.newBuilder().setKey(key).setValue(value).setSetBy(by).setSetAtMs(at).build();
  }

  static SessionVerdict verdict(String stage, long emitted, Label... labels) {
    return SessionVerdict.newBuilder().setSessionId("s").setStage(stage).setEmittedAtMs(emitted)
        .addAllLabels(List.of(labels)).build();
  }

  /** Applies verdicts one after the other; the labels as key=value@set_by. */
  static Map<String, String> merge(SessionVerdict... verdicts) {
    Collection<Label> state = new ArrayList<>();
    for (SessionVerdict v : verdicts) {
      state = LabelMerge.apply(state, v, T0).labels().values();
    }
    Map<String, String> out = new TreeMap<>();
    state.forEach(l -> out.put(l.getKey(), l.getValue() + "@" + l.getSetBy()));
    return out;
  }

  @Test
  void aPersonOutranksEveryStageAndLaterStagesOutrankPhaseOne() {
    SessionVerdict phase1 = verdict(P1, T0, label("operator.type", "agent", P1, T0),
        label("cadence.label", "opus-4.6", CADENCE, T0), label("agent.suspected_model", "opus-4.6", CADENCE, T0));
    SessionVerdict phase2 = verdict(P2, T0 + 60_000, label("agent.suspected_model", "gpt-5.5", P2, T0 + 60_000),
        label("agent.tool", "codex", P2, T0 + 60_000));
    SessionVerdict correlation = verdict(CORRELATOR, T0 + 90_000,
        label("correlation.gcp-session", "gcp-1", CORRELATOR, T0 + 90_000));
    SessionVerdict person = verdict("manual:alice", T0 + 1, label("operator.type", "human", "manual:alice", T0 + 1));
    // a classifier replay re-stamps later, but never over a person
    SessionVerdict replay = verdict(P1, T0 + 120_000, label("operator.type", "agent", P1, T0 + 120_000));

    assertThat(merge(phase1, phase2, correlation, person, replay)).containsExactlyInAnyOrderEntriesOf(Map.of(
        "operator.type", "human@manual:alice",
        "cadence.label", "opus-4.6@" + CADENCE,
        "agent.suspected_model", "gpt-5.5@" + P2,
        "agent.tool", "codex@" + P2,
        "correlation.gcp-session", "gcp-1@" + CORRELATOR));
    // delivery order does not matter for automated stamps: phase 2 first, the older phase-1 stamp after it
    assertThat(merge(phase2, phase1)).containsEntry("agent.suspected_model", "gpt-5.5@" + P2);
  }

  @Test
  void aNewerVerdictOfTheSameProducerTakesBackWhatItNoLongerSays() {
    SessionVerdict first = verdict(P1, T0, label("coverage.gap", "recording-missing", P1, T0),
        label("operator.type", "unknown", P1, T0));
    SessionVerdict note = verdict("manual:bob", T0 + 1, label("review.status", "open", "manual:bob", T0 + 1));
    SessionVerdict corrected = verdict(P1, T0 + 3_600_000, label("operator.type", "agent", P1, T0 + 3_600_000));

    LabelMerge.Outcome o = LabelMerge.apply(
        LabelMerge.apply(LabelMerge.apply(List.of(), first, T0).labels().values(), note, T0).labels().values(),
        corrected, T0);
    assertThat(o.removed()).containsExactly("coverage.gap");
    assertThat(o.written()).containsExactly("operator.type");
    assertThat(o.labels()).containsOnlyKeys("operator.type", "review.status");

    // a late copy of the first verdict changes nothing: its producer has said something newer since
    LabelMerge.Outcome late = LabelMerge.apply(o.labels().values(), first, T0);
    assertThat(late.outranked()).isEqualTo(2);
    assertThat(late.applied()).isZero();
    assertThat(late.changed(o.labels().values())).isFalse();
    assertThat(late.labels()).isEqualTo(o.labels());
  }

  @Test
  void equalTimesLetTheLaterDeliveryWinAndRepeatsChangeNothing() {
    SessionVerdict a = verdict(P1, T0, label("operator.type", "agent", P1, T0));
    SessionVerdict b = verdict("phase1-classifier@v2", T0, label("operator.type", "human", "phase1-classifier@v2", T0));
    assertThat(merge(a, b)).containsEntry("operator.type", "human@phase1-classifier@v2");

    LabelMerge.Outcome once = LabelMerge.apply(List.of(), a, T0);
    LabelMerge.Outcome twice = LabelMerge.apply(once.labels().values(), a, T0);
    assertThat(twice.applied()).isEqualTo(1);
    assertThat(twice.changed(once.labels().values())).isFalse();
    assertThat(once.changed(List.of())).isTrue();
  }

  @Test
  void stampsWithoutTimeOrProducerTakeTheVerdictsThenTheFallback() {
    Label bare = Label.newBuilder().setKey("k").setValue("v").build();
    SessionVerdict staged = verdict("test", T0 + 5, bare);
    assertThat(LabelMerge.apply(List.of(), staged, 1).labels().get("k"))
        .isEqualTo(label("k", "v", "test", T0 + 5));
    SessionVerdict bareVerdict = SessionVerdict.newBuilder().setSessionId("s").addLabels(bare).build();
    assertThat(LabelMerge.apply(List.of(), bareVerdict, 42).labels().get("k"))
        .isEqualTo(label("k", "v", LabelMerge.UNKNOWN_PRODUCER, 42));
  }

  @Test
  void invalidVerdictsAreNamed() {
    assertThat(LabelMerge.invalidReason(SessionVerdict.getDefaultInstance())).isEqualTo("verdict without session_id");
    assertThat(LabelMerge.invalidReason(verdict(P1, T0, label(" ", "v", P1, T0))))
        .isEqualTo("label without key in verdict for s");
    assertThat(LabelMerge.invalidReason(verdict(P1, T0).toBuilder()
        .setFeatures(SessionFeatures.newBuilder().setSessionId("other")).build()))
        .isEqualTo("verdict for s carries features of other");
    assertThat(LabelMerge.invalidReason(verdict(P1, T0, label("k", "v", P1, T0)))).isNull();
  }
}
