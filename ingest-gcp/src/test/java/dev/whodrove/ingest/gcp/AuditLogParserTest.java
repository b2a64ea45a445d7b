package dev.whodrove.ingest.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.v1.GcpAuditEntry;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AuditLogParserTest {
  private final AuditLogParser parser = new AuditLogParser();

  private GcpAuditEntry parse(String file, int line) {
    ParseOutcome o = parser.parse(Fixtures.line(file, line));
    assertThat(o).as(file + ":" + line).isInstanceOf(ParseOutcome.Accepted.class);
    return ((ParseOutcome.Accepted) o).entry();
  }

  private ParseOutcome.Rejected reject(String json) {
    ParseOutcome o = parser.parse(json.getBytes(StandardCharsets.UTF_8));
    assertThat(o).isInstanceOf(ParseOutcome.Rejected.class);
    return (ParseOutcome.Rejected) o;
  }

  @Test
  void everyFixtureLineParses() {
    Set<String> keys = new HashSet<>();
    int n = 0;
    for (String file : Fixtures.FILES) {
      int lineNo = 0;
      for (String line : Fixtures.lines(file)) {
        lineNo++;
        ParseOutcome o = parser.parse(line.getBytes(StandardCharsets.UTF_8));
        assertThat(o).as(file + ":" + lineNo + " -> " + o).isInstanceOf(ParseOutcome.Accepted.class);
        ParseOutcome.Accepted a = (ParseOutcome.Accepted) o;
        assertThat(a.entry().getTimestampMs()).as(file + ":" + lineNo).isPositive();
        assertThat(a.entry().getPrincipal()).isNotEmpty();
        keys.add(a.dedupKey());
        n++;
      }
    }
    assertThat(n).isEqualTo(37);
    assertThat(keys).hasSize(37);
  }

  @Test
  void deniedByGrantedFalseWithBodySizes() {
    GcpAuditEntry e = parse("elastic-integrations.jsonl", 1);
    assertThat(e.getPrincipal()).isEqualTo("xxx@xxx.xxx");
    assertThat(e.getMethodName()).isEqualTo("beta.compute.machineTypes.aggregatedList");
    assertThat(e.getUserAgent()).startsWith("Mozilla/5.0 (Macintosh;");
    assertThat(e.getDenied()).isTrue();
    assertThat(e.getImpersonationDepth()).isZero();
    assertThat(e.getLogKind()).isEqualTo("data_access");
    assertThat(e.getProjectId()).isEqualTo("elastic-beats");
    assertThat(e.getResourceType()).isEqualTo("api");
    assertThat(e.getResourceLabelsMap()).containsEntry("location", "global");
    assertThat(e.getInsertId()).isEqualTo("-h6onuze1h7dg");
    assertThat(e.getTimestampMs()).isEqualTo(java.time.Instant.parse("2019-12-19T00:45:51.228Z").toEpochMilli());
    assertThat(e.getReceiveTimestampMs()).isGreaterThan(e.getTimestampMs());
    // the request body is dropped, its size in bytes kept
    assertThat(e.getRequestBytes())
        .isEqualTo("{\"@type\":\"type.googleapis.com/compute.machineTypes.aggregatedList\"}".length());
    assertThat(e.getResponseBytes()).isZero();
  }

  @Test
  void deniedByStatusSeven() {
    GcpAuditEntry e = parse("elastic-integrations.jsonl", 2);
    assertThat(e.getDenied()).isTrue();
    assertThat(e.getStatusCode()).isEqualTo(7);
    assertThat(e.getStatusMessage()).isEqualTo("PERMISSION_DENIED");
  }

  @Test
  void gcloudUserAgentAndActivityLog() {
    GcpAuditEntry e = parse("elastic-integrations.jsonl", 4);
    assertThat(e.getUserAgent()).startsWith("google-cloud-sdk gcloud/290.0.1 command/gcloud.compute.images.create");
    assertThat(e.getMethodName()).isEqualTo("v1.compute.images.insert");
    assertThat(e.getLogKind()).isEqualTo("activity");
    assertThat(e.getDenied()).isFalse();
    assertThat(e.getProjectId()).isEqualTo("foo");
  }

  @Test
  void workloadIdentitySubjectWithEmptyDelegation() {
    GcpAuditEntry e = parse("elastic-integrations.jsonl", 7);
    assertThat(e.getPrincipalEmail()).isEmpty();
    assertThat(e.getPrincipal()).startsWith("principal://iam.googleapis.com/projects/project-id/");
    assertThat(e.getImpersonationDepth()).isEqualTo(1);
    assertThat(e.getFirstDelegate()).isEmpty();
    assertThat(e.getMethodName()).isEqualTo("GenerateAccessToken");
    assertThat(e.getUserAgent()).isEqualTo("Go-http-client/2.0,gzip(gfe)");
    assertThat(e.getMetadataBytes()).isPositive();
  }

  @Test
  void twoHopImpersonation() {
    GcpAuditEntry e = parse("plaso-gcp_logging.jsonl", 8);
    assertThat(e.getPrincipal()).isEqualTo("fake-account@fake-project.com");
    assertThat(e.getImpersonationDepth()).isEqualTo(2);
    assertThat(e.getFirstDelegate()).isEqualTo("service-account-one@fake-project.com");
    assertThat(e.getUserAgent()).startsWith("fake-user-agent-string command/gcloud.compute.instances.insert");
    assertThat(e.getDenied()).isFalse();
    GcpAuditEntry denied = parse("plaso-gcp_logging.jsonl", 9);
    assertThat(denied.getDenied()).isTrue();
    assertThat(denied.getImpersonationDepth()).isEqualTo(1);
    assertThat(denied.getMethodName()).isEqualTo("google.iam.admin.v1.CreateServiceAccount");
  }

  @Test
  void normalisedTypeKeysSpacedTimestampsAndMissingLogName() {
    GcpAuditEntry policy = parse("panther-rule-tests-normalised-keys.jsonl", 8);
    assertThat(policy.getLogKind()).isEqualTo("policy");
    assertThat(policy.getDenied()).isTrue();
    assertThat(policy.getMetadataBytes()).isPositive();

    GcpAuditEntry noLog = parse("panther-rule-tests-normalised-keys.jsonl", 2);
    assertThat(noLog.getLogKind()).isEqualTo("unknown");
    assertThat(noLog.getProjectId()).isEqualTo("test-project-123456");
    assertThat(noLog.getDenied()).isTrue();
    assertThat(noLog.getUserAgent()).startsWith("google-cloud-sdk gcloud/431.0.0");
    assertThat(noLog.getTimestampMs())
        .isEqualTo(java.time.Instant.parse("2023-05-24T21:12:55.145Z").toEpochMilli());

    GcpAuditEntry terraform = parse("panther-rule-tests-normalised-keys.jsonl", 3);
    assertThat(terraform.getUserAgent()).isEqualTo("Terraform/0.13.2 terraform-provider-google/3.90.1");
    assertThat(terraform.getMethodName()).isEqualTo("SetIamPolicy");

    GcpAuditEntry kube = parse("panther-rule-tests-normalised-keys.jsonl", 12);
    assertThat(kube.getDenied()).isTrue();
    assertThat(kube.getMethodName()).isEqualTo("io.k8s.core.v1.services.create");
    assertThat(kube.getUserAgent()).startsWith("kubectl/v1.28.2");
    assertThat(kube.getResourceLabelsMap()).containsEntry("cluster_name", "some-project-cluster");
  }

  @Test
  void untypedPayloadInAuditLogIsAcceptedAndMissingPrincipalIsUnknown() {
    GcpAuditEntry bq = parse("google-cloudevents-testdata.jsonl", 3);
    assertThat(bq.getMethodName()).isEqualTo("jobservice.jobcompleted");
    assertThat(bq.getMetadataBytes()).isPositive();
    GcpAuditEntry noAuth = parse("sekoia-intake-formats.jsonl", 3);
    assertThat(noAuth.getPrincipal()).isEqualTo(AuditLogParser.UNKNOWN_PRINCIPAL);
    assertThat(noAuth.getMethodName()).isEqualTo("google.container.v1.ClusterManager.DeleteCluster");
  }

  @Test
  void rejectsWithTypedReasons() {
    assertThat(reject("not json").reason()).isEqualTo(RejectReason.NOT_JSON);
    assertThat(reject("[1,2]").reason()).isEqualTo(RejectReason.NOT_JSON);
    assertThat(reject("{\"a\":1} trailing").reason()).isEqualTo(RejectReason.NOT_JSON);
    assertThat(reject("{\"insertId\":\"x\",\"timestamp\":\"2024-01-01T00:00:00Z\",\"textPayload\":\"hello\"}")
        .describe()).startsWith("not_audit_log: entry carries textPayload");
    assertThat(reject("{\"timestamp\":\"2024-01-01T00:00:00Z\",\"jsonPayload\":{\"a\":1}}").reason())
        .isEqualTo(RejectReason.NOT_AUDIT_LOG);
    assertThat(reject("{\"timestamp\":\"2024-01-01T00:00:00Z\",\"logName\":\"projects/p/logs/app\","
        + "\"protoPayload\":{\"@type\":\"type.googleapis.com/google.appengine.logging.v1.RequestLog\"}}").reason())
        .isEqualTo(RejectReason.NOT_AUDIT_LOG);
    assertThat(reject("{\"logName\":\"projects/p/logs/cloudaudit.googleapis.com%2Factivity\",\"protoPayload\":{"
        + "\"@type\":\"" + AuditLogParser.AUDIT_LOG_TYPE + "\"}}").reason()).isEqualTo(RejectReason.MISSING_TIMESTAMP);
    assertThat(reject("{\"timestamp\":\"yesterday\",\"protoPayload\":{\"@type\":\"" + AuditLogParser.AUDIT_LOG_TYPE
        + "\"}}").reason()).isEqualTo(RejectReason.BAD_TIMESTAMP);
    ParseOutcome big = new AuditLogParser(100).parse(Fixtures.line("elastic-integrations.jsonl", 1));
    assertThat(big).isInstanceOf(ParseOutcome.Rejected.class);
    assertThat(((ParseOutcome.Rejected) big).reason()).isEqualTo(RejectReason.TOO_LARGE);
  }

  @Test
  void logKindsFromEscapedAndPlainNames() {
    assertThat(AuditLogParser.logKind(AuditLogParser.logId("projects/p/logs/cloudaudit.googleapis.com%2Fsystem_event")))
        .isEqualTo("system_event");
    assertThat(AuditLogParser.logKind(AuditLogParser.logId("organizations/1/logs/cloudaudit.googleapis.com/activity")))
        .isEqualTo("activity");
    assertThat(AuditLogParser.logKind(AuditLogParser.logId("projects/p/logs/cloudaudit.googleapis.com%2fdata_access")))
        .isEqualTo("data_access");
    assertThat(AuditLogParser.logKind(AuditLogParser.logId("projects/p/logs/syslog"))).isEqualTo("unknown");
    assertThat(AuditLogParser.projectFromLogName("projects/my-proj/logs/x")).isEqualTo("my-proj");
  }

  private static String entry(String timestamp, String extra) {
    return "{\"insertId\":\"i1\",\"timestamp\":\"" + timestamp + "\",\"logName\":\"projects/p/logs/"
        + "cloudaudit.googleapis.com%2Factivity\",\"protoPayload\":{\"@type\":\"" + AuditLogParser.AUDIT_LOG_TYPE
        + "\",\"methodName\":\"m\",\"authenticationInfo\":{\"principalEmail\":\"a@example.com\"}}" + extra + "}";
  }

  @Test
  void absurdNegativeOverflowingAndUnreadableTimestampsAreRejectedAsBadTimestamp() {
    for (String t : java.util.List.of(
        "+999999999-12-31T23:59:59Z", // beyond a long of milliseconds
        "+1000000000-12-31T23:59:59Z", // beyond Instant
        "-999999999-01-01T00:00:00Z",
        "1969-12-31T23:59:59Z", // before the epoch
        "1970-01-01T00:00:00Z", // zero: "no timestamp" downstream
        "9999-12-31T23:59:59Z", // far beyond the moment it is read
        "2024-05-01T10:00:00+99:00",
        "2024-13-45T99:99:99Z",
        "2024-05-01 10:00:00.1234567891")) {
      ParseOutcome o = parser.parse(entry(t, "").getBytes(StandardCharsets.UTF_8));
      assertThat(o).as(t).isInstanceOfSatisfying(ParseOutcome.Rejected.class,
          r -> assertThat(r.reason()).isEqualTo(RejectReason.BAD_TIMESTAMP));
    }
    // clock skew of a few hours is not absurd
    String soon = java.time.Instant.now().plusSeconds(3 * 3600).toString();
    assertThat(parser.parse(entry(soon, "").getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(ParseOutcome.Accepted.class);
  }

  @Test
  void hostileReceiveTimestampIsDroppedAndTheEntryKept() {
    ParseOutcome o = parser.parse(entry("2024-05-01T10:00:00Z", ",\"receiveTimestamp\":\"+999999999-12-31T23:59:59Z\"")
        .getBytes(StandardCharsets.UTF_8));
    assertThat(o).isInstanceOfSatisfying(ParseOutcome.Accepted.class, a -> {
      assertThat(a.entry().getTimestampMs()).isEqualTo(java.time.Instant.parse("2024-05-01T10:00:00Z").toEpochMilli());
      assertThat(a.entry().getReceiveTimestampMs()).isZero();
    });
  }

  @Test
  void deeplyNestedJsonIsRejectedAsNotJson() {
    String deepBody = entry("2024-05-01T10:00:00Z", ",\"labels\":" + "[".repeat(100_000) + "]".repeat(100_000));
    assertThat(reject(deepBody).reason()).isEqualTo(RejectReason.NOT_JSON);
    String deepRequest = entry("2024-05-01T10:00:00Z", "").replace("\"methodName\":\"m\"",
        "\"methodName\":\"m\",\"request\":" + "{\"a\":".repeat(5_000) + "1" + "}".repeat(5_000));
    assertThat(reject(deepRequest).reason()).isEqualTo(RejectReason.NOT_JSON);
    String fine = entry("2024-05-01T10:00:00Z", "").replace("\"methodName\":\"m\"",
        "\"methodName\":\"m\",\"request\":" + "{\"a\":".repeat(100) + "1" + "}".repeat(100));
    assertThat(parser.parse(fine.getBytes(StandardCharsets.UTF_8))).isInstanceOf(ParseOutcome.Accepted.class);
  }
}
