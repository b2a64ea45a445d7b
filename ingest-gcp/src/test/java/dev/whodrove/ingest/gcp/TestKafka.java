package dev.whodrove.ingest.gcp;

import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.DeadLetter;
import dev.whodrove.schemas.v1.GcpAuditEntry;
import dev.whodrove.testkit.TopicReader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Shared helpers for tests against the embedded broker; tests tell their records apart by source locator. */
final class TestKafka {
  /** An entry read back with its key. */
  record Keyed(String key, GcpAuditEntry entry) {}

  private TestKafka() {}

  static Map<String, Object> props(EmbeddedKafkaBroker broker) {
    Map<String, Object> p = new HashMap<>();
    p.put("bootstrap.servers", broker.bootstrapServers());
    return p;
  }

  static void ensureTopics(EmbeddedKafkaBroker broker) {
    try (Admin admin = Admin.create(props(broker))) {
      Topics.ensureTopics(admin, List.of(Topics.GCP_AUDIT_ENTRIES, Topics.deadLetterOf(Topics.GCP_AUDIT_ENTRIES)),
          0, (short) 0, Duration.ofSeconds(30));
    }
  }

  static EntryPublisher publisher(EmbeddedKafkaBroker broker, RecordSender sender, SimpleMeterRegistry metrics) {
    return new EntryPublisher("ingest-gcp", new AuditLogParser(), sender, props(broker), Duration.ofMinutes(10),
        100_000, metrics);
  }

  static KafkaRecordSender sender(EmbeddedKafkaBroker broker) {
    return new KafkaRecordSender(props(broker), "test");
  }

  /** Entries whose source matches, reading until {@code expected} are seen and then one quiet second more. */
  static List<Keyed> entries(EmbeddedKafkaBroker broker, Predicate<GcpAuditEntry> filter, int expected) {
    var serde = Topics.GCP_AUDIT_ENTRIES.valueSerde(props(broker));
    List<Keyed> out = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : readAll(broker, EntryPublisher.TOPIC, expected, rec -> {
      GcpAuditEntry e = serde.deserialize(EntryPublisher.TOPIC, rec.value());
      return filter.test(e);
    })) {
      out.add(new Keyed(new String(r.key(), StandardCharsets.UTF_8),
          serde.deserialize(EntryPublisher.TOPIC, r.value())));
    }
    return out;
  }

  static List<DeadLetter> deadLetters(EmbeddedKafkaBroker broker, Predicate<DeadLetter> filter, int expected) {
    var serde = Topics.deadLetterOf(Topics.GCP_AUDIT_ENTRIES).valueSerde(props(broker));
    List<DeadLetter> out = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : readAll(broker, EntryPublisher.DLQ_TOPIC, expected,
        rec -> filter.test(serde.deserialize(EntryPublisher.DLQ_TOPIC, rec.value())))) {
      out.add(serde.deserialize(EntryPublisher.DLQ_TOPIC, r.value()));
    }
    return out;
  }

  private static List<ConsumerRecord<byte[], byte[]>> readAll(EmbeddedKafkaBroker broker, String topic, int expected,
      Predicate<ConsumerRecord<byte[], byte[]>> filter) {
    try (TopicReader reader = TopicReader.uncommitted(broker.bootstrapServers(), topic)) {
      return reader.readUntil(filter, l -> l.size() >= expected, Duration.ofSeconds(1), Duration.ofSeconds(20));
    }
  }
}
