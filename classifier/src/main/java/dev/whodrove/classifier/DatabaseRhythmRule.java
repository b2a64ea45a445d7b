package dev.whodrove.classifier;

import dev.whodrove.classifier.GcpCallView.Rhythm;
import dev.whodrove.schemas.v1.DatabaseActivity;
import dev.whodrove.schemas.v1.EventRhythm;
import dev.whodrove.schemas.v1.SessionFeatures;

/**
 * Database sessions have no terminal to read, but their statements arrive with times, and who sends them shows in
 * the rhythm as it does for gcloud invocations: an agent's tool loop sends a statement (or a burst of them) every
 * 2–40 s, one model turn each; a person at a SQL prompt thinks 10 s or more between statements; a script sends them
 * back to back; a poller repeats one kind at a steady interval. Statements less than 1 s apart count as one (a tool
 * call's batch, a driver's prepare/bind/execute). The thresholds are those of the gcloud invocation rhythm
 * ({@link GcpCallView}), except where the bands overlap: gcloud has a terminal flag to tell a quick person from an
 * agent, a database session has none, so a tool loop here also needs a mean gap of at most
 * {@value #TOOL_LOOP_MAX_MEAN_S} s (a model turn, not a person reading results and writing the next statement). With
 * fewer than {@value GcpCallView#MIN_GAPS} gaps the session keeps its cohort.
 */
final class DatabaseRhythmRule {
  static final double AGENT_CONFIDENCE = 0.8;
  static final double HUMAN_CONFIDENCE = 0.75;
  static final String EVIDENCE_PREFIX = "db.";
  static final double TOOL_LOOP_MAX_MEAN_S = 15;

  private DatabaseRhythmRule() {}

  /** @return whether the rhythm decided (the session is then scored, not routed to its cohort) */
  static boolean apply(SessionFeatures f, Assessment a) {
    if (!f.getTeleport().hasDb()) {
      return false;
    }
    DatabaseActivity d = f.getTeleport().getDb();
    Rhythm r = rhythm(d.getQueryRhythm(), d.getStatementKindsCount());
    a.cadence(LabelKeys.CADENCE_LABEL, r.cadenceLabel);
    if (r == Rhythm.TOO_FEW) {
      return false;
    }
    a.phase1(LabelKeys.ROUTING_COHORT, LabelKeys.COHORT_PHASE1_CADENCE);
    switch (r) {
      case TOOL_LOOP -> {
        a.operator(LabelKeys.AGENT, AGENT_CONFIDENCE);
        a.operatorEvidence = EVIDENCE_PREFIX + "tool-loop";
      }
      case THINK_TIME -> {
        a.operator(LabelKeys.HUMAN, HUMAN_CONFIDENCE);
        a.operatorEvidence = EVIDENCE_PREFIX + "think-time";
      }
      case FIXED_INTERVAL -> unknown(a, "fixed-interval", LabelKeys.REASON_POLLING);
      case BACK_TO_BACK -> unknown(a, "back-to-back", LabelKeys.REASON_SCRIPTED);
      default -> unknown(a, "mixed", LabelKeys.REASON_INSUFFICIENT);
    }
    return true;
  }

  private static void unknown(Assessment a, String evidence, String reason) {
    a.operator(LabelKeys.UNKNOWN, 0.0);
    a.operatorEvidence = EVIDENCE_PREFIX + evidence;
    a.operatorReason = reason;
  }

  /** The rhythm of the statement bursts, with the gcloud invocation thresholds. */
  static Rhythm rhythm(EventRhythm e, int statementKinds) {
    long n = e.getGapsLt2S() + e.getGaps210S() + e.getGaps1040S() + e.getGaps40120S() + e.getGapsGe120S();
    if (n < GcpCallView.MIN_GAPS) {
      return Rhythm.TOO_FEW;
    }
    double lt2 = (double) e.getGapsLt2S() / n;
    double loop = (double) (e.getGaps210S() + e.getGaps1040S()) / n;
    double longPauses = (double) (e.getGaps40120S() + e.getGapsGe120S()) / n;
    double think = (double) (e.getGaps1040S() + e.getGaps40120S() + e.getGapsGe120S()) / n;
    if (statementKinds == 1 && e.getGapCv() < GcpCallView.FIXED_INTERVAL_CV && e.getGapMeanS() >= 1) {
      return Rhythm.FIXED_INTERVAL;
    }
    if (lt2 >= GcpCallView.BACK_TO_BACK_SHARE) {
      return Rhythm.BACK_TO_BACK;
    }
    boolean toolLoop = lt2 <= GcpCallView.FEW_BACK_TO_BACK && loop >= GcpCallView.TOOL_LOOP_SHARE
        && longPauses <= GcpCallView.LONG_PAUSE_SHARE;
    boolean thinkTime = lt2 <= GcpCallView.FEW_BACK_TO_BACK && think >= GcpCallView.THINK_TIME_SHARE;
    if (toolLoop && e.getGapMeanS() <= TOOL_LOOP_MAX_MEAN_S) {
      return Rhythm.TOOL_LOOP;
    }
    return thinkTime ? Rhythm.THINK_TIME : Rhythm.MIXED;
  }
}
