package dev.whodrove.classifier;

import java.util.ArrayList;
import java.util.List;

/**
 * Which phase-1 outcomes ask phase 2 for a deeper look (docs/architecture.md §6), and whether phase 2 may read PTY
 * content.
 *
 * @param agentOnPtySsh operator.type=agent on a PTY SSH session (phase 2 names the tool and work kind)
 * @param ambiguousCadence cadence.label=ambiguous
 * @param handoff segments disagree between a human and an agent
 * @param ptyContentAllowed phase 2 may fetch the recording and read PTY content
 * @param gcpPrivileged a GCP synthetic session of a person (or of a service account a person impersonates) with
 *     privileged calls: IAM policy changes, key creation, token minting, role changes, GKE exec
 * @param gcpAmbiguous a GCP synthetic session whose evidence points both ways or has no clear rhythm
 * @param lowConfidenceBelow a Teleport cadence call whose calibrated confidence (operator.type) or suspicion score (the
 *     agent call, e.g. the model named) is below this; only tables with a calibration stamp probabilities, so
 *     uncalibrated tables never trigger it (0 = off)
 */
public record EscalationPolicy(boolean agentOnPtySsh, boolean ambiguousCadence, boolean handoff,
    boolean ptyContentAllowed, boolean gcpPrivileged, boolean gcpAmbiguous, double lowConfidenceBelow) {
  public static final String AGENT_PTY_SSH = "agent-pty-ssh";
  public static final String AMBIGUOUS_CADENCE = "ambiguous-cadence";
  public static final String HANDOFF = "handoff";
  public static final String GCP_PRIVILEGED = "gcp-privileged";
  public static final String GCP_AMBIGUOUS = "gcp-ambiguous";
  public static final String LOW_CONFIDENCE = "low-confidence";
  /** Default of {@code classifier.escalate.low.confidence}. */
  public static final double LOW_CONFIDENCE_DEFAULT = 0.7;

  /** Every switch but the low-confidence bound, which takes its default. */
  public EscalationPolicy(boolean agentOnPtySsh, boolean ambiguousCadence, boolean handoff,
      boolean ptyContentAllowed, boolean gcpPrivileged, boolean gcpAmbiguous) {
    this(agentOnPtySsh, ambiguousCadence, handoff, ptyContentAllowed, gcpPrivileged, gcpAmbiguous,
        LOW_CONFIDENCE_DEFAULT);
  }

  /** The Teleport switches alone; the GCP reasons on. */
  public EscalationPolicy(boolean agentOnPtySsh, boolean ambiguousCadence, boolean handoff,
      boolean ptyContentAllowed) {
    this(agentOnPtySsh, ambiguousCadence, handoff, ptyContentAllowed, true, true);
  }

  public static EscalationPolicy defaults() {
    return new EscalationPolicy(true, true, true, false, true, true, LOW_CONFIDENCE_DEFAULT);
  }

  List<String> reasons(Assessment a) {
    List<String> reasons = new ArrayList<>();
    if (agentOnPtySsh && a.ptySsh && LabelKeys.AGENT.equals(a.operatorType)) {
      reasons.add(AGENT_PTY_SSH);
    }
    if (ambiguousCadence && a.ambiguousCadence) {
      reasons.add(AMBIGUOUS_CADENCE);
    }
    if (handoff && a.handoff) {
      reasons.add(HANDOFF);
    }
    if (gcpPrivileged && a.gcpPrivileged) {
      reasons.add(GCP_PRIVILEGED);
    }
    if (gcpAmbiguous && a.gcpAmbiguous) {
      reasons.add(GCP_AMBIGUOUS);
    }
    if (a.calibrated && !LabelKeys.UNKNOWN.equals(a.operatorType)
        && (a.confidence < lowConfidenceBelow || a.suspicion < lowConfidenceBelow)) {
      // the operator call, or the agent call (the model named), is more likely wrong than the bound allows
      reasons.add(LOW_CONFIDENCE);
    }
    return reasons;
  }
}
