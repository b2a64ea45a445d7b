package dev.whodrove.siem;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.whodrove.schemas.labels.LabelMerge;
import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.MergedVerdict;
import dev.whodrove.schemas.v1.SessionFeatures;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The {@code session.findings.ocsf} rendering: one OCSF {@value #OCSF_VERSION} Detection Finding (class_uid 2004) per
 * change of a session's merged view, all under one {@code finding_info.uid} per session: activity Create for the
 * first, Update for every later one. Only attributes of class 2004 and its objects in OCSF {@value #OCSF_VERSION} are
 * used (checked by {@code OcsfConformanceTest} against the schema's attribute lists). Severity, status, confidence
 * and when a finding is rendered at all: siem-export/README.md.
 */
public final class OcsfFinding {
  public static final String OCSF_VERSION = "1.4.0";
  static final int CLASS_UID = 2004;
  static final int CATEGORY_UID = 2;
  public static final int ACTIVITY_CREATE = 1;
  public static final int ACTIVITY_UPDATE = 2;
  static final String PRODUCT = "whodrove";

  static final String OPERATOR_TYPE = "operator.type";
  static final String CONFIDENCE_OPERATOR_TYPE = "confidence.operator-type";
  static final String CADENCE_HANDOFF = "cadence.handoff";
  static final String SUSPECTED_MODEL = "agent.suspected_model";
  static final String AGENT_TOOL = "agent.tool";
  static final String WORK_KIND = "work.kind";
  static final String ROUTING_COHORT = "routing.cohort";
  static final String COVERAGE_GAP = "coverage.gap";

  private OcsfFinding() {}

  /**
   * The activity of the finding a change of {@code view} renders: Update once the session's finding was created;
   * else Create when the session has an operator call that is not a plain human one (operator.type=human without a
   * handoff), or that is one and {@code humanFindings} is set; else 0, no finding.
   */
  static int activity(MergedVerdict view, boolean humanFindings) {
    if (view.getFindingCreatedAtMs() > 0) {
      return ACTIVITY_UPDATE;
    }
    String operator = MergedViews.label(view, OPERATOR_TYPE);
    if (operator == null) {
      return 0; // nothing decided yet (only stamps of people or later stages so far)
    }
    boolean plainHuman = operator.equals("human") && !"true".equals(MergedViews.label(view, CADENCE_HANDOFF));
    return plainHuman && !humanFindings ? 0 : ACTIVITY_CREATE;
  }

  /** The finding's uid: one per session, whatever stage changed it. */
  static String findingUid(String sessionId) {
    return "whodrove:session:" + sessionId;
  }

  /** OCSF severity_id: 4 High for a handoff or an agent doing data-exfil work, 3 agent, 2 unknown, 1 human. */
  static int severityId(Map<String, String> labels) {
    String operator = labels.get(OPERATOR_TYPE);
    if ("true".equals(labels.get(CADENCE_HANDOFF))
        || "agent".equals(operator) && "data-exfil".equals(labels.get(WORK_KIND))) {
      return 4;
    }
    if (operator == null) {
      return 0;
    }
    return switch (operator) {
      case "agent" -> 3;
      case "human" -> 1;
      default -> 2;
    };
  }

  /** OCSF confidence_id from confidence.operator-type: ≥ 0.8 High (3), ≥ 0.5 Medium (2), else Low (1); none 0. */
  static int confidenceId(Double score) {
    if (score == null) {
      return 0;
    }
    return score >= 0.8 ? 3 : score >= 0.5 ? 2 : 1;
  }

  /**
   * OCSF status_id: 3 Suppressed when a person set operator.type=human (reviewed, benign), 2 In Progress when any
   * person's stamp is on the session, else 1 New.
   */
  static int statusId(MergedVerdict v) {
    Label operator = MergedViews.stamp(v, OPERATOR_TYPE);
    if (operator != null && LabelMerge.isManual(operator.getSetBy()) && operator.getValue().equals("human")) {
      return 3;
    }
    return v.getLabelsList().stream().anyMatch(l -> LabelMerge.isManual(l.getSetBy())) ? 2 : 1;
  }

  public static String render(MergedVerdict v, int activity, String release) {
    Map<String, String> labels = SiemJson.labelMap(v);
    SessionFeatures f = v.getFeatures();
    String operator = labels.getOrDefault(OPERATOR_TYPE, "unknown");
    boolean handoff = "true".equals(labels.get(CADENCE_HANDOFF));
    int severity = severityId(labels);
    Double score = score(labels.get(CONFIDENCE_OPERATOR_TYPE));
    int confidence = confidenceId(score);
    int status = statusId(v);
    String message = message(v.getSessionId(), operator, labels);
    String activityName = activity == ACTIVITY_CREATE ? "Create" : "Update";

    ObjectNode o = SiemJson.MAPPER.createObjectNode();
    o.put("class_uid", CLASS_UID);
    o.put("class_name", "Detection Finding");
    o.put("category_uid", CATEGORY_UID);
    o.put("category_name", "Findings");
    o.put("activity_id", activity);
    o.put("activity_name", activityName);
    o.put("type_uid", CLASS_UID * 100L + activity);
    o.put("type_name", "Detection Finding: " + activityName);
    o.put("time", v.getUpdatedAtMs());
    o.put("timezone_offset", 0);
    o.put("severity_id", severity);
    o.put("severity", switch (severity) {
      case 0 -> "Unknown";
      case 1 -> "Informational";
      case 2 -> "Low";
      case 3 -> "Medium";
      default -> "High";
    });
    o.put("status_id", status);
    o.put("status", switch (status) {
      case 1 -> "New";
      case 2 -> "In Progress";
      default -> "Suppressed";
    });
    o.put("is_alert", "agent".equals(operator) || handoff);
    o.put("confidence_id", confidence);
    o.put("confidence", switch (confidence) {
      case 0 -> "Unknown";
      case 1 -> "Low";
      case 2 -> "Medium";
      default -> "High";
    });
    if (score != null) {
      o.put("confidence_score", (int) Math.round(score * 100));
    }
    o.put("message", message);
    if (f.getStartedMs() > 0) {
      o.put("start_time", f.getStartedMs());
    }
    if (f.getEndedMs() > 0) {
      o.put("end_time", f.getEndedMs());
    }

    ObjectNode info = o.putObject("finding_info");
    info.put("uid", findingUid(v.getSessionId()));
    info.put("title", title(operator, handoff, labels.get(SUSPECTED_MODEL)));
    info.put("desc", message);
    ArrayNode types = info.putArray("types");
    types.add(OPERATOR_TYPE + "=" + operator);
    for (String key : new String[] {CADENCE_HANDOFF, SUSPECTED_MODEL, AGENT_TOOL, WORK_KIND}) {
      if (labels.containsKey(key)) {
        types.add(key + "=" + labels.get(key));
      }
    }
    if (!v.getSubstrate().isEmpty()) {
      info.putArray("data_sources").add(v.getSubstrate());
    }
    Label decided = MergedViews.stamp(v, OPERATOR_TYPE);
    String primary = decided != null ? decided.getSetBy() : v.getLastStage();
    info.set("analytic", analytic(primary));
    Set<String> others = new TreeSet<>();
    v.getLabelsList().forEach(l -> others.add(l.getSetBy()));
    others.remove(primary);
    if (!others.isEmpty()) {
      ArrayNode related = info.putArray("related_analytics");
      others.forEach(by -> related.add(analytic(by)));
    }
    if (f.getStartedMs() > 0) {
      info.put("first_seen_time", f.getStartedMs());
    }
    if (f.getEndedMs() > 0) {
      info.put("last_seen_time", f.getEndedMs());
    }
    info.put("created_time", activity == ACTIVITY_CREATE ? v.getUpdatedAtMs() : v.getFindingCreatedAtMs());
    info.put("modified_time", v.getUpdatedAtMs());

    ObjectNode meta = o.putObject("metadata");
    meta.put("version", OCSF_VERSION);
    meta.put("uid", v.getSessionId() + "/" + v.getSequence());
    meta.put("log_name", "session.labels");
    meta.put("log_provider", PRODUCT);
    ObjectNode product = meta.putObject("product");
    product.put("name", PRODUCT);
    product.put("vendor_name", PRODUCT);
    product.put("version", release);
    ArrayNode metaLabels = meta.putArray("labels");
    labels.forEach((k, val) -> metaLabels.add(k + "=" + val));

    String user = v.hasFeatures() && !f.getUser().isEmpty() ? f.getUser() : null;
    String host = f.hasTeleport() && !f.getTeleport().getServerHostname().isEmpty()
        ? f.getTeleport().getServerHostname() : null;
    if (v.hasFeatures()) {
      ObjectNode ev = o.putArray("evidences").addObject();
      if (user != null) {
        ev.putObject("actor").putObject("user").put("name", user);
      }
      ev.set("data", ProtoJsonTree.of(f, SiemJson.SKIP));
    }
    ObjectNode res = o.putArray("resources").addObject();
    res.put("uid", v.getSessionId());
    res.put("name", v.getSessionId());
    if (!v.getSubstrate().isEmpty()) {
      res.put("type", v.getSubstrate());
    }
    if (host != null) {
      res.put("hostname", host);
    }
    if (user != null) {
      res.putObject("owner").put("name", user);
    }
    if (host != null) {
      ObjectNode device = o.putObject("device");
      device.put("hostname", host);
      device.put("type_id", 1);
      device.put("type", "Server");
      if (!f.getTeleport().getServerId().isEmpty()) {
        device.put("uid", f.getTeleport().getServerId());
      }
    }
    ArrayNode observables = o.putArray("observables");
    observables.add(observable("resources[0].uid", 10, "Resource UID", v.getSessionId()));
    if (user != null) {
      observables.add(observable("actor.user.name", 4, "User Name", user));
    }
    if (host != null) {
      observables.add(observable("device.hostname", 1, "Hostname", host));
    }

    ObjectNode unmapped = o.putObject("unmapped");
    ObjectNode ul = unmapped.putObject("labels");
    labels.forEach(ul::put);
    ObjectNode by = unmapped.putObject("label_set_by");
    v.getLabelsList().forEach(l -> by.put(l.getKey(), l.getSetBy()));
    ObjectNode us = unmapped.putObject("cadence_scores");
    new TreeMap<>(v.getCadenceScoresMap()).forEach(us::put);
    return SiemJson.write(o);
  }

  /** The stage behind a stamp as an OCSF analytic: its kind by producer, uid the full set_by. */
  static ObjectNode analytic(String setBy) {
    ObjectNode a = SiemJson.MAPPER.createObjectNode();
    int at = setBy.indexOf('@');
    boolean manual = LabelMerge.isManual(setBy);
    a.put("uid", setBy);
    a.put("name", manual ? "manual review" : at > 0 ? setBy.substring(0, at) : setBy);
    if (!manual && at > 0) {
      a.put("version", setBy.substring(at + 1));
    }
    int typeId;
    String type;
    if (setBy.startsWith("phase1-classifier@")) {
      typeId = 1;
      type = "Rule";
    } else if (setBy.startsWith("cadence@")) {
      typeId = 3;
      type = "Statistical";
    } else if (setBy.startsWith("phase2-llm@")) {
      typeId = 4;
      type = "Learning (ML/DL)";
    } else {
      typeId = 99;
      type = manual ? "Manual review" : setBy.contains("correlator") ? "Correlation" : "Other";
    }
    a.put("type_id", typeId);
    a.put("type", type);
    return a;
  }

  private static ObjectNode observable(String name, int typeId, String type, String value) {
    ObjectNode n = SiemJson.MAPPER.createObjectNode();
    n.put("name", name);
    n.put("type_id", typeId);
    n.put("type", type);
    n.put("value", value);
    return n;
  }

  private static Double score(String value) {
    if (value == null) {
      return null;
    }
    try {
      double d = Double.parseDouble(value);
      return Double.isFinite(d) ? Math.max(0, Math.min(1, d)) : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static String title(String operator, boolean handoff, String model) {
    if (handoff) {
      return "Session handed over between a person and an AI agent";
    }
    return switch (operator) {
      case "agent" -> "Session driven by an AI agent" + (model == null ? "" : " (" + model + ")");
      case "human" -> "Session driven by a person";
      default -> "Session driver undetermined";
    };
  }

  private static String message(String sessionId, String operator, Map<String, String> labels) {
    StringBuilder sb = new StringBuilder("session ").append(sessionId).append(": operator.type=").append(operator);
    if (labels.containsKey(SUSPECTED_MODEL)) {
      sb.append(", suspected model ").append(labels.get(SUSPECTED_MODEL));
    }
    if (labels.containsKey(AGENT_TOOL)) {
      sb.append(", tool ").append(labels.get(AGENT_TOOL));
    }
    if (labels.containsKey(WORK_KIND)) {
      sb.append(", work ").append(labels.get(WORK_KIND));
    }
    if (labels.containsKey(ROUTING_COHORT)) {
      sb.append(", cohort ").append(labels.get(ROUTING_COHORT));
    }
    if (labels.containsKey(COVERAGE_GAP)) {
      sb.append(", coverage gap ").append(labels.get(COVERAGE_GAP));
    }
    return sb.toString();
  }
}
