package dev.whodrove.ingest.gcp.bigquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.bigquery.BigQueryError;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.LegacySQLTypeName;
import com.google.cloud.bigquery.Schema;
import com.google.cloud.bigquery.TableId;
import dev.whodrove.ingest.gcp.AuditLogParser;
import dev.whodrove.ingest.gcp.ParseOutcome;
import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.ServiceConfig;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The BigQuery source's small parts: failure kinds, the query text, rows back to entries, settings. */
class BigQueryPartsTest {

  private static BigQueryException http(int code, String reason) {
    return new BigQueryException(code, "message", new BigQueryError(reason, "global", "message"));
  }

  @Test
  void aForbiddenIsAQuotaOrARefusalByItsReason() {
    assertThat(QueryFailure.of(http(403, "quotaExceeded"))).isEqualTo(QueryFailure.QUOTA);
    assertThat(QueryFailure.of(http(403, "rateLimitExceeded"))).isEqualTo(QueryFailure.QUOTA);
    assertThat(QueryFailure.of(http(429, null))).isEqualTo(QueryFailure.QUOTA);
    assertThat(QueryFailure.of(http(403, "accessDenied"))).isEqualTo(QueryFailure.ACCESS_DENIED);
    assertThat(QueryFailure.of(http(401, null))).isEqualTo(QueryFailure.ACCESS_DENIED);
    assertThat(QueryFailure.of(http(403, "billingNotEnabled"))).isEqualTo(QueryFailure.INVALID);
    assertThat(QueryFailure.of(http(503, "backendError"))).isEqualTo(QueryFailure.TRANSIENT);
    assertThat(QueryFailure.of(new RuntimeException(new BigQueryException(List.of(
        new BigQueryError("bytesBilledLimitExceeded", "", "Query exceeded limit for bytes billed")))))).isEqualTo(
        QueryFailure.BYTES_LIMIT);
    assertThat(QueryFailure.of(http(400, "invalidQuery"))).isEqualTo(QueryFailure.INVALID);
    assertThat(QueryFailure.describe(http(403, "quotaExceeded"))).isEqualTo("BigQuery 403 quotaExceeded: message");
  }

  @Test
  void theQuerySelectsOnlyColumnsTheSchemaHasAndIsAlwaysPruned() {
    Schema schema = Schema.of(Field.of("timestamp", LegacySQLTypeName.TIMESTAMP),
        Field.of("insertId", LegacySQLTypeName.STRING),
        Field.of("protopayload_auditlog", LegacySQLTypeName.RECORD,
            Field.of("methodName", LegacySQLTypeName.STRING),
            Field.of("requestMetadata", LegacySQLTypeName.RECORD, Field.of("callerIp", LegacySQLTypeName.STRING))));
    TableId t = TableId.of("audit-logging-prj", "logs", "cloudaudit_googleapis_com_activity");
    AuditRowQuery q = AuditRowQuery.partitioned(t, schema, Instant.parse("2024-05-01T00:00:00Z"),
        Instant.parse("2024-05-02T00:00:00Z"));
    assertThat(q.sql()).contains("protopayload_auditlog.methodName AS method_name")
        .contains("protopayload_auditlog.requestMetadata.callerIp AS caller_ip")
        .contains("CAST(NULL AS STRING) AS user_agent").contains("CAST(NULL AS INT64) AS status_code")
        .contains("CAST(NULL AS STRING) AS authentication_json")
        .contains("FROM `audit-logging-prj.logs.cloudaudit_googleapis_com_activity`")
        .endsWith("WHERE timestamp >= @from AND timestamp < @until");
    assertThat(q.parameters()).containsOnlyKeys("from", "until");
    AuditRowQuery s = AuditRowQuery.sharded(TableId.of("p-12345", "logs", "x_*"), schema, "20240501", "20240502",
        Instant.parse("2024-05-01T23:00:00Z"), Instant.parse("2024-05-02T01:00:00Z"));
    assertThat(s.sql()).contains("_TABLE_SUFFIX BETWEEN '20240501' AND '20240502'");
    assertThatThrownBy(() -> AuditRowQuery.sharded(t, schema, "2024' OR '1", "20240502", Instant.EPOCH, Instant.EPOCH))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AuditRowQuery.partitioned(t, Schema.of(Field.of("x", LegacySQLTypeName.STRING)),
        Instant.EPOCH, Instant.EPOCH)).hasMessageContaining("no timestamp column");
  }

  @Test
  void aRowBecomesItsLogEntryWithStructFieldsRestored() {
    String row = "{\"insert_id\":\"i1\",\"log_name\":\"projects/p1/logs/cloudaudit.googleapis.com%2Factivity\","
        + "\"severity\":\"NOTICE\",\"timestamp\":\"2024-05-01T10:00:00.123456Z\",\"receive_timestamp\":null,"
        + "\"resource_json\":\"{\\\"type\\\":\\\"gce_instance\\\",\\\"labels\\\":{\\\"project_id\\\":\\\"p1\\\","
        + "\\\"zone\\\":null}}\",\"service_name\":\"compute.googleapis.com\",\"method_name\":\"v1.compute.instances.get\","
        + "\"resource_name\":\"projects/p1/zones/z/instances/i\",\"authentication_json\":\"{\\\"principalEmail\\\":"
        + "\\\"sa@p1.iam.gserviceaccount.com\\\",\\\"serviceAccountDelegationInfo\\\":[{\\\"firstPartyPrincipal\\\":"
        + "{\\\"principalEmail\\\":\\\"a@example.com\\\",\\\"serviceMetadataJson\\\":\\\"{}\\\"}}]}\","
        + "\"authorization_json\":\"[{\\\"granted\\\":false}]\",\"caller_ip\":\"10.0.0.1\",\"user_agent\":\"gcloud\","
        + "\"status_code\":7,\"status_message\":\"denied\"}";
    byte[] entry = AuditRows.toLogEntry(row.getBytes(StandardCharsets.UTF_8));
    ParseOutcome p = new AuditLogParser().parse(entry);
    assertThat(p).isInstanceOfSatisfying(ParseOutcome.Accepted.class, a -> {
      assertThat(a.entry().getPrincipal()).isEqualTo("sa@p1.iam.gserviceaccount.com");
      assertThat(a.entry().getFirstDelegate()).isEqualTo("a@example.com");
      assertThat(a.entry().getImpersonationDepth()).isEqualTo(1);
      assertThat(a.entry().getDenied()).isTrue();
      assertThat(a.entry().getStatusCode()).isEqualTo(7);
      assertThat(a.entry().getProjectId()).isEqualTo("p1");
      assertThat(a.entry().getResourceLabelsMap()).containsOnly(Map.entry("project_id", "p1"));
      assertThat(a.entry().getTimestampMs()).isEqualTo(Instant.parse("2024-05-01T10:00:00.123Z").toEpochMilli());
      assertThat(a.entry().getLogKind()).isEqualTo("activity");
    });
    assertThatThrownBy(() -> AuditRows.toLogEntry("[1]".getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("not a BigQuery row");
  }

  @Test
  void settingsRefuseWhatWouldScanOrCostWithoutBound() {
    Clock clock = Clock.systemUTC();
    BigQuerySettings s = BigQuerySettings.from(ServiceConfig.of(Map.of(BigQuerySettings.DATASET,
        "my-logging-project.org_audit_logs")), clock);
    assertThat(s.billingProject()).isEqualTo("my-logging-project");
    assertThat(s.tables()).hasSize(3);
    assertThat(s.maximumBytesBilled()).isEqualTo(10L << 30);
    assertThat(s.watermarkKey("t")).isEqualTo("my-logging-project.org_audit_logs.t");
    assertThatThrownBy(() -> BigQuerySettings.from(ServiceConfig.of(Map.of(BigQuerySettings.DATASET, "org_audit_logs")),
        clock)).isInstanceOf(ConfigException.class).hasMessageContaining(BigQuerySettings.PROJECT);
    assertThatThrownBy(() -> BigQuerySettings.from(ServiceConfig.of(Map.of(BigQuerySettings.DATASET,
        "my-logging-project.org_audit_logs", BigQuerySettings.MAXIMUM_BYTES_BILLED, "0")), clock))
        .isInstanceOf(ConfigException.class);
    assertThatThrownBy(() -> BigQuerySettings.from(ServiceConfig.of(Map.of(BigQuerySettings.DATASET,
        "my-logging-project.org_audit_logs", BigQuerySettings.TABLES, "a`; DROP")), clock))
        .isInstanceOf(ConfigException.class);
  }
}
