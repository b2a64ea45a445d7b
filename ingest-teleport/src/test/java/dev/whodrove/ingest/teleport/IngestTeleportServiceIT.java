package dev.whodrove.ingest.teleport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.kafka.embedded.EmbeddedKafkaExtension;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceHost;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.DeadLetter;
import dev.whodrove.testkit.TopicReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The hosted service, file backend and HTTP intake enabled, writing to the embedded broker. */
@ExtendWith(EmbeddedKafkaExtension.class)
class IngestTeleportServiceIT {
  @TempDir Path tmp;

  @Test
  void hostedServiceIngestsTheFileBackendAndTheHttpIntakeAndDeadLettersPoison(EmbeddedKafkaBroker broker) throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    Path log = tmp.resolve("teleport/log/auth-host/2024-05-01.00:00:00.log");
    Files.createDirectories(log.getParent());
    String sid = "file-" + run;
    Files.writeString(log, "{\"event\":\"session.start\",\"uid\":\"u1-" + run + "\",\"time\":\"2024-05-01T00:00:00Z\","
        + "\"sid\":\"" + sid + "\",\"proto\":\"ssh\"}\n");
    Path tar = tmp.resolve("teleport/log/records/" + sid + ".tar");
    Files.createDirectories(tar.getParent());
    Files.write(tar, new byte[] {0, 0, 0, 0, 0, 0, 0, 1});
    Files.setLastModifiedTime(tar, FileTime.from(Instant.now().minusSeconds(60)));
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ServiceConfig cfg = ServiceConfig.of(Map.ofEntries(
        Map.entry("kafka.bootstrap.servers", broker.bootstrapServers()),
        Map.entry(IngestTeleportService.FILE_ENABLED, "true"),
        Map.entry(FileBackendSource.DATA_DIR, tmp.resolve("teleport").toString()),
        Map.entry(FileBackendSource.STATE_PATH, tmp.resolve("state.json").toString()),
        Map.entry(FileBackendSource.POLL_INTERVAL, "100ms"),
        Map.entry(IngestTeleportService.HTTP_ENABLED, "true"),
        Map.entry(HttpIntakeServer.HOST, "127.0.0.1"),
        Map.entry(HttpIntakeServer.PORT, Integer.toString(port)),
        Map.entry(HttpIntakeServer.TOKEN, "t0ken"),
        Map.entry("topics.partitions", "2")));
    ServiceContext ctx = ServiceContext.create(IngestTeleportService.NAME, cfg);
    try (ServiceHost host = ServiceHost.start(ctx, new IngestTeleportService(ctx), -1)) {
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> r = http.send(post(port, "t0ken", "{\"event\":\"session.end\",\"uid\":\"u2-" + run
          + "\",\"time\":\"2024-05-01T00:05:00Z\",\"sid\":\"" + sid + "\",\"interactive\":true}"),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      // poison in one body: each bad line is dead-lettered with its position, the good line after them flows
      String poison = String.join("\n",
          "{\"event\":\"session.start\",\"time\":\"+999999999-12-31T23:59:59Z\",\"sid\":\"" + sid + "\"}",
          "{\"event\":\"session.start\",\"time\":\"2024-05-01T00:01:00Z\",\"x\":" + "[".repeat(300)
              + "]".repeat(300) + "}",
          "{\"event\":\"session.data\",\"time\":\"2024-05-01T00:01:00Z\",\"sid\":\"../../etc/passwd\"}",
          "not an event",
          "{\"event\":\"session.leave\",\"uid\":\"u3-" + run + "\",\"time\":\"2024-05-01T00:04:00Z\",\"sid\":\""
              + sid + "\"}");
      HttpResponse<String> mixed = http.send(post(port, "t0ken", poison), HttpResponse.BodyHandlers.ofString());
      assertThat(mixed.statusCode()).isEqualTo(200);
      assertThat(mixed.body()).contains("\"accepted\":1").contains("\"rejected\":4");
      String requestId = mixed.body().replaceAll(".*\"request_id\":\"([^\"]+)\".*", "$1");
      // no token, a wrong token: refused, nothing written
      assertThat(http.send(post(port, null, poison), HttpResponse.BodyHandlers.ofString()).statusCode())
          .isEqualTo(401);
      assertThat(http.send(post(port, "wrong", poison), HttpResponse.BodyHandlers.ofString()).statusCode())
          .isEqualTo(401);

      var events = TopicReader.readCommitted(broker.bootstrapServers(), Topics.TELEPORT_AUDIT_EVENTS.name(),
          rec -> sid.equals(new String(rec.key(), StandardCharsets.UTF_8)), l -> l.size() >= 3, Duration.ofSeconds(20));
      assertThat(events).hasSize(3);
      var dead = TopicReader.readCommitted(broker.bootstrapServers(), Topics.TELEPORT_AUDIT_EVENTS.deadLetterTopic(),
          rec -> fromRequest(rec, requestId), l -> l.size() >= 4, Duration.ofSeconds(20));
      assertThat(dead).hasSize(4).allSatisfy(rec -> {
        DeadLetter d = DeadLetter.parseFrom(rec.value());
        assertThat(d.getSource().getSource()).isEqualTo("http");
        assertThat(d.getReason()).isNotBlank();
      });
      var refs = TopicReader.readCommitted(broker.bootstrapServers(), Topics.TELEPORT_RECORDINGS.name(),
          rec -> sid.equals(new String(rec.key(), StandardCharsets.UTF_8)), l -> !l.isEmpty(), Duration.ofSeconds(20));
      assertThat(refs).hasSize(1);
      assertThat(host.service().readiness().ready()).isTrue();
    }
  }

  /** Dead letters of one intake request (other tests of this module share the broker). */
  private static boolean fromRequest(org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> rec,
      String requestId) {
    try {
      return DeadLetter.parseFrom(rec.value()).getSource().getLocator().equals(requestId);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      return false;
    }
  }

  private static HttpRequest post(int port, String token, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
        .POST(HttpRequest.BodyPublishers.ofString(body));
    return (token == null ? b : b.header("Authorization", "Bearer " + token)).build();
  }
}
