package dev.whodrove.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Who really drove a session, as {@code truth.*} labels, read from JSON lines (or one JSON object per file) in either
 * shape:
 *
 * <ul>
 *   <li>the simulator's {@code truth.jsonl}: {@code {"session_id", "operator", "model", "profile", ...}};
 *   <li>a harvester sidecar: {@code {"session_id", "labels": {"operator.type", "agent.model", "agent.tool",
 *       "fixture.*"}}}.
 * </ul>
 *
 * Keys become {@code truth.operator}, {@code truth.model} and {@code truth.<other key>}; lines without a session id
 * (the simulator's GCP principals) are skipped.
 */
final class TruthLabels {
  static final String PREFIX = "truth.";
  static final String OPERATOR = "truth.operator";
  static final String MODEL = "truth.model";
  private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.ALLOW_COMMENTS);

  private TruthLabels() {}

  /**
   * Session id → truth labels, in file order.
   *
   * @throws IllegalArgumentException naming the file and line of the first bad record
   */
  static Map<String, Map<String, String>> read(Path file) throws IOException {
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    String text = Files.readString(file);
    String trimmed = text.strip();
    if (trimmed.startsWith("{") && !trimmed.contains("\n{") && trimmed.contains("\n")) {
      // one pretty-printed object (a sidecar .labels.json)
      add(out, parse(trimmed, file, 1), file, 1);
      return out;
    }
    int lineNo = 0;
    for (String line : text.split("\n")) {
      lineNo++;
      if (line.isBlank()) {
        continue;
      }
      add(out, parse(line, file, lineNo), file, lineNo);
    }
    return out;
  }

  private static JsonNode parse(String json, Path file, int line) {
    try {
      JsonNode n = JSON.readTree(json);
      if (n == null || !n.isObject()) {
        throw new IllegalArgumentException(file + ":" + line + ": expected a JSON object");
      }
      return n;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(file + ":" + line + ": not JSON (" + e.getOriginalMessage() + ")");
    }
  }

  private static void add(Map<String, Map<String, String>> out, JsonNode n, Path file, int line) {
    String sid = n.path("session_id").asText("");
    if (sid.isEmpty()) {
      return;
    }
    Map<String, String> t = new LinkedHashMap<>();
    JsonNode labels = n.get("labels");
    if (labels != null && labels.isObject()) {
      labels.fields().forEachRemaining(e -> put(t, e.getKey(), e.getValue()));
    }
    Iterator<Map.Entry<String, JsonNode>> it = n.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getKey().equals("labels") && !e.getKey().equals("session_id") && !e.getKey().equals("recording_path")) {
        put(t, e.getKey(), e.getValue());
      }
    }
    String op = t.get(OPERATOR);
    if (op == null || !(op.equals("human") || op.equals("agent") || op.equals("unknown"))) {
      throw new IllegalArgumentException(file + ":" + line + ": session " + sid + ": operator must be human, agent"
          + " or unknown, not " + (op == null ? "missing" : "'" + op + "'"));
    }
    out.put(sid, t);
  }

  private static void put(Map<String, String> t, String key, JsonNode v) {
    if (v == null || v.isNull() || v.isContainerNode()) {
      return;
    }
    String value = v.asText();
    String k = switch (key) {
      case "operator", "operator.type" -> OPERATOR;
      case "model", "agent.model" -> MODEL;
      default -> key.startsWith(PREFIX) ? key : PREFIX + key;
    };
    if (k.equals(MODEL) && value.isEmpty()) {
      return;
    }
    t.put(k, value);
  }
}
