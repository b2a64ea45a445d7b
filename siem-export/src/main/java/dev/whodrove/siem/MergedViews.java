package dev.whodrove.siem;

import dev.whodrove.schemas.labels.LabelMerge;
import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.MergedVerdict;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.util.List;
import java.util.Optional;

/**
 * One session's merged view and how a verdict changes it: labels by the shared {@link LabelMerge} rules (the ones
 * sessions.sqlite is written by), features by revision (the newest one, an equal revision replacing, as the sink
 * applies them), substrate from the features or the first verdict that names one. Pure: the record time is the only
 * clock, used for stamps and verdicts that carry no time of their own.
 */
final class MergedViews {
  static final String SUBSTRATE_KIND = "substrate.kind";

  private MergedViews() {}

  /**
   * The view after {@code v} (already validated and redacted), or empty when {@code v} changes nothing (a repeat, an
   * outranked stamp, older features).
   *
   * @param before the current view, or null for a session not seen yet
   * @param recordTimeMs the record's timestamp
   */
  static Optional<MergedVerdict> merge(MergedVerdict before, SessionVerdict v, long recordTimeMs) {
    List<Label> current = before == null ? List.of() : before.getLabelsList();
    LabelMerge.Outcome labels = LabelMerge.apply(current, v, recordTimeMs);
    boolean takeFeatures = v.hasFeatures() && (before == null || !before.hasFeatures()
        || v.getFeatures().getRevision() >= before.getFeatures().getRevision());
    boolean featuresChanged = takeFeatures && (before == null || !v.getFeatures().equals(before.getFeatures())
        || !v.getCadenceScoresMap().equals(before.getCadenceScoresMap())
        || !v.getStage().equals(before.getFeaturesStage()));
    String substrate = before == null || before.getSubstrate().isEmpty() ? substrateOf(v, labels) : "";
    boolean substrateChanged = !substrate.isEmpty() && (before == null || !substrate.equals(before.getSubstrate()));
    if (before != null && !labels.changed(current) && !featuresChanged && !substrateChanged) {
      return Optional.empty();
    }
    MergedVerdict.Builder b = before == null ? MergedVerdict.newBuilder().setSessionId(v.getSessionId())
        : before.toBuilder();
    b.clearLabels().addAllLabels(labels.labels().values());
    if (featuresChanged) {
      b.setFeatures(v.getFeatures()).setFeaturesStage(v.getStage()).clearCadenceScores()
          .putAllCadenceScores(v.getCadenceScoresMap());
      if (!v.getFeatures().getSubstrate().isEmpty()) {
        b.setSubstrate(v.getFeatures().getSubstrate());
      }
    }
    if (b.getSubstrate().isEmpty()) {
      b.setSubstrate(substrate);
    }
    String stage = !v.getStage().isEmpty() ? v.getStage()
        : v.getLabelsCount() > 0 ? LabelMerge.effective(v.getLabels(0), v, recordTimeMs).getSetBy()
        : LabelMerge.UNKNOWN_PRODUCER;
    return Optional.of(b.setLastStage(stage).setUpdatedAtMs(v.getEmittedAtMs() > 0 ? v.getEmittedAtMs() : recordTimeMs)
        .setSequence((before == null ? 0 : before.getSequence()) + 1).build());
  }

  private static String substrateOf(SessionVerdict v, LabelMerge.Outcome labels) {
    if (v.hasFeatures() && !v.getFeatures().getSubstrate().isEmpty()) {
      return v.getFeatures().getSubstrate();
    }
    if (!v.getSubstrate().isEmpty()) {
      return v.getSubstrate();
    }
    Label kind = labels.labels().get(SUBSTRATE_KIND);
    return kind == null ? "" : kind.getValue();
  }

  /** The current value of a label, or null. */
  static String label(MergedVerdict v, String key) {
    for (Label l : v.getLabelsList()) {
      if (l.getKey().equals(key)) {
        return l.getValue();
      }
    }
    return null;
  }

  /** The current stamp of a label, or null. */
  static Label stamp(MergedVerdict v, String key) {
    for (Label l : v.getLabelsList()) {
      if (l.getKey().equals(key)) {
        return l;
      }
    }
    return null;
  }
}
