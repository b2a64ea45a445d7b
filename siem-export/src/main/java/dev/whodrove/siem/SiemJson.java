package dev.whodrove.siem;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.MergedVerdict;
import dev.whodrove.schemas.v1.SessionFeatures;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The {@code session.labels.json} rendering, also the body of {@code GET /sessions/{id}}: one session's merged view
 * as a JSON object with stable snake_case names, the labels as flat maps, and the features behind them as
 * {@code evidence}. The field set of schema version 1 (as the classifier wrote it per verdict) is kept; the merge adds
 * {@code sequence} and {@code label_set_at}. Documented field by field in schemas/README.md; bump
 * {@link #SCHEMA_VERSION} on any incompatible change.
 */
public final class SiemJson {
  public static final int SCHEMA_VERSION = 1;
  static final ObjectMapper MAPPER = new ObjectMapper();
  /** Per-minute buckets are bulky and live in sessions.sqlite; the session totals stay in the evidence. */
  static final Set<String> SKIP = Set.of("buckets");
  private static final DateTimeFormatter ISO_MS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private SiemJson() {}

  public static String render(MergedVerdict v) {
    return write(tree(v));
  }

  static ObjectNode tree(MergedVerdict v) {
    SessionFeatures f = v.getFeatures();
    ObjectNode o = MAPPER.createObjectNode();
    o.put("schema_version", SCHEMA_VERSION);
    o.put("session_id", v.getSessionId());
    o.put("substrate", v.getSubstrate());
    o.put("stage", v.getLastStage());
    o.put("user", v.hasFeatures() ? f.getUser() : null);
    o.put("started_at", iso(f.getStartedMs()));
    o.put("ended_at", iso(f.getEndedMs()));
    o.put("emitted_at", iso(v.getUpdatedAtMs()));
    o.put("emitted_at_ms", v.getUpdatedAtMs());
    o.put("sequence", v.getSequence());
    ObjectNode labels = o.putObject("labels");
    ObjectNode setBy = o.putObject("label_set_by");
    ObjectNode setAt = o.putObject("label_set_at");
    for (Label l : v.getLabelsList()) {
      labels.put(l.getKey(), l.getValue());
      setBy.put(l.getKey(), l.getSetBy());
      setAt.put(l.getKey(), iso(l.getSetAtMs()));
    }
    ObjectNode scores = o.putObject("cadence_scores");
    new TreeMap<>(v.getCadenceScoresMap()).forEach(scores::put);
    if (v.hasFeatures()) {
      o.set("evidence", ProtoJsonTree.of(f, SKIP));
    } else {
      o.putNull("evidence"); // label-only stamps so far: the features have not arrived
    }
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

  static Map<String, String> labelMap(MergedVerdict v) {
    Map<String, String> m = new TreeMap<>();
    v.getLabelsList().forEach(l -> m.put(l.getKey(), l.getValue()));
    return m;
  }
}
