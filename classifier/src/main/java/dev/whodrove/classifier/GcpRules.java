package dev.whodrove.classifier;

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
 * cohort routing, and the operator call (agent UA, else cadence where there is cadence to score).
 */
final class GcpRules {
  /** Confidence of operator.type=agent when the UA itself names a coding agent. */
  static final double AGENT_UA_CONFIDENCE = 0.9;
  /** notes/12: a burst this dominated by one method is polling, not a driver. */
  static final double POLLING_SHARE = 0.95;
  /** iap-tunnel-only rule of the study's {@code whodrove-gcp} CLI: one minute bucket with at most this many calls. */
  static final long IAP_MAX_CALLS = 3;

  private final CadenceTable table;

  GcpRules(CadenceTable table) {
    this.table = table;
  }

  void session(SessionFeatures f, Assessment a) {
    GcpSessionFeatures g = f.getGcp();
    String principal = g.getPrincipal().isEmpty() ? f.getUser() : g.getPrincipal();
    String type = PrincipalType.of(principal);
    String tool = UaTool.forSession(g.getSampleUserAgent(), g.getUserAgentsList());
    a.phase1(LabelKeys.SUBSTRATE_KIND, LabelKeys.GCP_CLOUD_AUDIT);
    a.phase1(LabelKeys.GCP_SESSION_SYNTHESISED, "true");
    a.phase1(LabelKeys.GCP_PRINCIPAL_TYPE, type);
    a.phase1(LabelKeys.GCP_UA_TOOL, tool);
    int depth = Math.max(g.getMaxImpersonationDepth(), g.getImpersonationCalls() > 0 ? 1 : 0);
    a.phase1(LabelKeys.GCP_IMPERSONATION_DEPTH, Integer.toString(depth));
    a.phase1(LabelKeys.GCP_DENIALS_COUNT, Long.toString(g.getDeniedCalls()));
    a.phase1(LabelKeys.ROUTING_COHORT, cohort(type, tool, g));
    operator(f, tool, false, a);
  }

  void burst(SessionFeatures f, Assessment a) {
    GcpBurstFeatures b = f.getBurst();
    String principal = b.getPrincipal().isEmpty() ? f.getUser() : b.getPrincipal();
    String type = PrincipalType.of(principal);
    String tool = UaTool.classify(b.getUserAgent());
    a.phase1(LabelKeys.SUBSTRATE_KIND, LabelKeys.GCP_GCLOUD_BURST);
    a.phase1(LabelKeys.GCP_SESSION_SYNTHESISED, "true");
    a.phase1(LabelKeys.GCP_PRINCIPAL_TYPE, type);
    a.phase1(LabelKeys.GCP_UA_TOOL, tool);
    String cohort = PrincipalType.isMachine(type) ? LabelKeys.COHORT_SA_ONLY
        : isGkeExec(List.of(b.getDominantMethod())) || isGkeExec(b.getMethodExamplesList()) ? LabelKeys.COHORT_GKE_EXEC
        : LabelKeys.COHORT_PHASE1_CADENCE;
    a.phase1(LabelKeys.ROUTING_COHORT, cohort);
    operator(f, tool, b.getDominantMethodShare() > POLLING_SHARE, a);
  }

  /** cohortFor of the study's {@code whodrove-gcp} CLI, first match wins, plus the GKE exec rule notes-gcp/06 names. */
  static String cohort(String principalType, String tool, GcpSessionFeatures g) {
    if (PrincipalType.isMachine(principalType)) {
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

  private void operator(SessionFeatures f, String tool, boolean polling, Assessment a) {
    CadenceVerdict v = null;
    if (f.hasCadence() || polling) {
      v = f.hasCadence() ? table.classify(f.getCadence(), null) : CadenceVerdict.insufficientData();
      if (polling) {
        v = CadenceVerdict.polling(v.scores()); // scores stay as evidence; the label is not a driver
      }
      a.cadenceVerdict(v);
    }
    if (UaTool.isAgentTool(tool)) {
      a.operator(LabelKeys.AGENT, AGENT_UA_CONFIDENCE);
    } else if (v != null && (v.isAgent() || v.isHuman())) {
      a.operator(v.isAgent() ? LabelKeys.AGENT : LabelKeys.HUMAN, v.confidence());
    } else {
      a.operator(LabelKeys.UNKNOWN, 0.0);
    }
  }
}
