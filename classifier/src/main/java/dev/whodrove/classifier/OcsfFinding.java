package dev.whodrove.classifier;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.util.Map;
import java.util.Set;

/**
 * The {@code session.findings.ocsf} rendering: an OCSF 1.3 Detection Finding (class_uid 2004) per verdict. Phase-1
 * verdicts are activity Create; stamps from later stages of the same session would be Update.
 */
public final class OcsfFinding {
  static final String OCSF_VERSION = "1.3.0";
  static final int CLASS_UID = 2004;
  static final int CATEGORY_UID = 2;
  static final int ACTIVITY_CREATE = 1;
  static final int ACTIVITY_UPDATE = 2;
  private static final Set<String> SKIP = Set.of("buckets");

  private OcsfFinding() {}

  public static String render(SessionVerdict v, String phase1Stage) {
    Map<String, String> labels = VerdictJson.labelMap(v);
    SessionFeatures f = v.getFeatures();
    String operator = labels.getOrDefault(LabelKeys.OPERATOR_TYPE, LabelKeys.UNKNOWN);
    boolean handoff = "true".equals(labels.get(LabelKeys.CADENCE_HANDOFF));
    int activity = v.getStage().equals(phase1Stage) ? ACTIVITY_CREATE : ACTIVITY_UPDATE;
    int severity = handoff ? 4 : LabelKeys.AGENT.equals(operator) ? 3 : LabelKeys.HUMAN.equals(operator) ? 1 : 2;

    ObjectNode o = VerdictJson.MAPPER.createObjectNode();
    o.put("class_uid", CLASS_UID);
    o.put("class_name", "Detection Finding");
    o.put("category_uid", CATEGORY_UID);
    o.put("category_name", "Findings");
    o.put("activity_id", activity);
    o.put("activity_name", activity == ACTIVITY_CREATE ? "Create" : "Update");
    o.put("type_uid", CLASS_UID * 100 + activity);
    o.put("type_name", "Detection Finding: " + (activity == ACTIVITY_CREATE ? "Create" : "Update"));
    o.put("time", v.getEmittedAtMs());
    o.put("severity_id", severity);
    o.put("severity", switch (severity) {
      case 1 -> "Informational";
      case 2 -> "Low";
      case 3 -> "Medium";
      default -> "High";
    });
    o.put("status_id", 1);
    o.put("status", "New");
    o.put("is_alert", LabelKeys.AGENT.equals(operator));
    o.put("confidence_score", (int) Math.round(confidence(labels) * 100));
    o.put("message", message(v.getSessionId(), operator, labels));

    ObjectNode info = o.putObject("finding_info");
    info.put("uid", v.getSessionId() + "/" + v.getStage());
    info.put("title", "Session driven by: " + operator);
    info.put("desc", message(v.getSessionId(), operator, labels));
    ArrayNode types = info.putArray("types");
    types.add("operator.type=" + operator);
    if (labels.containsKey(LabelKeys.SUSPECTED_MODEL)) {
      types.add("agent.suspected_model=" + labels.get(LabelKeys.SUSPECTED_MODEL));
    }
    info.putArray("data_sources").add(v.getSubstrate());
    ObjectNode analytic = info.putObject("analytic");
    analytic.put("name", v.getStage());
    analytic.put("type_id", 1);
    analytic.put("type", "Rule");
    analytic.put("uid", v.getStage());
    if (f.getStartedMs() > 0) {
      info.put("first_seen_time", f.getStartedMs());
    }
    if (f.getEndedMs() > 0) {
      info.put("last_seen_time", f.getEndedMs());
    }

    ObjectNode meta = o.putObject("metadata");
    meta.put("version", OCSF_VERSION);
    ObjectNode product = meta.putObject("product");
    product.put("name", "whodrove");
    product.put("vendor_name", "whodrove");
    product.put("version", v.getStage());
    ArrayNode metaLabels = meta.putArray("labels");
    labels.forEach((k, val) -> metaLabels.add(k + "=" + val));

    ArrayNode evidences = o.putArray("evidences");
    ObjectNode ev = evidences.addObject();
    ev.putObject("actor").putObject("user").put("name", f.getUser());
    ev.set("data", ProtoJsonTree.of(f, SKIP));

    ArrayNode resources = o.putArray("resources");
    ObjectNode res = resources.addObject();
    res.put("uid", v.getSessionId());
    res.put("type", v.getSubstrate());

    ObjectNode unmapped = o.putObject("unmapped");
    ObjectNode ul = unmapped.putObject("labels");
    labels.forEach(ul::put);
    ObjectNode us = unmapped.putObject("cadence_scores");
    new java.util.TreeMap<>(v.getCadenceScoresMap()).forEach(us::put);
    return VerdictJson.write(o);
  }

  private static double confidence(Map<String, String> labels) {
    try {
      return Double.parseDouble(labels.getOrDefault(LabelKeys.CONFIDENCE_OPERATOR_TYPE, "0"));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static String message(String sessionId, String operator, Map<String, String> labels) {
    StringBuilder sb = new StringBuilder("session ").append(sessionId).append(": operator.type=").append(operator);
    if (labels.containsKey(LabelKeys.SUSPECTED_MODEL)) {
      sb.append(", suspected model ").append(labels.get(LabelKeys.SUSPECTED_MODEL));
    }
    if (labels.containsKey(LabelKeys.ROUTING_COHORT)) {
      sb.append(", cohort ").append(labels.get(LabelKeys.ROUTING_COHORT));
    }
    if (labels.containsKey(LabelKeys.COVERAGE_GAP)) {
      sb.append(", coverage gap ").append(labels.get(LabelKeys.COVERAGE_GAP));
    }
    return sb.toString();
  }
}
