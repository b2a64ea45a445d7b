package dev.whodrove.classifier;

import dev.whodrove.classifier.GcpCallView.Rhythm;
import dev.whodrove.schemas.v1.GcpBurstFeatures;
import dev.whodrove.schemas.v1.GcpSessionFeatures;
import dev.whodrove.schemas.v1.MinuteBucket;
import dev.whodrove.schemas.v1.NameCount;
import dev.whodrove.schemas.v1.SessionFeatures;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * notes-gcp/06 phase 1 for GCP synthetic sessions and gcloud bursts: principal type, UA tool, impersonation, denials,
 * cohort routing, and the operator call from the call evidence (gcloud's terminal and script flags, the rhythm of its
 * invocations, the kind of client), an agent name in the UA, and — where nothing better exists — the notes/12 burst
 * cadence. Every call says which evidence decided it ({@code operator.evidence}); every unknown says why
 * ({@code operator.reason}). The rules and their order: docs/classifier.md, "GCP rules".
 */
final class GcpRules {
  /** Confidence of operator.type=agent when the UA itself names a coding agent. */
  static final double AGENT_UA_CONFIDENCE = 0.9;
  /** … and when the invocations (no terminal, tool-loop rhythm) agree. */
  static final double AGENT_UA_SUPPORTED_CONFIDENCE = 0.95;
  /** An agent driving gcloud through its shell: no terminal, tool-loop rhythm, several commands. */
  static final double SHELL_AGENT_CONFIDENCE = 0.8;
  static final int SHELL_AGENT_MIN_COMMANDS = 3;
  /** A person at a terminal with think time between commands; with a terminal but no rhythm to read. */
  static final double TTY_THINK_TIME_CONFIDENCE = 0.85;
  static final double TTY_ONLY_CONFIDENCE = 0.6;
  /** notes/12: a burst this dominated by one method is polling, not a driver. */
  static final double POLLING_SHARE = 0.95;
  /** A client kind (browser, IaC tool) or person delegation covers the unit from this share of its calls. */
  static final double MAJORITY = 0.5;
  /** iap-tunnel-only rule of the study's {@code whodrove-gcp} CLI: one minute bucket with at most this many calls. */
  static final long IAP_MAX_CALLS = 3;

  /** The operator call of one unit: type, confidence, the evidence that decided, why it stayed unknown. */
  record Call(String operator, double confidence, String evidence, String reason) {
    static Call agent(double confidence, String evidence) {
      return new Call(LabelKeys.AGENT, confidence, evidence, null);
    }

    static Call human(double confidence, String evidence) {
      return new Call(LabelKeys.HUMAN, confidence, evidence, null);
    }

    static Call unknown(String reason, String evidence) {
      return new Call(LabelKeys.UNKNOWN, 0.0, evidence, reason);
    }

    boolean isUnknown() {
      return LabelKeys.UNKNOWN.equals(operator);
    }
  }

  private final CadenceTable table;

  GcpRules(CadenceTable table) {
    this.table = table;
  }

  void session(SessionFeatures f, Assessment a) {
    GcpSessionFeatures g = f.getGcp();
    String principal = g.getPrincipal().isEmpty() ? f.getUser() : g.getPrincipal();
    String type = PrincipalType.of(principal);
    String tool = UaTool.forSession(g.getSampleUserAgent(), g.getUserAgentsList());
    GcpCallView view = new GcpCallView(g.getEvidence());
    a.phase1(LabelKeys.SUBSTRATE_KIND, LabelKeys.GCP_CLOUD_AUDIT);
    a.phase1(LabelKeys.GCP_SESSION_SYNTHESISED, "true");
    a.phase1(LabelKeys.GCP_PRINCIPAL_TYPE, type);
    a.phase1(LabelKeys.GCP_UA_TOOL, tool);
    int depth = Math.max(g.getMaxImpersonationDepth(), g.getImpersonationCalls() > 0 ? 1 : 0);
    a.phase1(LabelKeys.GCP_IMPERSONATION_DEPTH, Integer.toString(depth));
    a.phase1(LabelKeys.GCP_DENIALS_COUNT, Long.toString(g.getDeniedCalls()));
    String cohort = cohort(type, tool, g, view);
    a.phase1(LabelKeys.ROUTING_COHORT, cohort);
    Rhythm rhythm = rhythmOf(view);
    if (rhythm != null) {
      a.cadence(LabelKeys.CADENCE_LABEL, rhythm.cadenceLabel);
    }
    Call call = decide(tool, view, rhythm, false, null);
    apply(call, cohort, a);
    // phase 2 (notes-gcp/06): a person's privileged session, and sessions the rules could not settle; bursts are not
    // escalated, their entries are in the principal's synthetic session
    a.gcpPrivileged = isPerson(type, view)
        && (g.getEvidence().getPrivilegedCalls() > 0 || isGkeExec(methods(g)));
    a.gcpAmbiguous = call.isUnknown() && (LabelKeys.REASON_CONFLICTING.equals(call.reason())
        || rhythm == Rhythm.MIXED && view.flagged());
  }

  void burst(SessionFeatures f, Assessment a) {
    GcpBurstFeatures b = f.getBurst();
    String principal = b.getPrincipal().isEmpty() ? f.getUser() : b.getPrincipal();
    String type = PrincipalType.of(principal);
    String tool = UaTool.classify(b.getUserAgent().isEmpty() ? b.getSampleUserAgent() : b.getUserAgent());
    GcpCallView view = new GcpCallView(b.getEvidence());
    a.phase1(LabelKeys.SUBSTRATE_KIND, LabelKeys.GCP_GCLOUD_BURST);
    a.phase1(LabelKeys.GCP_SESSION_SYNTHESISED, "true");
    a.phase1(LabelKeys.GCP_PRINCIPAL_TYPE, type);
    a.phase1(LabelKeys.GCP_UA_TOOL, tool);
    String cohort = isMachine(type, view) ? LabelKeys.COHORT_SA_ONLY
        : isGkeExec(List.of(b.getDominantMethod())) || isGkeExec(b.getMethodExamplesList()) ? LabelKeys.COHORT_GKE_EXEC
        : LabelKeys.COHORT_PHASE1_CADENCE;
    a.phase1(LabelKeys.ROUTING_COHORT, cohort);
    boolean dominant = b.getDominantMethodShare() > POLLING_SHARE;
    Rhythm rhythm = rhythmOf(view);
    CadenceVerdict scored = null;
    if (dominant) {
      CadenceVerdict v = f.hasCadence() ? table.classify(f.getCadence(), null) : CadenceVerdict.insufficientData();
      a.cadenceVerdict(CadenceVerdict.polling(v.scores())); // scores stay as evidence; the label is not a driver
    } else if (rhythm != null) {
      a.cadence(LabelKeys.CADENCE_LABEL, rhythm.cadenceLabel); // invocations, not scaled API-call gaps
    } else if (f.hasCadence()) {
      scored = table.classify(f.getCadence(), null); // notes/12: gaps ÷ 8, when the UA carries no invocations
      a.cadenceVerdict(scored);
    }
    apply(decide(tool, view, rhythm, dominant, scored), cohort, a);
  }

  /** The rhythm of the unit's gcloud invocations, or null when its user agents carry none. */
  private static Rhythm rhythmOf(GcpCallView view) {
    return view.present() && view.hasInvocations() ? view.rhythm() : null;
  }

  /**
   * The operator call, first rule that applies wins.
   *
   * @param dominant one method is more than {@link #POLLING_SHARE} of a burst
   * @param scored the notes/12 scaled-cadence verdict of a burst without invocations, else null
   */
  static Call decide(String tool, GcpCallView v, Rhythm r, boolean dominant, CadenceVerdict scored) {
    if (dominant) {
      return Call.unknown(LabelKeys.REASON_POLLING, "dominant-method");
    }
    if (r == Rhythm.FIXED_INTERVAL) {
      return Call.unknown(LabelKeys.REASON_POLLING, "fixed-interval");
    }
    if (UaTool.isAgentTool(tool)) {
      // a client-supplied UA is spoofable: strong evidence, which a person's terminal and think time contradict
      if (v.tty() && r == Rhythm.THINK_TIME) {
        return Call.unknown(LabelKeys.REASON_CONFLICTING, "ua-agent-name.tty.think-time");
      }
      if (scored != null && scored.isHuman()) {
        return Call.unknown(LabelKeys.REASON_CONFLICTING, "ua-agent-name.cadence");
      }
      if (v.noTty() && r == Rhythm.TOOL_LOOP) {
        return Call.agent(AGENT_UA_SUPPORTED_CONFIDENCE, "ua-agent-name.no-tty.tool-loop");
      }
      return Call.agent(AGENT_UA_CONFIDENCE, "ua-agent-name");
    }
    if (v.browserShare() >= MAJORITY) {
      return Call.unknown(LabelKeys.REASON_CONSOLE, "browser-ua");
    }
    if ("terraform".equals(tool) || "pulumi".equals(tool) || v.iacShare() >= MAJORITY) {
      return Call.unknown(LabelKeys.REASON_SCRIPTED, "iac-ua");
    }
    if (v.flagged()) {
      return gcloud(v, r);
    }
    if (scored != null && (scored.isAgent() || scored.isHuman())) {
      return scored.isAgent() ? Call.agent(scored.confidence(), "cadence") : Call.human(scored.confidence(), "cadence");
    }
    return Call.unknown(LabelKeys.REASON_INSUFFICIENT, "none");
  }

  /** gcloud with its terminal and script flags: the flags and the invocation rhythm together. */
  private static Call gcloud(GcpCallView v, Rhythm r) {
    if (v.scriptShare() >= MAJORITY) {
      return Call.unknown(LabelKeys.REASON_SCRIPTED, "from-script");
    }
    if (r == Rhythm.BACK_TO_BACK) {
      return Call.unknown(LabelKeys.REASON_SCRIPTED, "back-to-back");
    }
    if (v.tty()) {
      if (r == Rhythm.THINK_TIME) {
        return Call.human(TTY_THINK_TIME_CONFIDENCE, "tty.think-time");
      }
      if (r == Rhythm.TOOL_LOOP) {
        // a quick person, or an agent driving a real terminal: the audit log cannot tell them apart
        return Call.unknown(LabelKeys.REASON_CONFLICTING, "tty.tool-loop");
      }
      return v.e.getInvocations() >= 2 ? Call.human(TTY_ONLY_CONFIDENCE, "tty")
          : Call.unknown(LabelKeys.REASON_INSUFFICIENT, "tty");
    }
    if (v.noTty()) {
      if (r == Rhythm.TOOL_LOOP && v.e.getDistinctCommands() >= SHELL_AGENT_MIN_COMMANDS) {
        double c = SHELL_AGENT_CONFIDENCE;
        if (v.e.getDistinctCommands() >= 5 || v.e.getCommandChanges() * 2 >= v.gaps()) {
          c += 0.05; // the command keeps changing: reasoning, not a loop
        }
        if (v.e.getEarlyDeniedCalls() > 0) {
          c += 0.05; // permissions probed early
        }
        return Call.agent(c, "no-tty.tool-loop");
      }
      if (r == Rhythm.THINK_TIME) {
        return Call.unknown(LabelKeys.REASON_CONFLICTING, "no-tty.think-time");
      }
      return Call.unknown(LabelKeys.REASON_INSUFFICIENT, r == Rhythm.TOOL_LOOP ? "no-tty.tool-loop" : "no-tty");
    }
    return Call.unknown(LabelKeys.REASON_CONFLICTING, "mixed-tty");
  }

  /** Stamps the call; an unknown without a more specific reason takes its cohort's when that explains it. */
  private static void apply(Call call, String cohort, Assessment a) {
    String reason = call.reason();
    if (call.isUnknown() && LabelKeys.REASON_INSUFFICIENT.equals(reason)
        && !LabelKeys.COHORT_PHASE1_CADENCE.equals(cohort)) {
      reason = cohort; // sa-only, gke-exec-opaque, iap-tunnel-only
    }
    a.operator(call.operator(), call.confidence());
    a.operatorEvidence = call.evidence();
    a.operatorReason = reason;
  }

  /** A person: a user or workforce identity, or a machine identity a person impersonates for most of its calls. */
  static boolean isPerson(String principalType, GcpCallView view) {
    return PrincipalType.USER.equals(principalType) || PrincipalType.WORKFORCE_FEDERATION.equals(principalType)
        || PrincipalType.isMachine(principalType) && !isMachine(principalType, view);
  }

  /** A machine identity, unless a person impersonates it for most of its calls. */
  static boolean isMachine(String principalType, GcpCallView view) {
    return PrincipalType.isMachine(principalType) && view.personDelegatedShare() < MAJORITY;
  }

  /** cohortFor of the study's {@code whodrove-gcp} CLI, first match wins, plus the GKE exec rule notes-gcp/06 names. */
  static String cohort(String principalType, String tool, GcpSessionFeatures g, GcpCallView view) {
    if (isMachine(principalType, view)) {
      return LabelKeys.COHORT_SA_ONLY;
    }
    if (UaTool.isAgentTool(tool)) {
      return LabelKeys.COHORT_PHASE1_CADENCE;
    }
    if (isGkeExec(methods(g))) {
      return LabelKeys.COHORT_GKE_EXEC; // the audit log shows the exec, never what was typed into it
    }
    if (g.getBucketsCount() == 1 && g.getCallCount() <= IAP_MAX_CALLS) {
      return LabelKeys.COHORT_IAP_TUNNEL;
    }
    return LabelKeys.COHORT_PHASE1_CADENCE;
  }

  private static List<String> methods(GcpSessionFeatures g) {
    List<String> methods = new ArrayList<>();
    for (MinuteBucket b : g.getBucketsList()) {
      for (NameCount m : b.getTopMethodsList()) {
        methods.add(m.getName());
      }
    }
    return methods;
  }

  static boolean isGkeExec(List<String> methods) {
    for (String m : methods) {
      String l = m.toLowerCase(Locale.ROOT);
      if (l.contains("pods.exec") || l.contains("pods/exec") || l.contains("pods.attach") || l.contains("pods/attach")) {
        return true;
      }
    }
    return false;
  }
}
