package dev.whodrove.ingest.teleport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.kafka.embedded.EmbeddedKafkaExtension;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.DeadLetter;
import dev.whodrove.schemas.v1.RecordingRef;
import dev.whodrove.schemas.v1.SourcePosition;
import dev.whodrove.testkit.TopicReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** The S3-notification path against ElasticMQ (SQS in process) and the embedded broker, crash included. */
@ExtendWith(EmbeddedKafkaExtension.class)
class SqsNotificationSourceIT {
  private static SQSRestServer server;
  private static SqsClient sqs;

  @BeforeAll
  static void startSqs(EmbeddedKafkaBroker broker) {
    server = SQSRestServerBuilder.withInterface("127.0.0.1").withDynamicPort().start();
    int port = server.waitUntilStarted().localAddress().getPort();
    sqs = SqsClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + port)).region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
        .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    KafkaTestSupport.createTopics(broker);
  }

  @AfterAll
  static void stopSqs() {
    sqs.close();
    server.stopAndWait();
  }

  private static String notification(String key) {
    return "{\"Records\":[{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\","
        + "\"s3\":{\"bucket\":{\"name\":\"recordings\"},\"object\":{\"key\":\"" + key + "\",\"size\":77}}}]}";
  }

  private static String queue(String name) {
    return sqs.createQueue(b -> b.queueName(name)
        .attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "1"))).queueUrl();
  }

  private static int messagesLeft(String url) {
    var a = sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(
        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
        .attributes();
    return Integer.parseInt(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
        + Integer.parseInt(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
  }

  @Test
  void crashBeforeKafkaAckLosesNothing(EmbeddedKafkaBroker broker) throws Exception {
    String url = queue("crash-" + UUID.randomUUID());
    String sid = UUID.randomUUID().toString();
    sqs.sendMessage(b -> b.queueUrl(url).messageBody(notification("sessions/" + sid + ".tar")));

    // first life: the message is received and handed on, but Kafka never acknowledges before the process dies
    CountDownLatch received = new CountDownLatch(1);
    SourceOutput hanging = new CollectingOutput() {
      @Override
      public CompletableFuture<Boolean> publishRecording(RecordingRef ref) {
        received.countDown();
        return new CompletableFuture<>();
      }
    };
    SqsNotificationSource first = new SqsNotificationSource(sqs, url, hanging, Clock.systemUTC(), 1, 10,
        Duration.ofMinutes(5));
    first.start();
    assertThat(received.await(20, TimeUnit.SECONDS)).isTrue();
    first.close(Duration.ZERO); // the kill: no delete was sent
    assertThat(messagesLeft(url)).isEqualTo(1);

    // second life, with a real producer: the message comes back after the visibility timeout and is published
    try (TeleportPublisher publisher = KafkaTestSupport.publisher(broker, Duration.ofMinutes(10))) {
      SqsNotificationSource second = new SqsNotificationSource(sqs, url, publisher, Clock.systemUTC(), 1, 10,
          Duration.ofSeconds(30));
      int deleted = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (deleted == 0 && System.nanoTime() < deadline) {
        deleted = second.pollOnce();
      }
      assertThat(deleted).isEqualTo(1);
    }
    assertThat(messagesLeft(url)).isZero();
    List<ConsumerRecord<byte[], byte[]>> recs = TopicReader.readCommitted(broker.bootstrapServers(),
        Topics.TELEPORT_RECORDINGS.name(), r -> sid.equals(new String(r.key(), StandardCharsets.UTF_8)),
        l -> !l.isEmpty(), Duration.ofSeconds(20));
    assertThat(recs).hasSize(1);
    RecordingRef ref = RecordingRef.parseFrom(recs.get(0).value());
    assertThat(ref.getUri()).isEqualTo("s3://recordings/sessions/" + sid + ".tar");
    assertThat(ref.getSizeBytes()).isEqualTo(77);
    assertThat(ref.getSource().getSource()).isEqualTo("sqs");
    assertThat(ref.getSource().getLocator()).isNotEmpty();
  }

  @Test
  void malformedNotificationsAreDeadLetteredThenDeleted(EmbeddedKafkaBroker broker) throws Exception {
    String url = queue("bad-" + UUID.randomUUID());
    String marker = "garbage-" + UUID.randomUUID();
    String msgId = sqs.sendMessage(b -> b.queueUrl(url).messageBody(marker)).messageId();
    try (TeleportPublisher publisher = KafkaTestSupport.publisher(broker, Duration.ofMinutes(10))) {
      SqsNotificationSource src = new SqsNotificationSource(sqs, url, publisher, Clock.systemUTC(), 1, 10,
          Duration.ofSeconds(30));
      assertThat(src.pollOnce()).isEqualTo(1);
    }
    assertThat(messagesLeft(url)).isZero();
    List<ConsumerRecord<byte[], byte[]>> dlq = TopicReader.readCommitted(broker.bootstrapServers(),
        Topics.TELEPORT_RECORDINGS.deadLetterTopic(),
        r -> {
          try {
            return DeadLetter.parseFrom(r.value()).getOriginalValue().toStringUtf8().equals(marker);
          } catch (Exception e) {
            return false;
          }
        }, l -> !l.isEmpty(), Duration.ofSeconds(20));
    assertThat(dlq).hasSize(1);
    DeadLetter dl = DeadLetter.parseFrom(dlq.get(0).value());
    assertThat(dl.getSource()).isEqualTo(SourcePosition.newBuilder().setSource("sqs").setLocator(msgId)
        .setOffset(-1).build());
    assertThat(dl.getReason()).contains("not JSON");
    assertThat(dl.getService()).isEqualTo("ingest-teleport");
  }

  @Test
  void hostileNotificationsInOneReceiveDoNotHoldUpTheGoodOnes(EmbeddedKafkaBroker broker) throws Exception {
    String url = queue("hostile-" + UUID.randomUUID());
    String sid = UUID.randomUUID().toString();
    sqs.sendMessage(b -> b.queueUrl(url).messageBody(notification("sessions/bad%zz" + sid + ".tar")));
    sqs.sendMessage(b -> b.queueUrl(url).messageBody(notification("sessions/../../etc/" + sid + ".tar")));
    sqs.sendMessage(b -> b.queueUrl(url).messageBody("{\"Records\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}"));
    sqs.sendMessage(b -> b.queueUrl(url).messageBody(notification("sessions/" + sid + ".tar")));
    int deleted = 0;
    try (TeleportPublisher publisher = KafkaTestSupport.publisher(broker, Duration.ofMinutes(10))) {
      SqsNotificationSource src = new SqsNotificationSource(sqs, url, publisher, Clock.systemUTC(), 1, 10,
          Duration.ofSeconds(30));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (deleted < 4 && System.nanoTime() < deadline) {
        deleted += src.pollOnce();
      }
    }
    assertThat(deleted).isEqualTo(4);
    assertThat(messagesLeft(url)).isZero();
    List<ConsumerRecord<byte[], byte[]>> recs = TopicReader.readCommitted(broker.bootstrapServers(),
        Topics.TELEPORT_RECORDINGS.name(), r -> sid.equals(new String(r.key(), StandardCharsets.UTF_8)),
        l -> !l.isEmpty(), Duration.ofSeconds(20));
    assertThat(recs).extracting(r -> RecordingRef.parseFrom(r.value()).getUri())
        .containsExactly("s3://recordings/sessions/" + sid + ".tar");
  }
}
