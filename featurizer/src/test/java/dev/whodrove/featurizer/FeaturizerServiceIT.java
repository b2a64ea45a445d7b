package dev.whodrove.featurizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceHost;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.DeadLetter;
import dev.whodrove.schemas.v1.GcpAuditEntry;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.testkit.TopicReader;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The service on a real broker: topics, exactly-once output, dead letters of undecodable input, wall-clock closing
 * after a restart.
 */
@ExtendWith(dev.whodrove.kafka.embedded.EmbeddedKafkaExtension.class)
class FeaturizerServiceIT {

  @Test
  void featurizesARecordingAndDeadLettersGarbage(EmbeddedKafkaBroker broker) throws Exception {
    String bootstrap = broker.bootstrapServers();
    ServiceConfig cfg = ServiceConfig.of(Map.of(
        "kafka.bootstrap.servers", bootstrap,
        "http.port", "-1",
        "application.id", "featurizer-it-" + UUID.randomUUID(),
        "state.dir", Files.createTempDirectory("featurizer-it").toString()));
    try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
      Topics.ensureTopics(admin);
    }
    ServiceContext ctx = ServiceContext.create(FeaturizerService.NAME, cfg);
    try (ServiceHost host = ServiceHost.start(ctx, new FeaturizerService(ctx), 0)) {
      List<RecordingEvent> events = new Recordings("sid-it").start(true)
          .prints(Recordings.humanGaps(new Random(8), 200)).end(true).complete().events();
      try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", bootstrap),
          new StringSerializer(), new ByteArraySerializer())) {
        producer.send(new ProducerRecord<>(Topics.TELEPORT_RECORDING_EVENTS.name(), "sid-it", new byte[] {0x0a, 0x7f}));
        for (RecordingEvent e : events) {
          producer.send(new ProducerRecord<>(Topics.TELEPORT_RECORDING_EVENTS.name(), "sid-it", e.toByteArray()));
        }
      }
      List<SessionFeatures> features = new ArrayList<>();
      List<DeadLetter> letters = new ArrayList<>();
      try (TopicReader reader = TopicReader.committed(bootstrap, Topics.SESSION_FEATURES.name(),
          Topics.TELEPORT_RECORDING_EVENTS.deadLetterTopic())) {
        reader.pollUntil(r -> {
          if (r.topic().equals(Topics.SESSION_FEATURES.name()) && "sid-it".equals(TopicReader.key(r))) {
            features.add(TopicReader.value(r, SessionFeatures.parser()));
          } else if (r.topic().endsWith(".dlq")) {
            letters.add(TopicReader.value(r, DeadLetter.parser()));
          }
        }, () -> !features.isEmpty() && !letters.isEmpty(), Duration.ofSeconds(60));
      }
      assertThat(features).hasSize(1);
      assertThat(features.get(0).getTeleport().getPrintChunks()).isEqualTo(200);
      assertThat(features.get(0).getCadence().getNEvents()).isEqualTo(200);
      assertThat(letters).hasSize(1);
      assertThat(letters.get(0).getReason()).startsWith("undecodable record");
      assertThat(letters.get(0).getOriginalValue().toByteArray()).containsExactly(0x0a, 0x7f);
    }
  }

  /**
   * A restart onto an input with nothing more for it: the restored open burst still closes by wall clock, because
   * the restarted instance learns from its consumer's lag (the client's {@code records-lag}, read by the runtime)
   * that nothing waits; it is the restarted instance that closes it, not the stopped one.
   */
  @Test
  void aRestartOntoAnInputWithNothingMoreStillClosesTheRestoredBurst(EmbeddedKafkaBroker broker) throws Exception {
    String bootstrap = broker.bootstrapServers();
    String appId = "featurizer-it-" + UUID.randomUUID();
    ServiceConfig cfg = ServiceConfig.of(Map.of(
        "kafka.bootstrap.servers", bootstrap,
        "http.port", "-1",
        "application.id", appId,
        "state.dir", Files.createTempDirectory("featurizer-it").toString(),
        "featurizer.punctuate.interval", "500ms",
        "featurizer.gcp.wall.close.after", "10s",
        "featurizer.gcp.burst.wall.close.after", "10s"));
    String principal = "restart@example.com";
    try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
      Topics.ensureTopics(admin);
      ServiceContext ctx = ServiceContext.create(FeaturizerService.NAME, cfg);
      try (ServiceHost host = ServiceHost.start(ctx, new FeaturizerService(ctx), 0)) {
        try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", bootstrap),
            new StringSerializer(), new ByteArraySerializer())) {
          long t0 = System.currentTimeMillis() - 120_000;
          for (int i = 0; i < 30; i++) {
            GcpAuditEntry e = GcpAuditEntry.newBuilder().setInsertId("restart-" + i).setTimestampMs(t0 + 2_000L * i)
                .setPrincipal(principal).setServiceName("compute.googleapis.com")
                .setMethodName("v1.compute.instances.list").setCallerIp("10.0.0.9")
                .setUserAgent("google-cloud-sdk gcloud/500.0.0 command/gcloud.compute.instances.list").build();
            producer.send(new ProducerRecord<>(Topics.GCP_AUDIT_ENTRIES.name(), principal, e.toByteArray()));
          }
        }
        awaitAllEntriesCommitted(admin, appId);
      }
      long restartedAt = System.currentTimeMillis();
      ServiceContext ctx2 = ServiceContext.create(FeaturizerService.NAME, cfg);
      try (ServiceHost host = ServiceHost.start(ctx2, new FeaturizerService(ctx2), 0)) {
        List<SessionFeatures> bursts = new ArrayList<>();
        try (TopicReader reader = TopicReader.committed(bootstrap, Topics.SESSION_FEATURES.name())) {
          reader.pollUntil(r -> {
            SessionFeatures f = r.value() == null ? null : TopicReader.value(r, SessionFeatures.parser());
            if (f != null && f.getSubstrate().equals(BurstBuilder.SUBSTRATE) && f.getUser().equals(principal)) {
              bursts.add(f);
            }
          }, () -> !bursts.isEmpty(), Duration.ofSeconds(60));
        }
        assertThat(bursts).extracting(b -> b.getBurst().getEntryCount()).containsExactly(30L);
        assertThat(bursts.get(0).getComputedAtMs()).isGreaterThanOrEqualTo(restartedAt);
      }
    }
  }

  /** Waits until the featurizer's committed offsets cover every GCP entry: its state holds them all. */
  private static void awaitAllEntriesCommitted(Admin admin, String appId) throws Exception {
    String topic = Topics.GCP_AUDIT_ENTRIES.name();
    List<TopicPartition> parts = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
        .stream().map(i -> new TopicPartition(topic, i.partition())).toList();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      Map<TopicPartition, Long> end = new java.util.HashMap<>();
      for (var e : admin.listOffsets(parts.stream().collect(java.util.stream.Collectors.toMap(tp -> tp,
          tp -> OffsetSpec.latest()))).all().get().entrySet()) {
        end.put(e.getKey(), e.getValue().offset());
      }
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets(appId).partitionsToOffsetAndMetadata().get();
      if (end.entrySet().stream().allMatch(e -> e.getValue() == 0 || (committed.get(e.getKey()) != null
          && committed.get(e.getKey()).offset() >= e.getValue()))) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the featurizer did not commit the GCP entries within 60 s");
  }
}
