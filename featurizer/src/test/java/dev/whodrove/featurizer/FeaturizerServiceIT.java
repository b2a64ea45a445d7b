package dev.whodrove.featurizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceHost;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.DeadLetter;
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
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The service on a real broker: topics, exactly-once output, dead letters of undecodable input. */
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
}
