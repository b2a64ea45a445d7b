package dev.whodrove.ingest.teleport;

import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.schemas.TopicSpec;
import dev.whodrove.schemas.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Small helpers for the tests that use the embedded broker. */
final class KafkaTestSupport {
  private KafkaTestSupport() {}

  static Map<String, Object> clientProps(EmbeddedKafkaBroker broker) {
    Map<String, Object> p = new HashMap<>();
    p.put("bootstrap.servers", broker.bootstrapServers());
    return p;
  }

  static void createTopics(EmbeddedKafkaBroker broker) {
    List<TopicSpec<?>> specs = List.of(Topics.TELEPORT_AUDIT_EVENTS, Topics.TELEPORT_RECORDINGS,
        Topics.deadLetterOf(Topics.TELEPORT_AUDIT_EVENTS), Topics.deadLetterOf(Topics.TELEPORT_RECORDINGS));
    try (Admin admin = Admin.create(clientProps(broker))) {
      Topics.ensureTopics(admin, specs, 2, (short) 1, Duration.ofSeconds(30));
    }
  }

  static TeleportPublisher publisher(EmbeddedKafkaBroker broker, Duration dedupWindow) {
    return new TeleportPublisher("ingest-teleport", clientProps(broker), Map.of(), 1000,
        new RecordingDeduplicator(dedupWindow, 10_000, Clock.systemUTC()), new SimpleMeterRegistry(),
        Clock.systemUTC());
  }

  /** Reads {@code topic} from the beginning until {@code done} holds for the records matching {@code filter}. */
  static List<ConsumerRecord<byte[], byte[]>> readUntil(EmbeddedKafkaBroker broker, String topic,
      Predicate<ConsumerRecord<byte[], byte[]>> filter, Predicate<List<ConsumerRecord<byte[], byte[]>>> done,
      Duration timeout) {
    Map<String, Object> p = clientProps(broker);
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    p.put("isolation.level", "read_committed");
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      List<TopicPartition> parts = c.partitionsFor(topic).stream()
          .map(i -> new TopicPartition(topic, i.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          if (filter.test(r)) {
            out.add(r);
          }
        }
        if (done.test(out)) {
          break;
        }
      }
    }
    return out;
  }
}
