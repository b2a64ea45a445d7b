package dev.whodrove.classifier;

/** Label keys and values the classifier stamps (docs/architecture.md §6; extend, don't rename). */
public final class LabelKeys {
  public static final String OPERATOR_TYPE = "operator.type";
  public static final String CONFIDENCE_OPERATOR_TYPE = "confidence.operator-type";
  public static final String SUBSTRATE_KIND = "substrate.kind";
  public static final String ROUTING_COHORT = "routing.cohort";
  public static final String COVERAGE_GAP = "coverage.gap";
  public static final String CADENCE_LABEL = "cadence.label";
  public static final String CADENCE_SEGMENTS = "cadence.segments";
  /** Per-segment cadence label: {@code cadence.segment.<index>}. */
  public static final String CADENCE_SEGMENT_PREFIX = "cadence.segment.";
  public static final String CADENCE_HANDOFF = "cadence.handoff";
  public static final String CADENCE_ABSENCE_GAPS = "cadence.absence-gaps";
  public static final String SUSPECTED_MODEL = "agent.suspected_model";
  public static final String SUSPICION_SCORE = "agent.suspicion_score";
  public static final String GCP_PRINCIPAL_TYPE = "gcp.principal.type";
  public static final String GCP_UA_TOOL = "gcp.ua.tool";
  public static final String GCP_IMPERSONATION_DEPTH = "gcp.impersonation.depth";
  public static final String GCP_DENIALS_COUNT = "gcp.denials.count";
  public static final String GCP_SESSION_SYNTHESISED = "gcp.session.synthesised";
  /** GCP: the evidence that decided operator.type (docs/classifier.md, "GCP rules"). */
  public static final String OPERATOR_EVIDENCE = "operator.evidence";
  /** GCP: why operator.type is unknown; stamped only then. */
  public static final String OPERATOR_REASON = "operator.reason";
  /** The coding-agent tool: phase 1 from a CLI seen on the node (BPF), phase 2 from the recording. */
  public static final String AGENT_TOOL = "agent.tool";
  public static final String CONFIDENCE_AGENT_TOOL = "confidence.agent-tool";
  /** Teleport operator.evidence: an agent CLI on the node with descendants (and provider connections). */
  public static final String EVIDENCE_AGENT_CLI = "agent-cli";
  public static final String EVIDENCE_AGENT_CLI_PROVIDER = "agent-cli.provider-endpoint";

  public static final String HUMAN = "human";
  public static final String AGENT = "agent";
  public static final String UNKNOWN = "unknown";

  public static final String TELEPORT_RECORDING = "teleport-recording";
  public static final String GCP_CLOUD_AUDIT = "gcp-cloud-audit";
  public static final String GCP_GCLOUD_BURST = "gcp-gcloud-burst";

  public static final String COHORT_SINGLE_SHOT = "single-shot-non-pty";
  public static final String COHORT_PHASE1_CADENCE = "phase1-cadence";
  public static final String COHORT_SA_ONLY = "sa-only";
  public static final String COHORT_GKE_EXEC = "gke-exec-opaque";
  public static final String COHORT_IAP_TUNNEL = "iap-tunnel-only";

  // operator.reason values besides the cohorts above
  public static final String REASON_SCRIPTED = "scripted";
  public static final String REASON_POLLING = "polling";
  public static final String REASON_CONSOLE = "console";
  public static final String REASON_CONFLICTING = "conflicting-evidence";
  public static final String REASON_INSUFFICIENT = "insufficient-evidence";

  public static final String GAP_RECORDING_MISSING = "recording-missing";
  public static final String GAP_RECORDING_UNREADABLE = "recording-unreadable";
  public static final String GAP_RECORDING_INCOMPLETE = "recording-incomplete";

  private LabelKeys() {}
}
