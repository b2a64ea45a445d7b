package dev.whodrove.ingest.gcp.bigquery;

import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.FieldList;
import com.google.cloud.bigquery.QueryParameterValue;
import com.google.cloud.bigquery.Schema;
import com.google.cloud.bigquery.TableId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The query that reads one window of a sink's audit table: only the columns a {@code GcpAuditEntry} needs (BigQuery
 * bills by the columns a query reads, so the request, response and metadata payloads are never touched), every one
 * named by a stable alias, and always pruned to the window: {@code timestamp} bounds for a partitioned table,
 * {@code _TABLE_SUFFIX} plus {@code timestamp} for date shards. Columns the table's schema lacks (a sink adds a
 * column only once an entry carried the field) are selected as typed NULLs, so the query never names one that is
 * not there. Records that hold nested fields (resource, authenticationInfo) come back as JSON text.
 *
 * @param sql the query text; the window bounds are the named parameters {@code @from} and {@code @until}
 * @param parameters named parameters
 * @param table what it reads (a table, or a {@code <base>_*} wildcard)
 */
record AuditRowQuery(String sql, Map<String, QueryParameterValue> parameters, TableId table) {

  /** The output columns, in order, and what each is made of in the export schema. */
  static final List<Column> COLUMNS = List.of(
      new Column("insert_id", "insertId", "STRING", "%s"),
      new Column("log_name", "logName", "STRING", "%s"),
      new Column("severity", "severity", "STRING", "%s"),
      new Column("timestamp", "timestamp", "STRING", "FORMAT_TIMESTAMP('%%Y-%%m-%%dT%%H:%%M:%%E6SZ', %s)"),
      new Column("receive_timestamp", "receiveTimestamp", "STRING",
          "FORMAT_TIMESTAMP('%%Y-%%m-%%dT%%H:%%M:%%E6SZ', %s)"),
      new Column("resource_json", "resource", "STRING", "TO_JSON_STRING(%s)"),
      new Column("service_name", "protopayload_auditlog.serviceName", "STRING", "%s"),
      new Column("method_name", "protopayload_auditlog.methodName", "STRING", "%s"),
      new Column("resource_name", "protopayload_auditlog.resourceName", "STRING", "%s"),
      new Column("authentication_json", "protopayload_auditlog.authenticationInfo", "STRING", "TO_JSON_STRING(%s)"),
      // only the granted flags: the rest of authorizationInfo is not needed and would be billed
      new Column("authorization_json", "protopayload_auditlog.authorizationInfo.granted", "STRING",
          "TO_JSON_STRING(ARRAY(SELECT AS STRUCT a.granted FROM UNNEST(protopayload_auditlog.authorizationInfo) AS a))"),
      new Column("caller_ip", "protopayload_auditlog.requestMetadata.callerIp", "STRING", "%s"),
      new Column("user_agent", "protopayload_auditlog.requestMetadata.callerSuppliedUserAgent", "STRING", "%s"),
      new Column("status_code", "protopayload_auditlog.status.code", "INT64", "%s"),
      new Column("status_message", "protopayload_auditlog.status.message", "STRING", "%s"));

  /**
   * One output column.
   *
   * @param alias its name in the result
   * @param path the export-schema column it reads
   * @param type its type in the result
   * @param expression how it is computed, {@code %s} standing for {@code path}
   */
  record Column(String alias, String path, String type, String expression) {}

  /** Window over a table partitioned on {@code timestamp}. */
  static AuditRowQuery partitioned(TableId table, Schema schema, Instant from, Instant until) {
    String where = "WHERE timestamp >= @from AND timestamp < @until";
    return new AuditRowQuery(text(table, schema, where), params(from, until), table);
  }

  /**
   * Window over date shards: the suffixes are generated here from the window (eight digits), so they are written
   * as literals, which BigQuery uses to pick the shards before it reads any.
   */
  static AuditRowQuery sharded(TableId wildcard, Schema schema, String firstDay, String lastDay, Instant from,
      Instant until) {
    if (!firstDay.matches("\\d{8}") || !lastDay.matches("\\d{8}")) {
      throw new IllegalArgumentException("not a shard suffix: " + firstDay + " / " + lastDay);
    }
    String where = "WHERE _TABLE_SUFFIX BETWEEN '" + firstDay + "' AND '" + lastDay + "'\n"
        + "  AND timestamp >= @from AND timestamp < @until";
    return new AuditRowQuery(text(wildcard, schema, where), params(from, until), wildcard);
  }

  private static Map<String, QueryParameterValue> params(Instant from, Instant until) {
    Map<String, QueryParameterValue> p = new LinkedHashMap<>();
    p.put("from", QueryParameterValue.timestamp(micros(from)));
    p.put("until", QueryParameterValue.timestamp(micros(until)));
    return p;
  }

  private static long micros(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000);
  }

  private static String text(TableId table, Schema schema, String where) {
    if (!has(schema.getFields(), "timestamp")) {
      throw new IllegalStateException(table.getTable() + " has no timestamp column: not a log sink table");
    }
    List<String> select = new ArrayList<>();
    for (Column c : COLUMNS) {
      String expr = has(schema.getFields(), c.path())
          ? c.expression().formatted(c.path()) : "CAST(NULL AS " + c.type() + ")";
      select.add("  " + expr + " AS " + c.alias());
    }
    return "SELECT\n" + String.join(",\n", select) + "\nFROM `" + table.getProject() + "." + table.getDataset() + "."
        + table.getTable() + "`\n" + where;
  }

  /** Whether the schema has the (dotted) column. */
  static boolean has(FieldList fields, String path) {
    FieldList level = fields;
    String[] parts = path.split("\\.");
    for (int i = 0; i < parts.length; i++) {
      Field f = find(level, parts[i]);
      if (f == null) {
        return false;
      }
      if (i < parts.length - 1) {
        level = f.getSubFields();
        if (level == null) {
          return false;
        }
      }
    }
    return true;
  }

  private static Field find(FieldList fields, String name) {
    if (fields == null) {
      return null;
    }
    for (Field f : fields) {
      if (f.getName().equalsIgnoreCase(name)) { // BigQuery column names are case-insensitive
        return f;
      }
    }
    return null;
  }

  /** The query as the dry-run and the log print it: its text and its parameters. */
  String describe() {
    StringBuilder b = new StringBuilder(sql);
    parameters.forEach((k, v) -> b.append("\n-- @").append(k).append(" = ").append(v.getValue()));
    return b.toString();
  }
}
