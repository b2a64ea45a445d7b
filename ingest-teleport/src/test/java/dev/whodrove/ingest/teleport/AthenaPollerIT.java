package dev.whodrove.ingest.teleport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.kafka.embedded.EmbeddedKafkaExtension;
import dev.whodrove.runtime.KafkaWatermarkStore;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.WatermarkStore;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.athena.AthenaClient;

/** The real SDK Athena client against an in-process fake; the watermark lives in the embedded broker. */
@ExtendWith(EmbeddedKafkaExtension.class)
class AthenaPollerIT {
  private static final Instant T0 = Instant.parse("2024-05-01T23:50:00Z");

  private static String at(Instant t) {
    return t.toString().replace('T', ' ').replace("Z", "");
  }

  private static FakeAthenaServer.TableRow row(String uid, Instant t, String type) {
    String json = "{\"event\":\"" + type + "\",\"uid\":\"" + uid + "\",\"code\":\"T2000I\",\"time\":\"" + t
        + "\",\"sid\":\"sid-" + uid + "\",\"user\":\"u\"}";
    return new FakeAthenaServer.TableRow(uid, at(t), type, "sid-" + uid, json);
  }

  private AthenaPoller poller(FakeAthenaServer fake, WatermarkStore store, CollectingOutput sink, Instant now,
      String key) {
    AthenaClient client = AthenaClient.builder().endpointOverride(URI.create(fake.endpoint()))
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
        .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    Clock clock = Clock.fixed(now, ZoneOffset.UTC);
    ServiceConfig cfg = ServiceConfig.of(Map.of(AthenaPoller.DATABASE, "teleport_audit",
        AthenaPoller.WORKGROUP, "teleport", AthenaPoller.START, T0.toString(), AthenaPoller.OVERLAP, "2m",
        AthenaPoller.BACKOFF_INITIAL, "10ms", AthenaPoller.WATERMARK_KEY, key));
    return new AthenaPoller(client, AthenaPoller.Settings.from(cfg, clock), store, sink, new AuditEventParser(),
        clock);
  }

  @Test
  void queriesByPartitionWithParametersPagesAndResumesFromTheKafkaWatermark(EmbeddedKafkaBroker broker)
      throws Exception {
    String key = "wm-" + UUID.randomUUID();
    try (FakeAthenaServer fake = new FakeAthenaServer(3);
        KafkaWatermarkStore store = new KafkaWatermarkStore(KafkaTestSupport.clientProps(broker),
            AthenaPoller.DEFAULT_WATERMARK_TOPIC)) {
      for (int i = 1; i <= 5; i++) {
        fake.table.add(row("e" + i, T0.plusSeconds(60L * i), "session.start"));
      }
      fake.table.add(row("e9", T0.plusSeconds(9 * 60), "session.end")); // inside the next run's overlap
      fake.table.add(row("noise", T0.plusSeconds(120), "role.created")); // type not selected
      fake.table.add(new FakeAthenaServer.TableRow("bad", at(T0.plusSeconds(400)), "session.start", "", "{broken"));

      CollectingOutput sink = new CollectingOutput();
      IngestStats first = poller(fake, store, sink, T0.plusSeconds(600), key).pollOnce();
      assertThat(sink.uids()).containsExactly("e1", "e2", "e3", "e4", "e5", "e9");
      assertThat(first.rejected()).isEqualTo(1);
      assertThat(sink.dead).singleElement().satisfies(d -> {
        assertThat(d.position().getSource()).isEqualTo("athena");
        assertThat(d.position().getLocator()).isEqualTo("q-1");
        assertThat(d.reasonTag()).isEqualTo("not_json");
      });

      JsonNode req = fake.startRequests.get(0);
      String sql = req.path("QueryString").asText();
      assertThat(sql).contains("event_date BETWEEN CAST(? AS date) AND CAST(? AS date)")
          .contains("event_time >= CAST(? AS timestamp) AND event_time < CAST(? AS timestamp)")
          .contains("event_type IN (?, ?").contains("ORDER BY event_time, uid")
          .doesNotContain("2024-05").doesNotContain("session.start");
      List<String> params = new ArrayList<>();
      req.path("ExecutionParameters").forEach(n -> params.add(n.asText()));
      // window [T0 - overlap, T0 + 10m) ends exactly at midnight (exclusive): one partition
      assertThat(params.subList(0, 4)).containsExactly("'2024-05-01'", "'2024-05-01'",
          "'2024-05-01 23:48:00.000'", "'2024-05-02 00:00:00.000'");
      assertThat(params).contains("'session.start'", "'session.upload'");
      assertThat(req.path("QueryExecutionContext").path("Database").asText()).isEqualTo("teleport_audit");
      assertThat(req.path("WorkGroup").asText()).isEqualTo("teleport");
      assertThat(fake.count("AmazonAthena.GetQueryResults")).as("8 rows, 3 per page").isEqualTo(3);
      assertThat(fake.count("AmazonAthena.GetQueryExecution")).as("polled until SUCCEEDED").isEqualTo(2);

      // a late event lands inside the overlap, a new one after it; restart with a fresh poller and sink
      fake.table.add(row("late", T0.plusSeconds(9 * 60 + 30), "session.end"));
      fake.table.add(row("e11", T0.plusSeconds(11 * 60), "session.start"));
      CollectingOutput sink2 = new CollectingOutput();
      AthenaPoller restarted = poller(fake, store, sink2, T0.plusSeconds(12 * 60), key);
      restarted.pollOnce();
      assertThat(sink2.uids()).as("e9 was already emitted in the overlap").containsExactly("late", "e11");
      List<String> p2 = new ArrayList<>();
      fake.startRequests.get(1).path("ExecutionParameters").forEach(n -> p2.add(n.asText()));
      // [previous end - overlap, now) crosses midnight: both partitions
      assertThat(p2.subList(0, 4)).containsExactly("'2024-05-01'", "'2024-05-02'", "'2024-05-01 23:58:00.000'",
          "'2024-05-02 00:02:00.000'");
      assertThat(restarted.watermark().newestId()).isEqualTo("e11");
      assertThat(restarted.watermark().newestTimeMs()).isEqualTo(T0.plusSeconds(660).toEpochMilli());

      // backfill: same path over a fixed range, live watermark untouched
      CollectingOutput sink3 = new CollectingOutput();
      List<String> progress = new ArrayList<>();
      AthenaPoller backfill = poller(fake, store, sink3, T0.plusSeconds(12 * 60), key);
      backfill.backfill(T0, T0.plusSeconds(240),
          (source, from, until, since, end, rows, bytes) -> progress.add(source + " " + rows + " " + bytes));
      assertThat(sink3.uids()).containsExactly("e1", "e2", "e3");
      assertThat(progress).containsExactly("athena teleport_events 3 3072");
      // Athena has no dry run: the plan is the queries and the partitions they read
      assertThat(backfill.describeBackfill(T0, T0.plus(java.time.Duration.ofHours(25)))).hasSize(2)
          .first().asString().contains("partitions event_date 2024-05-01 .. 2024-05-02")
          .contains("event_date BETWEEN CAST(? AS date) AND CAST(? AS date)");
      assertThat(store.load(key)).get().satisfies(w -> assertThat(w.newestId()).isEqualTo("e11"));
    }
  }

  @Test
  void hostileRowsAreDeadLetteredAndTheWindowStillCompletes(EmbeddedKafkaBroker broker) throws Exception {
    String key = "wm-" + UUID.randomUUID();
    try (FakeAthenaServer fake = new FakeAthenaServer(2);
        KafkaWatermarkStore store = new KafkaWatermarkStore(KafkaTestSupport.clientProps(broker),
            AthenaPoller.DEFAULT_WATERMARK_TOPIC)) {
      fake.table.add(row("g1", T0.plusSeconds(60), "session.start"));
      String absurd = row("h1", T0.plusSeconds(120), "session.start").eventData()
          .replace(T0.plusSeconds(120).toString(), "+999999999-12-31T23:59:59Z");
      fake.table.add(new FakeAthenaServer.TableRow("h1", at(T0.plusSeconds(120)), "session.start", "sid-h1", absurd));
      String deep = "{\"event\":\"session.start\",\"time\":\"" + T0.plusSeconds(180) + "\",\"a\":"
          + "[".repeat(5000) + "]".repeat(5000) + "}";
      fake.table.add(new FakeAthenaServer.TableRow("h2", at(T0.plusSeconds(180)), "session.start", "", deep));
      fake.table.add(row("g2", T0.plusSeconds(240), "session.start"));

      CollectingOutput sink = new CollectingOutput();
      AthenaPoller poller = poller(fake, store, sink, T0.plusSeconds(600), key);
      IngestStats stats = poller.pollOnce();
      assertThat(sink.uids()).containsExactly("g1", "g2");
      assertThat(stats.rejected()).isEqualTo(2);
      assertThat(sink.dead).extracting(CollectingOutput.Dead::reasonTag).containsExactly("bad_time", "not_json");
      assertThat(sink.dead).extracting(d -> d.position().getOffset()).containsExactly(2L, 3L);
      assertThat(poller.watermark().newestId()).isEqualTo("g2");
      assertThat(poller.watermark().scannedUntilMs()).isEqualTo(T0.plusSeconds(600).toEpochMilli());
    }
  }
}
