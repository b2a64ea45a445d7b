package dev.whodrove.ingest.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.bigquery.BigQueryException;
import dev.whodrove.ingest.gcp.bigquery.AuditRows;
import dev.whodrove.ingest.gcp.bigquery.BigQueryAuditSource;
import dev.whodrove.ingest.gcp.bigquery.BigQueryClients;
import dev.whodrove.ingest.gcp.bigquery.BigQuerySettings;
import dev.whodrove.ingest.gcp.bigquery.BigQueryStats;
import dev.whodrove.ingest.gcp.bigquery.DryRunEstimate;
import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.kafka.embedded.EmbeddedKafkaExtension;
import dev.whodrove.runtime.KafkaWatermarkStore;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceHost;
import dev.whodrove.runtime.ServiceThreads;
import dev.whodrove.runtime.Watermark;
import dev.whodrove.schemas.v1.GcpAuditEntry;
import dev.whodrove.testkit.Await;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The real {@code google-cloud-bigquery} client against an in-process server speaking the BigQuery REST API
 * ({@link FakeBigQueryServer}), the sink's tables filled with the real audit samples of the testkit; entries,
 * dead letters and watermarks in the embedded broker.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class BigQueryAuditSourceIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PROJECT = "audit-logging-prj";
  private static final Instant T0 = Instant.parse("2024-05-01T23:40:00Z");
  private static final String ACTIVITY = "cloudaudit_googleapis_com_activity";

  /** The real samples that are Cloud Audit Log entries of the three streams, moved to T0 + 30 s apart. */
  private static List<ObjectNode> samples() throws Exception {
    AuditLogParser parser = new AuditLogParser();
    List<ObjectNode> out = new ArrayList<>();
    for (String line : Fixtures.all()) {
      JsonNode n = JSON.readTree(line);
      String kind = AuditLogParser.logKind(AuditLogParser.logId(n.path("logName").asText()));
      if (!n.path("protoPayload").path("@type").asText().equals(AuditLogParser.AUDIT_LOG_TYPE)
          || !List.of("activity", "data_access", "system_event").contains(kind)
          || !(parser.parse(line.getBytes(StandardCharsets.UTF_8)) instanceof ParseOutcome.Accepted)) {
        continue;
      }
      ObjectNode o = (ObjectNode) n;
      Instant t = T0.plusSeconds(30L * out.size());
      o.put("timestamp", t.toString());
      if (o.has("receiveTimestamp")) {
        o.put("receiveTimestamp", t.plusSeconds(1).toString());
      }
      out.add(o);
    }
    return out;
  }

  private static String table(JsonNode entry) {
    return "cloudaudit_googleapis_com_" + AuditLogParser.logKind(AuditLogParser.logId(entry.path("logName").asText()));
  }

  /** What the other sources make of the entry, less what only they know (payload sizes) and where it was read. */
  private static GcpAuditEntry expected(JsonNode entry) {
    ParseOutcome p = new AuditLogParser().parse(entry.toString().getBytes(StandardCharsets.UTF_8));
    return comparable(((ParseOutcome.Accepted) p).entry());
  }

  private static GcpAuditEntry comparable(GcpAuditEntry e) {
    return e.toBuilder().clearSource().clearIngestedAtMs().clearRequestBytes().clearResponseBytes()
        .clearMetadataBytes().build();
  }

  private static Map<String, String> config(FakeBigQueryServer fake, String dataset, Map<String, String> extra) {
    Map<String, String> m = new HashMap<>(Map.of(
        BigQuerySettings.DATASET, PROJECT + "." + dataset,
        BigQuerySettings.ENDPOINT, fake.endpoint(),
        BigQuerySettings.START, T0.minusSeconds(60).toString(),
        BigQuerySettings.OVERLAP, "5m",
        BigQuerySettings.PAGE_SIZE, "3",
        BigQuerySettings.MAXIMUM_BYTES_BILLED, Long.toString(1L << 30),
        BigQuerySettings.BACKOFF_INITIAL, "200ms",
        BigQuerySettings.BACKOFF_MAX, "400ms",
        BigQuerySettings.POLL_INTERVAL, "100ms"));
    m.putAll(extra);
    return m;
  }

  private static BigQuerySettings settings(Map<String, String> cfg, Instant now) {
    return BigQuerySettings.from(ServiceConfig.of(cfg), Clock.fixed(now, ZoneOffset.UTC));
  }

  private static BigQueryAuditSource source(BigQuerySettings s, KafkaWatermarkStore store, EntryPublisher publisher,
      Instant now) {
    return new BigQueryAuditSource(BigQueryClients.create(s), s, store, publisher, Clock.fixed(now, ZoneOffset.UTC));
  }

  private static List<TestKafka.Keyed> written(EmbeddedKafkaBroker broker, String dataset, int expected) {
    return TestKafka.entries(broker, e -> e.getSource().getSource().equals(AuditRows.SOURCE)
        && e.getSource().getLocator().contains("." + dataset + "."), expected);
  }

  @Test
  void readsTheSinkTablesPrunedPagedAsTheOtherSourcesParseThemAndResumesFromTheWatermark(
      EmbeddedKafkaBroker broker) throws Exception {
    TestKafka.ensureTopics(broker);
    String dataset = "org_audit_" + UUID.randomUUID().toString().substring(0, 8);
    List<ObjectNode> samples = samples();
    assertThat(samples).as("real samples of the three audit streams").hasSizeGreaterThan(10);
    Instant now = T0.plusSeconds(30L * samples.size() + 60);
    try (FakeBigQueryServer fake = new FakeBigQueryServer(PROJECT, dataset, 4);
        KafkaWatermarkStore store = new KafkaWatermarkStore(TestKafka.props(broker), "wm-" + dataset);
        EntryPublisher publisher = TestKafka.publisher(broker, TestKafka.sender(broker), new SimpleMeterRegistry())) {
      Map<String, GcpAuditEntry> expected = new LinkedHashMap<>();
      for (ObjectNode s : samples) {
        fake.table(table(s), true).entries.add(s);
        expected.put(s.path("insertId").asText() + "@" + s.path("timestamp").asText(), expected(s));
      }
      // a day earlier, same tables: another partition, which the queries must not read
      ObjectNode old = samples.get(0).deepCopy().put("timestamp", T0.minus(Duration.ofDays(1)).toString())
          .put("insertId", "yesterday");
      fake.table(table(old), true).entries.add(old);
      // an entry over gcp.entry.max.bytes once made into its LogEntry: a dead letter keeping the row
      ObjectNode huge = samples.get(0).deepCopy().put("insertId", "huge").put("timestamp", T0.plusSeconds(5).toString());
      ((ObjectNode) huge.get("protoPayload")).put("resourceName", "x".repeat(1_100_000));
      fake.table(table(huge), true).entries.add(huge);

      BigQuerySettings s = settings(config(fake, dataset, Map.of()), now);
      BigQueryStats stats = source(s, store, publisher, now).pollOnce();
      assertThat(stats.produced()).isEqualTo(samples.size());
      assertThat(stats.deadLettered()).isEqualTo(1);
      assertThat(stats.rows()).isEqualTo(samples.size() + 1);

      List<TestKafka.Keyed> got = written(broker, dataset, samples.size());
      assertThat(got).hasSize(samples.size());
      Map<String, GcpAuditEntry> actual = new LinkedHashMap<>();
      for (TestKafka.Keyed k : got) {
        assertThat(k.key()).isEqualTo(k.entry().getPrincipal());
        actual.put(k.entry().getInsertId() + "@" + Instant.ofEpochMilli(k.entry().getTimestampMs()),
            comparable(k.entry()));
      }
      assertThat(actual).as("each row is the entry the Pub/Sub and archive sources make of the same LogEntry")
          .containsExactlyInAnyOrderEntriesOf(expected);

      var dead = TestKafka.deadLetters(broker, d -> d.getSource().getSource().equals(AuditRows.SOURCE)
          && d.getSource().getLocator().contains("." + dataset + "."), 1);
      assertThat(dead).singleElement().satisfies(d -> {
        assertThat(d.getReason()).startsWith("too_large");
        assertThat(d.getSource().getLocator()).startsWith(PROJECT + "." + dataset + "." + table(huge) + "/whodrove_");
        assertThat(d.getOriginalValue().toStringUtf8()).startsWith("{\"insert_id\":\"huge\",\"log_name\":");
      });

      // every query: pruned to its window, capped, no payload columns, parameters for the bounds
      long tables = samples.stream().map(BigQueryAuditSourceIT::table).distinct().count();
      assertThat(fake.inserts).hasSize((int) tables).allSatisfy(req -> {
        JsonNode q = req.path("configuration").path("query");
        assertThat(q.path("query").asText()).contains("WHERE timestamp >= @from AND timestamp < @until")
            .doesNotContain("requestJson").doesNotContain("responseJson").doesNotContain("metadataJson")
            .doesNotContain("2024-05");
        assertThat(q.path("maximumBytesBilled").asLong()).isEqualTo(1L << 30);
        assertThat(q.path("useLegacySql").asBoolean()).isFalse();
      });
      assertThat(fake.count("pageToken=")).as("results paged: 3 rows, then pages of 4").isGreaterThanOrEqualTo(4);

      Watermark wm = store.load(s.watermarkKey(ACTIVITY)).orElseThrow();
      assertThat(wm.scannedUntilMs()).isEqualTo(now.toEpochMilli());
      assertThat(wm.recent()).as("the rows of the overlap, by their de-duplication keys").isNotEmpty();

      // restart (a fresh publisher: nothing remembered in memory) after a late row landed inside the overlap
      int before = fake.inserts.size();
      ObjectNode late = samples.get(samples.size() - 1).deepCopy().put("insertId", "late")
          .put("timestamp", now.minusSeconds(120).toString());
      ObjectNode next = samples.get(samples.size() - 1).deepCopy().put("insertId", "next")
          .put("timestamp", now.plusSeconds(30).toString());
      fake.table(table(late), true).entries.add(late);
      fake.table(table(next), true).entries.add(next);
      Instant later = now.plusSeconds(60);
      try (EntryPublisher fresh = TestKafka.publisher(broker, TestKafka.sender(broker), new SimpleMeterRegistry())) {
        BigQueryStats again = source(settings(config(fake, dataset, Map.of()), later), store, fresh, later).pollOnce();
        assertThat(again.produced()).as("only the late and the new row").isEqualTo(2);
        assertThat(again.duplicates()).as("the overlap's rows, skipped by the watermark").isPositive();
      }
      assertThat(fake.inserts.subList(before, fake.inserts.size())).hasSize((int) tables).allSatisfy(req -> {
        List<String> params = new ArrayList<>();
        req.path("configuration").path("query").path("queryParameters")
            .forEach(p -> params.add(p.path("parameterValue").path("value").asText()));
        assertThat(FakeBigQueryServer.parseTimestamp(params.get(0))).isEqualTo(now.minus(Duration.ofMinutes(5)));
        assertThat(FakeBigQueryServer.parseTimestamp(params.get(1))).isEqualTo(later);
      });
      assertThat(written(broker, dataset, samples.size() + 2)).hasSize(samples.size() + 2)
          .filteredOn(k -> k.entry().getInsertId().equals("late")).hasSize(1);
    }
  }

  @Test
  void dateShardedTablesAreReadThroughTheirSuffixesAndTheDryRunEstimatesThem(EmbeddedKafkaBroker broker)
      throws Exception {
    TestKafka.ensureTopics(broker);
    String dataset = "legacy_" + UUID.randomUUID().toString().substring(0, 8);
    ObjectNode sample = samples().stream().filter(s -> table(s).equals(ACTIVITY)
        && s.path("protoPayload").path("requestMetadata").has("callerSuppliedUserAgent")).findFirst().orElseThrow();
    Instant until = T0.plus(Duration.ofMinutes(40)); // crosses midnight
    try (FakeBigQueryServer fake = new FakeBigQueryServer(PROJECT, dataset, 4);
        KafkaWatermarkStore store = new KafkaWatermarkStore(TestKafka.props(broker), "wm-" + dataset);
        EntryPublisher publisher = TestKafka.publisher(broker, TestKafka.sender(broker), new SimpleMeterRegistry())) {
      fake.table(ACTIVITY + "_20240430", false).entries.add(sample.deepCopy().put("insertId", "d30")
          .put("timestamp", "2024-04-30T12:00:00Z"));
      fake.table(ACTIVITY + "_20240501", false).entries.add(sample.deepCopy().put("insertId", "d01")
          .put("timestamp", "2024-05-01T23:50:00Z"));
      ObjectNode noAgent = sample.deepCopy().put("insertId", "d02").put("timestamp", "2024-05-02T00:10:00Z");
      ((ObjectNode) noAgent.path("protoPayload").path("requestMetadata")).remove("callerSuppliedUserAgent");
      // the newest shard has no user agent column: the query must not name it
      fake.table(ACTIVITY + "_20240502", false).entries.add(noAgent);

      BigQuerySettings s = settings(config(fake, dataset, Map.of(BigQuerySettings.TABLES, ACTIVITY)), until);
      BigQueryAuditSource source = source(s, store, publisher, until);
      List<DryRunEstimate> plan = source.dryRun(T0, until);
      assertThat(plan).singleElement().satisfies(p -> {
        assertThat(p.table()).isEqualTo(dataset + "." + ACTIVITY + "_*");
        assertThat(p.query()).contains("_TABLE_SUFFIX BETWEEN '20240501' AND '20240502'")
            .contains("CAST(NULL AS STRING) AS user_agent").contains("-- @from = ");
        assertThat(p.bytesProcessed()).as("two shards of one entry each").isEqualTo(2 * FakeBigQueryServer.BYTES_PER_ENTRY);
      });
      assertThat(fake.inserts).singleElement()
          .satisfies(r -> assertThat(r.path("configuration").path("dryRun").asBoolean()).isTrue());

      List<String> progress = new ArrayList<>();
      BigQueryStats stats = source.backfill(T0, until,
          (src, from, to, since, end, rows, bytes) -> progress.add(src + " rows=" + rows + " billed=" + bytes));
      assertThat(stats.produced()).isEqualTo(2);
      assertThat(progress).containsExactly("bigquery " + ACTIVITY + " rows=2 billed=" + FakeBigQueryServer.MIN_BILLED);
      assertThat(store.load(s.watermarkKey(ACTIVITY))).as("a backfill moves no watermark").isEmpty();
      assertThat(written(broker, dataset, 2)).extracting(k -> k.entry().getInsertId())
          .containsExactlyInAnyOrder("d01", "d02");

      // a cap below what the window bills: the query fails, billing nothing, and says why
      BigQuerySettings capped = settings(config(fake, dataset, Map.of(BigQuerySettings.TABLES, ACTIVITY,
          BigQuerySettings.MAXIMUM_BYTES_BILLED, "1000")), until);
      assertThatThrownBy(() -> source(capped, store, publisher, until).pollOnce())
          .isInstanceOfSatisfying(BigQueryException.class,
              e -> assertThat(e.getReason()).isEqualTo("bytesBilledLimitExceeded"));
    }
  }

  @Test
  void quotaIsRetriedAndRefusedAccessStopsTheSourceWithItsReasonOnReadyz(EmbeddedKafkaBroker broker)
      throws Exception {
    TestKafka.ensureTopics(broker);
    String dataset = "quota_" + UUID.randomUUID().toString().substring(0, 8);
    ObjectNode sample = samples().get(0);
    try (FakeBigQueryServer fake = new FakeBigQueryServer(PROJECT, dataset, 4);
        KafkaWatermarkStore store = new KafkaWatermarkStore(TestKafka.props(broker), "wm-" + dataset);
        EntryPublisher publisher = TestKafka.publisher(broker, TestKafka.sender(broker), new SimpleMeterRegistry())) {
      fake.table(ACTIVITY, true).entries.add(sample.deepCopy().put("insertId", "q1"));
      fake.failInserts(403, "quotaExceeded", 2);
      Instant now = T0.plusSeconds(600);
      BigQuerySettings s = settings(config(fake, dataset, Map.of(BigQuerySettings.TABLES, ACTIVITY)), now);
      BigQueryAuditSource source = source(s, store, publisher, now);
      source.start(ServiceThreads.unwatched());
      try {
        Await.until(() -> source.lastError().startsWith("quota: BigQuery 403 quotaExceeded"), "quota reported",
            Duration.ofSeconds(20));
        Await.until(() -> store.load(s.watermarkKey(ACTIVITY)).isPresent(), "watermark after the quota passed",
            Duration.ofSeconds(30));
        Await.until(() -> source.lastError().isEmpty(), "recovered", Duration.ofSeconds(10));
      } finally {
        source.close();
      }
      assertThat(written(broker, dataset, 1)).extracting(k -> k.entry().getInsertId()).containsExactly("q1");
    }

    // refused access, through the hosted service: retried for the auth budget, then stopped, reason on /readyz
    String denied = "denied_" + UUID.randomUUID().toString().substring(0, 8);
    try (FakeBigQueryServer fake = new FakeBigQueryServer(PROJECT, denied, 4)) {
      fake.table(ACTIVITY, true).entries.add(sample.deepCopy().put("insertId", "d1"));
      fake.failInserts(403, "accessDenied", 1000);
      Map<String, String> cfg = new HashMap<>(config(fake, denied, Map.of(BigQuerySettings.TABLES, ACTIVITY,
          BigQuerySettings.RETRY_PREFIX + "auth.max.elapsed", "1s",
          BigQuerySettings.WATERMARK_TOPIC, "wm-" + denied)));
      cfg.put("kafka.bootstrap.servers", broker.bootstrapServers());
      cfg.put("http.port", "0");
      ServiceContext ctx = ServiceContext.create("ingest-gcp", ServiceConfig.of(cfg));
      IngestGcpService service = new IngestGcpService(ctx);
      try (ServiceHost host = ServiceHost.start(ctx, service, 0)) {
        Await.until(() -> service.readiness().detail().contains("access denied"), "denied reported",
            Duration.ofSeconds(20));
        assertThat(service.readiness().ready()).isFalse();
        Await.until(() -> service.bigquery().stopped(), "gave up after the auth budget", Duration.ofSeconds(20));
        long inserts = fake.inserts.size();
        Thread.sleep(500);
        assertThat(fake.inserts).as("no more queries once stopped").hasSize((int) inserts);
        var http = java.net.http.HttpClient.newHttpClient();
        var readyz = http.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + host.httpPort() + "/readyz")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(readyz.statusCode()).isEqualTo(503);
        assertThat(readyz.body()).contains("stopped: access denied").contains("roles/bigquery.jobUser")
            .contains("roles/bigquery.dataViewer");
      }
      try (KafkaWatermarkStore store = new KafkaWatermarkStore(TestKafka.props(broker), "wm-" + denied)) {
        assertThat(store.load(PROJECT + "." + denied + "." + ACTIVITY)).as("nothing read, nothing moved").isEmpty();
      }
    }
  }
}
