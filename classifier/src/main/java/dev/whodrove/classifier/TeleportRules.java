package dev.whodrove.classifier;

import dev.whodrove.schemas.v1.CadenceFeatures;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.TeleportFeatures;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * notes/06 phase 1 for Teleport sessions: is a human at the terminal? Sessions that cannot answer it by construction
 * (kube/db/app/desktop, PTY-less single shots) go to their cohort; otherwise the cadence table decides, per segment
 * when the featurizer split the session, and the PTY evidence (keystroke echo, edit characters, typing-rhythm gaps,
 * recorded keystrokes) decides when cadence cannot.
 */
final class TeleportRules {
  /** Kinds whose sessions have no terminal to judge (notes/06 edge cohort). */
  static final Set<String> NON_TERMINAL_KINDS = Set.of("kube", "db", "app", "desktop");

  // PTY-evidence fallback (used only when cadence is ambiguous or short); weights sum per side, decision at 0.5
  static final double EVIDENCE_DECISION = 0.5;
  static final double HUMAN_ECHO_W = 0.4;
  static final double HUMAN_EDITS_W = 0.3;
  static final double HUMAN_TYPING_GAP_W = 0.2;
  static final double HUMAN_IDLE_W = 0.1;
  static final double TYPING_GAP_MIN_MS = 50;
  static final double TYPING_GAP_MAX_MS = 600;
  static final double AGENT_NO_ECHO_W = 0.3;
  static final double AGENT_NO_EDITS_W = 0.2;
  static final double AGENT_MACHINE_GAP_W = 0.2;
  static final double MACHINE_GAP_MAX_MS = 20;
  // recorded keyboard input (asciicast "i" events): the keys themselves, stronger than their echo
  static final double HUMAN_TYPED_KEYS_W = 0.5;
  static final long TYPED_KEYS_MIN = 20;
  static final double TYPED_KEYS_MIN_SHARE = 0.5;
  static final double AGENT_WHOLE_LINE_INPUT_W = 0.2;
  static final long WHOLE_LINE_INPUT_MIN = 3;

  private final CadenceTable table;

  TeleportRules(CadenceTable table) {
    this.table = table;
  }

  void session(SessionFeatures f, Assessment a) {
    TeleportFeatures t = f.getTeleport();
    String kind = t.getKind().isEmpty() ? "ssh" : t.getKind();
    a.phase1(LabelKeys.SUBSTRATE_KIND, f.getSubstrate().isEmpty() ? LabelKeys.TELEPORT_RECORDING : f.getSubstrate());
    // a recording that failed part-way or never completed still has timing worth scoring; say so, then score it
    if (!t.getParseError().isEmpty()) {
      a.phase1(LabelKeys.COVERAGE_GAP, LabelKeys.GAP_RECORDING_UNREADABLE);
    } else if (!t.getRecordingPresent()) {
      a.phase1(LabelKeys.COVERAGE_GAP, f.hasCadence() ? LabelKeys.GAP_RECORDING_INCOMPLETE : LabelKeys.GAP_RECORDING_MISSING);
    }
    if (NON_TERMINAL_KINDS.contains(kind) || (t.getSingleShot() && !t.getPtyPresent())) {
      a.phase1(LabelKeys.ROUTING_COHORT, LabelKeys.COHORT_SINGLE_SHOT);
      a.operator(LabelKeys.UNKNOWN, 0.0);
      return;
    }
    a.ptySsh = "ssh".equals(kind) && t.getPtyPresent();
    if (!f.hasCadence()) {
      a.operator(LabelKeys.UNKNOWN, 0.0); // no timing to judge: a coverage gap, not a clean result
      return;
    }
    a.phase1(LabelKeys.ROUTING_COHORT, LabelKeys.COHORT_PHASE1_CADENCE);
    Long sessionEdits = t.getEditCharCount();
    CadenceVerdict whole = table.classify(f.getCadence(), sessionEdits);
    a.cadenceVerdict(whole);
    if (segments(f, a)) {
      return;
    }
    if (whole.isAgent() || whole.isHuman()) {
      a.operator(whole.isAgent() ? LabelKeys.AGENT : LabelKeys.HUMAN, whole.confidence());
      a.calibrated = !table.calibration().isNone();
      return;
    }
    ptyEvidence(t, f.getCadence(), a);
  }

  /**
   * Scores each change-point segment on its own; stamps cadence.segments and cadence.segment.N, and on a human/agent
   * disagreement cadence.handoff=true with operator.type=agent (an agent drove part of the session).
   *
   * @return whether the segments decided the operator
   */
  boolean segments(SessionFeatures f, Assessment a) {
    if (f.getSegmentsCount() < 2) {
      return false;
    }
    a.cadence(LabelKeys.CADENCE_SEGMENTS, Integer.toString(f.getSegmentsCount()));
    List<CadenceVerdict> verdicts = new ArrayList<>();
    for (int i = 0; i < f.getSegmentsCount(); i++) {
      CadenceVerdict v = table.classify(f.getSegments(i).getCadence(), null);
      verdicts.add(v);
      a.cadence(LabelKeys.CADENCE_SEGMENT_PREFIX + i, v.label()); // list position: segments arrive in time order
    }
    CadenceVerdict agent = verdicts.stream().filter(CadenceVerdict::isAgent)
        .max((x, y) -> Double.compare(x.confidence(), y.confidence())).orElse(null);
    boolean human = verdicts.stream().anyMatch(CadenceVerdict::isHuman);
    if (agent == null || !human) {
      return false;
    }
    a.handoff = true;
    a.cadence(LabelKeys.CADENCE_HANDOFF, "true");
    if (agent.isModel()) {
      a.cadence(LabelKeys.SUSPECTED_MODEL, agent.label());
    }
    a.suspicion(agent.suspicion());
    a.operator(LabelKeys.AGENT, agent.confidence());
    a.calibrated = !table.calibration().isNone();
    return true;
  }

  /** notes/06 evidence when cadence cannot decide: what a person at a terminal leaves vs what an agent does not. */
  static void ptyEvidence(TeleportFeatures t, CadenceFeatures c, Assessment a) {
    double human = 0;
    double agent = 0;
    boolean echoKnown = c != null && c.hasKeystrokeEchoFrac();
    if (echoKnown && c.getKeystrokeEchoFrac() >= CadenceProfiles.ECHO_HUMAN) {
      human += HUMAN_ECHO_W;
    }
    if (echoKnown && c.getKeystrokeEchoFrac() < CadenceProfiles.ECHO_NONE) {
      agent += AGENT_NO_ECHO_W;
    }
    if (t.getEditCharCount() >= CadenceProfiles.EDITS_MIN) {
      human += HUMAN_EDITS_W;
    } else if (t.getPrintChunks() >= 10) {
      agent += AGENT_NO_EDITS_W;
    }
    double gap = t.getMedianChunkGapMs();
    if (t.getPrintChunks() >= 2 && gap >= TYPING_GAP_MIN_MS && gap <= TYPING_GAP_MAX_MS) {
      human += HUMAN_TYPING_GAP_W;
    } else if (t.getPrintChunks() >= 10 && gap < MACHINE_GAP_MAX_MS) {
      agent += AGENT_MACHINE_GAP_W;
    }
    if (t.getIdleGapCount() > 0) {
      human += HUMAN_IDLE_W;
    }
    // a person's input is mostly single keys at typing pace; input that never is came whole from a program
    long inputs = t.getInputEvents();
    long typed = t.getTypedKeystrokes();
    if (typed >= TYPED_KEYS_MIN && typed >= TYPED_KEYS_MIN_SHARE * inputs) {
      human += HUMAN_TYPED_KEYS_W;
    } else if (inputs >= WHOLE_LINE_INPUT_MIN && typed == 0) {
      agent += AGENT_WHOLE_LINE_INPUT_W;
    }
    if (human >= EVIDENCE_DECISION && human > agent) {
      a.operator(LabelKeys.HUMAN, Math.min(1.0, human));
    } else if (agent >= EVIDENCE_DECISION && agent > human) {
      a.operator(LabelKeys.AGENT, Math.min(1.0, agent));
    } else {
      a.operator(LabelKeys.UNKNOWN, 0.0);
    }
  }
}
