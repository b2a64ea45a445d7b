package dev.whodrove.llm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The JSON answer the model must give, as a strict JSON Schema (every property required, nothing extra; "optional"
 * fields are nullable), and the vocabularies it draws from (docs/architecture.md §6).
 */
public final class AnswerSchema {
  public static final String NAME = "phase2_session_labels";

  public static final List<String> AGENT_TOOLS =
      List.of("claude-code", "codex", "gemini-cli", "cursor", "terminus", "other", "unknown");
  public static final List<String> WORK_KINDS =
      List.of("deploy", "debug", "exploration", "automation", "data-exfil", "unknown");

  public static final String F_AGENT_TOOL = "agent_tool";
  public static final String F_AGENT_TOOL_CONFIDENCE = "agent_tool_confidence";
  public static final String F_WORK_KIND = "work_kind";
  public static final String F_WORK_KIND_CONFIDENCE = "work_kind_confidence";
  public static final String F_SUSPECTED_MODEL = "suspected_model";
  public static final String F_SUSPECTED_MODEL_CONFIDENCE = "suspected_model_confidence";
  public static final String F_RATIONALE = "rationale";

  public static final List<String> FIELDS = List.of(F_AGENT_TOOL, F_AGENT_TOOL_CONFIDENCE, F_WORK_KIND,
      F_WORK_KIND_CONFIDENCE, F_SUSPECTED_MODEL, F_SUSPECTED_MODEL_CONFIDENCE, F_RATIONALE);

  public static final int RATIONALE_MAX = 200;

  private static final ObjectMapper JSON = new ObjectMapper();

  private AnswerSchema() {}

  /** The schema object for {@code response_format.json_schema.schema}. */
  public static ObjectNode schema() {
    ObjectNode s = JSON.createObjectNode();
    s.put("type", "object");
    ObjectNode p = s.putObject("properties");
    enumProp(p, F_AGENT_TOOL, AGENT_TOOLS, "Agent tool or harness that drove the session.");
    confidence(p, F_AGENT_TOOL_CONFIDENCE, false);
    enumProp(p, F_WORK_KIND, WORK_KINDS, "Kind of work done in the session.");
    confidence(p, F_WORK_KIND_CONFIDENCE, false);
    ObjectNode model = p.putObject(F_SUSPECTED_MODEL);
    model.putArray("type").add("string").add("null");
    model.put("description", "Model family that drove it (e.g. opus-4.6, gpt-5.5), or null when unsure.");
    confidence(p, F_SUSPECTED_MODEL_CONFIDENCE, true);
    ObjectNode why = p.putObject(F_RATIONALE);
    why.put("type", "string");
    why.put("description", "Why, in at most " + RATIONALE_MAX + " characters, citing the evidence.");
    ArrayNode required = s.putArray("required");
    FIELDS.forEach(required::add);
    s.put("additionalProperties", false);
    return s;
  }

  private static void enumProp(ObjectNode props, String name, List<String> values, String description) {
    ObjectNode e = props.putObject(name);
    e.put("type", "string");
    ArrayNode en = e.putArray("enum");
    values.forEach(en::add);
    e.put("description", description);
  }

  private static void confidence(ObjectNode props, String name, boolean nullable) {
    ObjectNode c = props.putObject(name);
    if (nullable) {
      c.putArray("type").add("number").add("null");
    } else {
      c.put("type", "number");
    }
    c.put("description", "Confidence in [0, 1].");
  }
}
