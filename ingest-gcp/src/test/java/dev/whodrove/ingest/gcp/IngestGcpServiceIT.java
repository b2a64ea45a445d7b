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

  private static byte[] gzip(String text) throws java.io.IOException {
    var bytes = new java.io.ByteArrayOutputStream();
    try (var out = new java.util.zip.GZIPOutputStream(bytes)) {
      out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }
}
