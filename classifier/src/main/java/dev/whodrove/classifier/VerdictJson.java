package dev.whodrove.classifier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The {@code session.labels.json} mirror: one JSON object per verdict with stable snake_case names, the labels as a
 * flat map, and the features behind them as {@code evidence}. Documented field by field in schemas/README.md; bump
 * {@link #SCHEMA_VERSION} on any incompatible change.
 */
public final class VerdictJson {
  public static final int SCHEMA_VERSION = 1;
  static final ObjectMapper MAPPER = new ObjectMapper();
  /** Per-minute buckets are bulky and live in sessions.sqlite; the session totals stay in the evidence. */
  private static final Set<String> SKIP = Set.of("buckets");
  private static final DateTimeFormatter ISO_MS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private VerdictJson() {}

  public static String render(SessionVerdict v) {
    return write(tree(v));
  }

  static ObjectNode tree(SessionVerdict v) {
    SessionFeatures f = v.getFeatures();
    ObjectNode o = MAPPER.createObjectNode();
    o.put("schema_version", SCHEMA_VERSION);
    o.put("session_id", v.getSessionId());
    o.put("substrate", v.getSubstrate());
    o.put("stage", v.getStage());
    o.put("user", f.getUser());
    o.put("started_at", iso(f.getStartedMs()));
    o.put("ended_at", iso(f.getEndedMs()));
    o.put("emitted_at", iso(v.getEmittedAtMs()));
    o.put("emitted_at_ms", v.getEmittedAtMs());
    ObjectNode labels = o.putObject("labels");
    ObjectNode setBy = o.putObject("label_set_by");
    for (Label l : v.getLabelsList()) {
      labels.put(l.getKey(), l.getValue());
      setBy.put(l.getKey(), l.getSetBy());
    }
    ObjectNode scores = o.putObject("cadence_scores");
    new TreeMap<>(v.getCadenceScoresMap()).forEach(scores::put);
    o.set("evidence", ProtoJsonTree.of(f, SKIP));
    return o;
  }

  static String write(ObjectNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render JSON", e); // a tree of plain nodes always renders
    }
  }

  /** ISO-8601 UTC with milliseconds, or null for an unset time. */
  static String iso(long epochMs) {
    return epochMs > 0 ? ISO_MS.format(Instant.ofEpochMilli(epochMs)) : null;
  }

  static Map<String, String> labelMap(SessionVerdict v) {
    Map<String, String> m = new TreeMap<>();
    v.getLabelsList().forEach(l -> m.put(l.getKey(), l.getValue()));
    return m;
  }
}
