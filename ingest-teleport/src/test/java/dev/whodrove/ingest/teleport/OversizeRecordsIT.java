package dev.whodrove.ingest.teleport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.kafka.embedded.EmbeddedKafkaExtension;
import dev.whodrove.runtime.DeadLetters;
import dev.whodrove.runtime.MessageLimits;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.DeadLetter;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import dev.whodrove.testkit.TopicReader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records over Kafka's default 1 MiB through the file backend and the real producer: the good lines around an
 * oversize event are published, the oversize one is dead-lettered cut to the limit with its length and digest, and
 * the pass completes instead of being retried forever.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class OversizeRecordsIT {
  @TempDir Path tmp;

  private static String event(String uid, String sid) {
    return "{\"event\":\"session.start\",\"uid\":\"" + uid + "\",\"code\":\"T2000I\",\"time\":\"2024-05-01T10:00:00Z\","
        + "\"sid\":\"" + sid + "\"}";
  }

  private static boolean deadLetterOf(ConsumerRecord<byte[], byte[]> r, String locator) {
    try {
      return DeadLetter.parseFrom(r.value()).getSource().getLocator().equals(locator);
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  void aThreeMebibyteAuditLineIsDeadLetteredAndTheLinesAroundItArePublished(EmbeddedKafkaBroker broker)
      throws Exception {
    KafkaTestSupport.createTopics(broker);
    String run = UUID.randomUUID().toString().substring(0, 8);
    String sid = "sid-" + run;
    // a session.command whose argv carries 3 MiB: Teleport writes such lines for a long command line
    String huge = "{\"event\":\"session.command\",\"uid\":\"big-" + run + "\",\"code\":\"T4000I\","
        + "\"time\":\"2024-05-01T10:00:01Z\",\"sid\":\"" + sid + "\",\"program\":\"sh\",\"argv\":[\"-c\",\""
        + "x".repeat(3 << 20) + "\"]}";
    byte[] hugeBytes = huge.getBytes(StandardCharsets.UTF_8);
    Path log = tmp.resolve("teleport/log/h/2024-05-01.00:00:00.log");
    Files.createDirectories(log.getParent());
    Files.writeString(log, event("a-" + run, sid) + "\n" + huge + "\n" + event("b-" + run, sid) + "\n");
    ServiceConfig cfg = ServiceConfig.of(Map.of(
        FileBackendSource.DATA_DIR, tmp.resolve("teleport").toString(),
        FileBackendSource.STATE_PATH, tmp.resolve("state.json").toString()));

    IngestStats stats;
    try (TeleportPublisher publisher = KafkaTestSupport.publisher(broker, Duration.ofMinutes(10));
        FileBackendSource source = new FileBackendSource(cfg, publisher, new AuditEventParser(), Clock.systemUTC())) {
      stats = source.ingestOnce();
    }
    assertThat(stats.events()).isEqualTo(2);
    assertThat(stats.rejected()).isEqualTo(1);

    List<ConsumerRecord<byte[], byte[]>> events = TopicReader.readCommitted(broker.bootstrapServers(),
        Topics.TELEPORT_AUDIT_EVENTS.name(), r -> r.key() != null && new String(r.key(), StandardCharsets.UTF_8)
            .equals(sid), l -> l.size() >= 2, Duration.ofSeconds(30));
    assertThat(events).extracting(r -> TeleportAuditEvent.parseFrom(r.value()).getUid())
        .containsExactly("a-" + run, "b-" + run);

    List<ConsumerRecord<byte[], byte[]>> dlq = TopicReader.readCommitted(broker.bootstrapServers(),
        Topics.TELEPORT_AUDIT_EVENTS.deadLetterTopic(), r -> deadLetterOf(r, log.toString()), l -> !l.isEmpty(),
        Duration.ofSeconds(30));
    assertThat(dlq).hasSize(1);
    DeadLetter dl = DeadLetter.parseFrom(dlq.get(0).value());
    assertThat(dl.getReason()).startsWith("line of " + hugeBytes.length + " bytes");
    assertThat(dl.getSource().getOffset()).isEqualTo(event("a-" + run, sid).length() + 1);
    assertThat(dl.getOriginalValueSize()).isEqualTo(hugeBytes.length);
    assertThat(dl.getOriginalValueSha256().toByteArray()).isEqualTo(DeadLetters.sha256(hugeBytes));
    assertThat(dl.getOriginalTruncated()).isTrue();
    assertThat(dl.getOriginalValue().toByteArray())
        .isEqualTo(Arrays.copyOf(hugeBytes, MessageLimits.DEFAULT_DEAD_LETTER_MAX_ORIGINAL_BYTES));

    try (Admin admin = Admin.create(KafkaTestSupport.clientProps(broker))) {
      ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, Topics.TELEPORT_AUDIT_EVENTS.name());
      Config c = admin.describeConfigs(List.of(topic)).all().get().get(topic);
      assertThat(c.get("max.message.bytes").value()).isEqualTo(Integer.toString(Topics.DEFAULT_MAX_MESSAGE_BYTES));
    }
  }

  @Test
  void anEventOverTheRecordLimitIsDeadLetteredNotRetried(EmbeddedKafkaBroker broker) throws Exception {
    KafkaTestSupport.createTopics(broker);
    String run = UUID.randomUUID().toString().substring(0, 8);
    // a record limit below the event size limit: the parsed event (original JSON + normalized fields) cannot be sent
    MessageLimits limits = new MessageLimits(900 * 1024, 256 * 1024);
    String labels = "x".repeat(700 * 1024);
    String json = "{\"event\":\"session.start\",\"uid\":\"over-" + run + "\",\"time\":\"2024-05-01T10:00:00Z\","
        + "\"sid\":\"over-" + run + "\",\"server_labels\":{\"big\":\"" + labels + "\"}}";
    TeleportAuditEvent e = new AuditEventParser().parse(json, KafkaTestSupport.position("http", "req-" + run, 0));
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    try (TeleportPublisher publisher = new TeleportPublisher("ingest-teleport", KafkaTestSupport.clientProps(broker),
        Map.of(), 100, new RecordingDeduplicator(Duration.ofMinutes(1), 100, Clock.systemUTC()), metrics,
        Clock.systemUTC(), limits)) {
      publisher.publishEvent(e).get(30, java.util.concurrent.TimeUnit.SECONDS);
      TeleportAuditEvent small = new AuditEventParser().parse(event("ok-" + run, "over-" + run),
          KafkaTestSupport.position("http", "req-" + run, 1));
      publisher.publishEvent(small).get(30, java.util.concurrent.TimeUnit.SECONDS);
    }
    List<ConsumerRecord<byte[], byte[]>> dlq = TopicReader.readCommitted(broker.bootstrapServers(),
        Topics.TELEPORT_AUDIT_EVENTS.deadLetterTopic(), r -> deadLetterOf(r, "req-" + run), l -> !l.isEmpty(),
        Duration.ofSeconds(30));
    DeadLetter dl = DeadLetter.parseFrom(dlq.get(0).value());
    assertThat(dl.getReason()).startsWith("the event's record of about ");
    assertThat(dl.getOriginalValueSize()).isEqualTo(json.getBytes(StandardCharsets.UTF_8).length);
    assertThat(metrics.get("whodrove.ingest.teleport.rejected").tag("reason", "too_large").counter().count())
        .isEqualTo(1);
    List<ConsumerRecord<byte[], byte[]>> events = TopicReader.readCommitted(broker.bootstrapServers(),
        Topics.TELEPORT_AUDIT_EVENTS.name(), r -> r.key() != null && new String(r.key(), StandardCharsets.UTF_8)
            .equals("over-" + run), l -> !l.isEmpty(), Duration.ofSeconds(30));
    assertThat(events).extracting(r -> TeleportAuditEvent.parseFrom(r.value()).getUid()).containsExactly("ok-" + run);
  }
}
