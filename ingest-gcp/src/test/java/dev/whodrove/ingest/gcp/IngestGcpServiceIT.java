package dev.whodrove.ingest.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.kafka.embedded.EmbeddedKafkaExtension;
import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceHost;
import dev.whodrove.testkit.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The hosted service: topics created, archive backfilled, push endpoint answering, clean stop. */
@ExtendWith(EmbeddedKafkaExtension.class)
class IngestGcpServiceIT {

  @Test
  void refusesToStartWithoutSource() {
    ServiceContext ctx = ServiceContext.create("ingest-gcp",
        ServiceConfig.of(Map.of("kafka.bootstrap.servers", "127.0.0.1:1")));
    assertThatThrownBy(() -> new IngestGcpService(ctx)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("WHODROVE_GCP_PUBSUB_SUBSCRIPTION");
  }

  @Test
  void hostsArchivePushAndPullSources(EmbeddedKafkaBroker broker, @TempDir Path dir) throws Exception {
    // an emulator-style plaintext Pub/Sub endpoint on loopback
    FakePubSubServer fake = new FakePubSubServer();
    io.grpc.Server grpc = io.grpc.Grpc.newServerBuilderForPort(0, io.grpc.InsecureServerCredentials.create())
        .addService(fake).build().start();
    Path file = dir.resolve("sekoia.jsonl");
    Files.writeString(file, String.join("\n", Fixtures.lines("sekoia-intake-formats.jsonl")) + "\n");
    ServiceContext ctx = ServiceContext.create("ingest-gcp", ServiceConfig.of(Map.of(
        "kafka.bootstrap.servers", broker.bootstrapServers(),
        "http.port", "0",
        IngestGcpService.ARCHIVE_PATHS, file.toString(),
        IngestGcpService.ARCHIVE_STATE_FILE, dir.resolve("state.txt").toString(),
        IngestGcpService.PUSH_PORT, "0",
        IngestGcpService.PUSH_HOST, "127.0.0.1",
        IngestGcpService.PUSH_TOKEN, "t0ken",
        IngestGcpService.PUBSUB_SUBSCRIPTION, "projects/p/subscriptions/audit",
        IngestGcpService.PUBSUB_ENDPOINT, "127.0.0.1:" + grpc.getPort(),
        IngestGcpService.PUBSUB_PLAINTEXT, "true")));
    IngestGcpService service = new IngestGcpService(ctx);
    try (ServiceHost host = ServiceHost.start(ctx, service, 0)) {
      Await.until(() -> service.archiveStats().files() == 1, "archive pass", Duration.ofSeconds(30));
      assertThat(service.archiveStats()).isEqualTo(new ArchiveStats(1, 0, 5, 5, 0, 0, 0));
      assertThat(service.readiness().ready()).isTrue();
      assertThat(service.readiness().detail()).contains("archive done").contains("push on").contains("pulling");
      fake.enqueue("svc-pull-1", Fixtures.line("plaso-gcp_logging.jsonl", 9));
      Await.until(() -> fake.acked.contains("svc-pull-1"), "pull ack", Duration.ofSeconds(30));
      assertThat(fake.firstRequestSubscriptions).containsExactly("projects/p/subscriptions/audit");

      String env = "{\"message\":{\"data\":\"" + Base64.getEncoder().encodeToString(
          Fixtures.line("grafana-alloy.jsonl", 1)) + "\",\"messageId\":\"svc-1\"}}";
      HttpClient http = HttpClient.newHttpClient();
      int status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.pushPort() + "/pubsub/push"))
          .header("Authorization", "Bearer t0ken").POST(HttpRequest.BodyPublishers.ofString(env)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
      assertThat(status).isEqualTo(204);
      String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + host.httpPort() + "/metrics"))
          .build(), HttpResponse.BodyHandlers.ofString()).body();
      assertThat(metrics).contains(
          "whodrove_ingest_gcp_entries_total{outcome=\"produced\",service=\"ingest-gcp\",source=\"jsonl\"} 5.0");
      assertThat(metrics).contains("whodrove_ingest_gcp_entries_unknown_principal_total{service=\"ingest-gcp\"} 1.0");
      assertThat(metrics).contains("whodrove_ingest_gcp_entries_total{outcome=\"produced\",service=\"ingest-gcp\","
          + "source=\"pubsub-pull\"} 1.0");
    } finally {
      grpc.shutdownNow();
    }
    assertThat(Files.readString(dir.resolve("state.txt"))).contains(file.toAbsolutePath().toString());
  }

  @Test
  void watchModeWaitsForAHalfWrittenLastLine(EmbeddedKafkaBroker broker, @TempDir Path dir) throws Exception {
    List<String> lines = Fixtures.lines("plaso-gcp_logging.jsonl");
    Path file = Files.createDirectories(dir.resolve("archive")).resolve("growing.jsonl");
    String third = lines.get(2);
    Files.writeString(file, lines.get(0) + "\n" + lines.get(1) + "\n" + third.substring(0, third.length() / 2));
    ServiceContext ctx = ServiceContext.create("ingest-gcp", ServiceConfig.of(Map.of(
        "kafka.bootstrap.servers", broker.bootstrapServers(),
        "http.port", "-1",
        IngestGcpService.ARCHIVE_PATHS, dir.resolve("archive").toString(),
        IngestGcpService.ARCHIVE_MODE, "watch",
        IngestGcpService.ARCHIVE_POLL_INTERVAL, "1s")));
    IngestGcpService service = new IngestGcpService(ctx);
    try (ServiceHost host = ServiceHost.start(ctx, service, 0)) {
      Await.until(() -> service.archiveStats().lines() >= 2, "first pass", Duration.ofSeconds(30));
      // the writer finishes the line and writes another before the next pass
      Files.writeString(file, third.substring(third.length() / 2) + "\n" + lines.get(3) + "\n",
          StandardOpenOption.APPEND);
      Await.until(() -> service.archiveStats().produced() >= 4, "the completed lines", Duration.ofSeconds(30));
      assertThat(service.archiveStats().deadLettered()).as("half a line is not a bad line").isZero();
      assertThat(service.archiveStats().duplicates()).as("complete lines are not read twice").isZero();
      assertThat(service.archiveStats().lines()).isEqualTo(4);

      // a last line without its newline, in a file that then stops changing: its writer closed it
      Files.writeString(file, lines.get(4), StandardOpenOption.APPEND);
      Await.until(() -> service.archiveStats().produced() >= 5, "the closed file's last line", Duration.ofSeconds(30));
      assertThat(service.archiveStats().deadLettered()).isZero();
    }
    String locator = file.toAbsolutePath().toString();
    var written = TestKafka.entries(broker, e -> e.getSource().getLocator().equals(locator), 5);
    assertThat(written).extracting(k -> k.entry().getSource().getOffset()).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L);
  }

  /** A backfill is not done while a file is unreadable: the pass is repeated until every line is in Kafka. */
  @Test
  void onceModeRepeatsThePassUntilEveryFileIsRead(EmbeddedKafkaBroker broker, @TempDir Path dir) throws Exception {
    List<String> lines = Fixtures.lines("plaso-gcp_logging.jsonl");
    Path archive = Files.createDirectories(dir.resolve("archive"));
    Files.writeString(archive.resolve("a.jsonl"), lines.get(0) + "\n");
    byte[] gz = gzip(lines.get(1) + "\n" + lines.get(2) + "\n");
    Path cut = archive.resolve("b.jsonl.gz");
    Files.write(cut, java.util.Arrays.copyOf(gz, gz.length - 12)); // an upload cut short: no gzip trailer
    ServiceContext ctx = ServiceContext.create("ingest-gcp", ServiceConfig.of(Map.of(
        "kafka.bootstrap.servers", broker.bootstrapServers(),
        "http.port", "-1",
        IngestGcpService.ARCHIVE_PATHS, archive.toString())));
    IngestGcpService service = new IngestGcpService(ctx);
    try (ServiceHost host = ServiceHost.start(ctx, service, 0)) {
      Await.until(() -> service.readiness().detail().contains("archive retrying"), "a failed pass",
          Duration.ofSeconds(30));
      assertThat(service.readiness().detail()).contains("a file failed: " + cut);
      assertThat(service.archiveCaughtUp()).isFalse();
      Files.write(cut, gz); // the upload completed
      Await.until(service::archiveCaughtUp, "a complete pass", Duration.ofSeconds(30));
      assertThat(service.readiness().detail()).contains("archive done");
    }
    String locator = cut.toAbsolutePath().toString();
    var written = TestKafka.entries(broker, e -> e.getSource().getLocator().equals(locator), 2);
    assertThat(written).extracting(k -> k.entry().getSource().getOffset()).containsExactlyInAnyOrder(1L, 2L);
  }

  /**
   * A log router's Cloud Storage sink read in place: objects under {@code gs://bucket/prefix} in the order of their
   * hours, a new hourly object picked up by watch mode, and after a restart only what is new: a new generation of a
   * name already read.
   */
  @Test
  void readsASinkBucketByHourAndRemembersObjectsByGeneration(EmbeddedKafkaBroker broker, @TempDir Path dir)
      throws Exception {
    AuditLogParser parser = new AuditLogParser();
    List<String> lines = dev.whodrove.testkit.GcpAuditFixtures.all().stream()
        .filter(l -> parser.parse(l.getBytes(java.nio.charset.StandardCharsets.UTF_8)) instanceof ParseOutcome.Accepted)
        .toList();
    assertThat(lines.size()).isGreaterThanOrEqualTo(9);
    String activity = "cloudaudit.googleapis.com/activity/2024/05/01/";
    String dataAccess = "cloudaudit.googleapis.com/data_access/2024/05/01/";
    String ten = "10:00:00_10:59:59_S0.json";
    String eleven = "11:00:00_11:59:59_S0.json";
    try (dev.whodrove.testkit.GcsJsonApiServer gcs = new dev.whodrove.testkit.GcsJsonApiServer()) {
      gcs.put("audit-sink", activity + ten, bytes(lines.get(0), lines.get(1)));
      gcs.put("audit-sink", activity + eleven, bytes(lines.get(2)));
      gcs.put("audit-sink", dataAccess + ten, bytes(lines.get(3)));
      gcs.put("audit-sink", "cloudaudit.googleapis.com/README.txt", bytes("not an archive"));
      gcs.put("audit-sink", "other/2024/05/01/" + ten, bytes(lines.get(8))); // outside the prefix
      Map<String, String> settings = Map.of(
          "kafka.bootstrap.servers", broker.bootstrapServers(),
          "http.port", "-1",
          IngestGcpService.ARCHIVE_PATHS, "gs://audit-sink/cloudaudit.googleapis.com/",
          IngestGcpService.ARCHIVE_STATE_FILE, dir.resolve("state.txt").toString(),
          IngestGcpService.ARCHIVE_MODE, "watch",
          IngestGcpService.ARCHIVE_POLL_INTERVAL, "1s",
          CloudStorageArchive.ENDPOINT, gcs.endpoint());
      ServiceContext ctx = ServiceContext.create("ingest-gcp", ServiceConfig.of(settings));
      IngestGcpService service = new IngestGcpService(ctx);
      try (ServiceHost host = ServiceHost.start(ctx, service, 0)) {
        Await.until(() -> service.archiveStats().produced() >= 4, "the first pass", Duration.ofSeconds(30));
        // the hour decides, not the log: activity 10:00, data access 10:00, activity 11:00
        assertThat(gcs.requests().stream().filter(dev.whodrove.testkit.GcsJsonApiServer.Request::media)
            .map(dev.whodrove.testkit.GcsJsonApiServer.Request::object).distinct().toList())
            .containsExactly(activity + ten, dataAccess + ten, activity + eleven);
        // the sink writes the next hour's object
        gcs.put("audit-sink", dataAccess + eleven, bytes(lines.get(4)));
        Await.until(() -> service.archiveStats().produced() >= 5, "the new hour", Duration.ofSeconds(30));
        assertThat(service.archiveStats().files()).isEqualTo(4);
        assertThat(service.archiveStats().failed()).isZero();
        assertThat(service.readiness().detail()).contains("archive watching");
      }
      String locator = "gs://audit-sink/" + activity + ten;
      assertThat(TestKafka.entries(broker, e -> e.getSource().getLocator().equals(locator), 2))
          .extracting(k -> k.entry().getSource().getOffset()).containsExactlyInAnyOrder(1L, 2L);

      // restarted: the four objects are remembered; a rewritten one (a new generation) is read again
      gcs.put("audit-sink", activity + ten, bytes(lines.get(5), lines.get(6), lines.get(7)));
      Map<String, String> once = new java.util.HashMap<>(settings);
      once.put(IngestGcpService.ARCHIVE_MODE, "once");
      ServiceContext ctx2 = ServiceContext.create("ingest-gcp", ServiceConfig.of(once));
      IngestGcpService again = new IngestGcpService(ctx2);
      try (ServiceHost host = ServiceHost.start(ctx2, again, 0)) {
        Await.until(again::archiveCaughtUp, "the pass after the restart", Duration.ofSeconds(30));
        assertThat(again.archiveStats()).isEqualTo(new ArchiveStats(1, 3, 3, 3, 0, 0, 0));
      }
    }
  }

  private static byte[] bytes(String... lines) {
    return (String.join("\n", lines) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static byte[] gzip(String text) throws java.io.IOException {
    var bytes = new java.io.ByteArrayOutputStream();
    try (var out = new java.util.zip.GZIPOutputStream(bytes)) {
      out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }
}
