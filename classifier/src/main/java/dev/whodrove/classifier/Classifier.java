package dev.whodrove.classifier;

import dev.whodrove.schemas.redact.FeatureRedactor;
import dev.whodrove.schemas.v1.Escalation;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.util.List;
import java.util.Optional;

/**
 * Phase 1 as a pure function: one feature record in, one verdict (and maybe an escalation) out. No clock, no state:
 * {@code set_at} comes from the record, so the same features always give the same labels. The features copied into
 * the verdict and the escalation pass through the {@link FeatureRedactor} first: the featurizer already redacts, this
 * also cleans records from older featurizers and other writers before they reach {@code session.labels}, its JSON
 * mirrors and phase 2.
 */
public final class Classifier {
  private final ClassifierConfig config;
  private final TeleportRules teleport;
  private final GcpRules gcp;
  private final FeatureRedactor redactor = new FeatureRedactor();

  public Classifier(ClassifierConfig config) {
    this.config = config;
    this.teleport = new TeleportRules(config.cadence());
    this.gcp = new GcpRules(config.cadence());
  }

  /** The verdict of one session and, when the policy asks for it, its escalation. */
  public record Result(SessionVerdict verdict, Optional<Escalation> escalation) {}

  /**
   * Classifies one feature record.
   *
   * @throws IllegalArgumentException when the record names no session or no known substrate (dead-lettered)
   */
  public Result classify(SessionFeatures input) {
    if (input.getSessionId().isEmpty()) {
      throw new IllegalArgumentException("feature record without session_id");
    }
    SessionFeatures f = redactor.redact(input);
    long setAt = stampTime(f);
    Assessment a = new Assessment(setAt, config.phase1Stage(), config.cadence().stage());
    String substrate = substrateOf(f);
    switch (substrate) {
      case LabelKeys.TELEPORT_RECORDING -> {
        teleport.session(f, a);
        AgentCliRule.apply(f, a); // last: an agent CLI on the node outranks the cadence and PTY calls
      }
      case LabelKeys.GCP_CLOUD_AUDIT -> gcp.session(f, a);
      case LabelKeys.GCP_GCLOUD_BURST -> gcp.burst(f, a);
      default -> throw new IllegalArgumentException("session " + f.getSessionId() + ": unknown substrate '"
          + f.getSubstrate() + "'");
    }
    a.finish();
    SessionVerdict verdict = SessionVerdict.newBuilder()
        .setSessionId(f.getSessionId())
        .setSubstrate(substrate)
        .addAllLabels(a.labels.toList())
        .setFeatures(f)
        .setStage(config.phase1Stage())
        .setEmittedAtMs(setAt)
        .putAllCadenceScores(a.cadenceScores)
        .build();
    List<String> reasons = config.escalation().reasons(a);
    if (reasons.isEmpty()) {
      return new Result(verdict, Optional.empty());
    }
    Escalation esc = Escalation.newBuilder()
        .setSessionId(f.getSessionId())
        .addAllReasons(reasons)
        .setEscalationVersion(config.phase1Stage())
        .setFeatures(f)
        .addAllLabels(verdict.getLabelsList())
        .putAllCadenceScores(a.cadenceScores)
        .setRecordingUri(f.getTeleport().getRecordingUri())
        .setPtyContentAllowed(config.escalation().ptyContentAllowed())
        .setCreatedAtMs(setAt)
        .build();
    return new Result(verdict, Optional.of(esc));
  }

  /** The substrate, inferred from which part is present when the featurizer left the field empty. */
  static String substrateOf(SessionFeatures f) {
    if (!f.getSubstrate().isEmpty()) {
      return f.getSubstrate();
    }
    if (f.hasTeleport()) {
      return LabelKeys.TELEPORT_RECORDING;
    }
    if (f.hasBurst()) {
      return LabelKeys.GCP_GCLOUD_BURST;
    }
    if (f.hasGcp()) {
      return LabelKeys.GCP_CLOUD_AUDIT;
    }
    return "";
  }

  /** Deterministic stamp time: when the features were computed, else when the session ended or started. */
  static long stampTime(SessionFeatures f) {
    if (f.getComputedAtMs() > 0) {
      return f.getComputedAtMs();
    }
    return f.getEndedMs() > 0 ? f.getEndedMs() : f.getStartedMs();
  }
}
