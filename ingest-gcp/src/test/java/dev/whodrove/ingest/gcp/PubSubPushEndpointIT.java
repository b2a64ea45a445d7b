package dev.whodrove.ingest.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.kafka.embedded.EmbeddedKafkaExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Pub/Sub push over real HTTP into the embedded broker. */
@ExtendWith(EmbeddedKafkaExtension.class)
class PubSubPushEndpointIT {
  private static final String TOKEN = "s3cret-token";
  private final HttpClient http = HttpClient.newHttpClient();

  private static String envelope(String messageId, byte[] data) {
    return "{\"message\":{\"attributes\":{\"logging.googleapis.com/timestamp\":\"x\"},\"data\":\""
        + Base64.getEncoder().encodeToString(data) + "\",\"messageId\":\"" + messageId
        + "\",\"publishTime\":\"2024-01-01T00:00:00Z\"},\"subscription\":\"projects/p/subscriptions/push\"}";
  }

  private int post(int port, String query, String bearer, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/pubsub/push" + query))
        .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(30));
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Test
  void answersAfterKafkaAndDeadLettersMalformedInput(EmbeddedKafkaBroker broker) throws Exception {
    TestKafka.ensureTopics(broker);
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    byte[] entry = Fixtures.line("elastic-integrations.jsonl", 4);
    try (EntryPublisher publisher = TestKafka.publisher(broker, TestKafka.sender(broker), metrics);
        PubSubPushEndpoint endpoint = PushEndpoints.start(publisher, PushEndpoints.sharedToken(TOKEN),
            Duration.ofSeconds(20), 4)) {
      int port = endpoint.port();

      assertThat(post(port, "", null, envelope("push-nok", entry))).isEqualTo(401);
      assertThat(post(port, "", "wrong", envelope("push-nok", entry))).isEqualTo(401);
      assertThat(post(port, "", TOKEN, envelope("push-ok-1", entry))).isEqualTo(204);
      // a token in the URL is refused, even the right one
      assertThat(post(port, "?token=" + TOKEN, null, envelope("push-ok-2", entry))).isEqualTo(401);
      // a copy under another message id is acknowledged but not written again
      assertThat(post(port, "", TOKEN, envelope("push-ok-2", entry))).isEqualTo(204);
      // a well-formed envelope around a non-audit entry: dead-lettered and acknowledged (200, with a note)
      assertThat(post(port, "", TOKEN, envelope("push-text",
          "{\"timestamp\":\"2024-01-01T00:00:00Z\",\"textPayload\":\"hi\"}".getBytes(StandardCharsets.UTF_8))))
          .isEqualTo(200);
      // not an envelope: dead-lettered, then acknowledged (2xx) so Pub/Sub does not deliver it again
      assertThat(post(port, "", TOKEN, "{\"message\":{\"attributes\":{}}}")).isEqualTo(200);
      assertThat(post(port, "", TOKEN, "{\"message\":{\"data\":\"%%%not base64\"}}")).isEqualTo(200);

      // the 204 came after Kafka acknowledged, so the record is already there
      var written = TestKafka.entries(broker, e -> e.getSource().getLocator().startsWith("push-"), 1);
      assertThat(written).singleElement().satisfies(k -> {
        assertThat(k.key()).isEqualTo("user@mycompany.com");
        assertThat(k.entry().getSource().getSource()).isEqualTo("pubsub-push");
        assertThat(k.entry().getSource().getLocator()).isEqualTo("push-ok-1");
        assertThat(k.entry().getUserAgent()).startsWith("google-cloud-sdk gcloud/290.0.1");
      });
      var dead = TestKafka.deadLetters(broker, d -> d.getSource().getSource().equals("http")
          || d.getSource().getLocator().equals("push-text"), 3);
      assertThat(dead).extracting(d -> d.getReason().substring(0, d.getReason().indexOf(':')))
          .containsExactlyInAnyOrder("not_audit_log", "bad_envelope", "bad_envelope");
      assertThat(dead).allSatisfy(d -> assertThat(d.getService()).isEqualTo("ingest-gcp"));
    }
  }

  @Test
  void kafkaFailureAsksPubSubToRetry() throws Exception {
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    RecordSender broken = new TestSenders.FailingFirst(null, Integer.MAX_VALUE);
    try (EntryPublisher publisher = new EntryPublisher("ingest-gcp", new AuditLogParser(), broken,
        java.util.Map.of(), Duration.ofMinutes(1), 1000, metrics);
        PubSubPushEndpoint endpoint = PushEndpoints.start(publisher, PushEndpoints.insecure(),
            Duration.ofSeconds(5), 2)) {
      assertThat(post(endpoint.port(), "", null, envelope("m1", Fixtures.line("grafana-alloy.jsonl", 1))))
          .isEqualTo(503);
      assertThat(post(endpoint.port(), "", null, "garbage")).isEqualTo(503);
      // the failed write was not remembered as published: a retry is written, not dropped as a duplicate
      assertThat(post(endpoint.port(), "", null, envelope("m1", Fixtures.line("grafana-alloy.jsonl", 1))))
          .isEqualTo(503);
      assertThat(metrics.counter("whodrove.ingest.gcp.entries", "outcome", "failed", "source", "pubsub-push").count())
          .isEqualTo(2);
    }
  }
}
