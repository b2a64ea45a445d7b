package dev.whodrove.ingest.gcp.bigquery;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.FieldValue;
import com.google.cloud.bigquery.FieldValueList;
import com.google.cloud.bigquery.Schema;
import dev.whodrove.ingest.gcp.AuditLogParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns a row of {@link AuditRowQuery} back into the Cloud Logging {@code LogEntry} JSON it was exported from, so that
 * BigQuery rows go through the same {@link AuditLogParser} as Pub/Sub messages and archive lines.
 *
 * <p>Two steps: {@link #toJson} renders the row as BigQuery returned it (one JSON object, column alias to value;
 * what a dead letter keeps as the original), and {@link #toLogEntry} maps that object to a {@code LogEntry}: the
 * export's {@code protopayload_auditlog} becomes a {@code protoPayload} typed as an AuditLog (only AuditLog entries go
 * to that column), and fields the export stores as JSON text because they are {@code google.protobuf.Struct}s in the
 * AuditLog proto ({@code thirdPartyPrincipalJson}, {@code serviceMetadataJson}, {@code thirdPartyClaimsJson}) get
 * their proto names and their JSON back.
 */
public final class AuditRows {
  /** {@link dev.whodrove.schemas.v1.SourcePosition#getSource()} of entries read from BigQuery. */
  public static final String SOURCE = "bigquery";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String JSON_SUFFIX = "Json";

  private AuditRows() {}

  /** The row as JSON: each column by its alias, INT64 columns as numbers, NULL as null. */
  static byte[] toJson(FieldValueList row, Schema schema) {
    ObjectNode o = JSON.createObjectNode();
    List<Field> fields = schema.getFields();
    for (int i = 0; i < fields.size() && i < row.size(); i++) {
      Field f = fields.get(i);
      FieldValue v = row.get(i);
      if (v.isNull()) {
        o.putNull(f.getName());
      } else if (v.getAttribute() == FieldValue.Attribute.PRIMITIVE) {
        String s = v.getStringValue();
        String type = f.getType().getStandardType().name();
        if (type.equals("INT64")) {
          try {
            o.put(f.getName(), Long.parseLong(s));
          } catch (NumberFormatException e) {
            o.put(f.getName(), s);
          }
        } else {
          o.put(f.getName(), s);
        }
      } else {
        o.put(f.getName(), String.valueOf(v.getValue())); // the query selects scalars only
      }
    }
    try {
      return JSON.writeValueAsBytes(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The {@code LogEntry} JSON of a row rendered by {@link #toJson}.
   *
   * @throws IllegalArgumentException when {@code row} is not such a row (not JSON, not an object)
   */
  public static byte[] toLogEntry(byte[] row) {
    JsonNode r;
    try {
      r = JSON.readTree(row);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("not a BigQuery row: " + dev.whodrove.runtime.Errors.oneLine(e));
    }
    if (r == null || !r.isObject()) {
      throw new IllegalArgumentException("not a BigQuery row: not a JSON object");
    }
    ObjectNode e = JSON.createObjectNode();
    copyText(r, "insert_id", e, "insertId");
    copyText(r, "log_name", e, "logName");
    copyText(r, "severity", e, "severity");
    copyText(r, "timestamp", e, "timestamp");
    copyText(r, "receive_timestamp", e, "receiveTimestamp");
    JsonNode resource = embedded(r, "resource_json");
    if (resource != null) {
      e.set("resource", resource);
    }
    ObjectNode p = e.putObject("protoPayload");
    p.put("@type", AuditLogParser.AUDIT_LOG_TYPE);
    copyText(r, "service_name", p, "serviceName");
    copyText(r, "method_name", p, "methodName");
    copyText(r, "resource_name", p, "resourceName");
    JsonNode authn = embedded(r, "authentication_json");
    if (authn != null) {
      p.set("authenticationInfo", restoreStructs(authn));
    }
    JsonNode authz = embedded(r, "authorization_json");
    if (authz != null) {
      p.set("authorizationInfo", authz);
    }
    ObjectNode md = JSON.createObjectNode();
    copyText(r, "caller_ip", md, "callerIp");
    copyText(r, "user_agent", md, "callerSuppliedUserAgent");
    if (!md.isEmpty()) {
      p.set("requestMetadata", md);
    }
    JsonNode code = r.get("status_code");
    JsonNode message = r.get("status_message");
    if (present(code) || present(message)) {
      ObjectNode st = p.putObject("status");
      if (present(code)) {
        st.set("code", code);
      }
      if (present(message)) {
        st.set("message", message);
      }
    }
    try {
      return JSON.writeValueAsBytes(e);
    } catch (JsonProcessingException x) {
      throw new IllegalStateException(x);
    }
  }

  private static boolean present(JsonNode n) {
    return n != null && !n.isNull();
  }

  private static void copyText(JsonNode from, String column, ObjectNode to, String field) {
    JsonNode v = from.get(column);
    if (present(v)) {
      to.put(field, v.asText());
    }
  }

  /** A column that holds JSON text (TO_JSON_STRING of a record), parsed; null when NULL. */
  private static JsonNode embedded(JsonNode row, String column) {
    JsonNode v = row.get(column);
    if (!present(v)) {
      return null;
    }
    if (!v.isTextual()) {
      return v;
    }
    try {
      return JSON.readTree(v.asText());
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("column " + column + " is not JSON: " + e.getOriginalMessage());
    }
  }

  /** Undoes the export's {@code <field>Json} text columns of Struct fields, at any depth. */
  private static JsonNode restoreStructs(JsonNode n) {
    if (n.isArray()) {
      ArrayNode out = JSON.createArrayNode();
      n.forEach(c -> out.add(restoreStructs(c)));
      return out;
    }
    if (!n.isObject()) {
      return n;
    }
    ObjectNode out = JSON.createObjectNode();
    List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
    n.properties().forEach(fields::add);
    for (Map.Entry<String, JsonNode> f : fields) {
      String name = f.getKey();
      JsonNode v = f.getValue();
      if (name.endsWith(JSON_SUFFIX) && name.length() > JSON_SUFFIX.length() && v.isTextual()) {
        try {
          out.set(name.substring(0, name.length() - JSON_SUFFIX.length()), JSON.readTree(v.asText()));
          continue;
        } catch (JsonProcessingException e) {
          // not JSON after all: keep the field as it is
        }
      }
      out.set(name, restoreStructs(v));
    }
    return out;
  }
}
