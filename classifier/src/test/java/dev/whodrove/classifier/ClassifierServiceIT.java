package dev.whodrove.classifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.kafka.embedded.EmbeddedKafkaExtension;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceHost;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.DeadLetter;
import dev.whodrove.schemas.v1.Escalation;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import dev.whodrove.testkit.TopicReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The service on a real broker: topic creation, labels, escalations, dead letters (the JSON mirrors are siem-export's). */
@ExtendWith(EmbeddedKafkaExtension.class)
class ClassifierServiceIT {

  @Test
  void classifiesAndDeadLetters(EmbeddedKafkaBroker broker, @TempDir Path state) throws Exception {
    String bootstrap = broker.bootstrapServers();
    ServiceConfig cfg = ServiceConfig.of(Map.of(
        "kafka.bootstrap.servers", bootstrap,
        "state.dir", state.toString(),
        "topics.partitions", "1",
        "topics.replication.factor", "1",
        ClassifierConfig.APPLICATION_ID, "whodrove-classifier-it"));
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      Topics.ensureTopics(admin, List.of(Topics.SESSION_FEATURES), 1, (short) 1, Duration.ofSeconds(30));
    }
    ServiceContext ctx = ServiceContext.create("classifier", cfg);
    ServiceHost host = ServiceHost.start(ctx, new ClassifierService(ctx), -1);
    try {
      SessionFeatures agent = Reference.teleport("it-agent", Reference.ssh(), Reference.OPUS);
      SessionFeatures human = Reference.teleport("it-human", Reference.ssh(), Reference.HUMAN);
      var serde = Topics.SESSION_FEATURES.valueSerde(Map.of());
      try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
          new ByteArraySerializer(), new ByteArraySerializer())) {
        p.send(new ProducerRecord<>(Topics.SESSION_FEATURES.name(), bytes("it-bad"), new byte[] {0x0a, (byte) 0xff}));
        p.send(new ProducerRecord<>(Topics.SESSION_FEATURES.name(), bytes("it-agent"), serde.serializer()
            .serialize(Topics.SESSION_FEATURES.name(), agent)));
        p.send(new ProducerRecord<>(Topics.SESSION_FEATURES.name(), bytes("it-human"), serde.serializer()
            .serialize(Topics.SESSION_FEATURES.name(), human)));
        p.flush();
      }
      List<ConsumerRecord<byte[], byte[]>> labels = read(bootstrap, Topics.SESSION_LABELS.name(), 2);
      var verdicts = labels.stream()
          .map(r -> Topics.SESSION_LABELS.valueSerde(Map.of()).deserialize(r.topic(), r.value()))
          .map(SessionVerdict::getSessionId).toList();
      assertThat(verdicts).containsExactlyInAnyOrder("it-agent", "it-human");

      List<ConsumerRecord<byte[], byte[]>> esc = read(bootstrap, Topics.SESSION_ESCALATIONS.name(), 1);
      Escalation e = Topics.SESSION_ESCALATIONS.valueSerde(Map.of()).deserialize("x", esc.get(0).value());
      assertThat(e.getSessionId()).isEqualTo("it-agent");

      List<ConsumerRecord<byte[], byte[]>> dlq = read(bootstrap, Topics.SESSION_FEATURES.deadLetterTopic(), 1);
      DeadLetter d = Topics.deadLetterOf(Topics.SESSION_FEATURES).valueSerde(Map.of()).deserialize("x", dlq.get(0).value());
      assertThat(d.getReason()).contains("undecodable");
      assertThat(d.getOriginalKey().toStringUtf8()).isEqualTo("it-bad");

      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
        assertThat(admin.listTopics().names().get()).as("the classifier writes no JSON mirror")
            .doesNotContain(Topics.SESSION_LABELS_JSON.name(), Topics.SESSION_FINDINGS_OCSF.name());
      }
    } finally {
      host.close();
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static List<ConsumerRecord<byte[], byte[]>> read(String bootstrap, String topic, int atLeast) {
    List<ConsumerRecord<byte[], byte[]>> got =
        TopicReader.readCommitted(bootstrap, topic, r -> true, l -> l.size() >= atLeast, Duration.ofSeconds(60));
    assertThat(got).as(topic).hasSizeGreaterThanOrEqualTo(atLeast);
    return got;
  }
}
