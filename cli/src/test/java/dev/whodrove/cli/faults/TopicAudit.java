package dev.whodrove.cli.faults;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What a downstream reader of the pipeline's output topics sees, and how many of the records it sees are copies of
 * one it saw before. A copy is the same key and the same value once the wall-clock stamps a re-computation changes
 * ({@code computed_at_ms}, {@code emitted_at_ms}, {@code set_at_ms}) are cleared: exactly what a redone, not
 * fenced, piece of work would add.
 */
final class TopicAudit {
  /** The topics the decoder, the featurizer and the classifier write. */
  static final List<String> OUTPUTS = List.of(Topics.TELEPORT_RECORDING_EVENTS.name(),
      Topics.SESSION_FEATURES.name(), Topics.SESSION_LABELS.name());

  /** Records and copies per topic. */
  record Counts(long records, long duplicates) {}

  private TopicAudit() {}

  /** Every record of {@code topic}, from the beginning to its end now, as a {@code read_committed} consumer sees it. */
  static List<ConsumerRecord<byte[], byte[]>> readCommitted(String bootstrap, String topic) {
    return read(bootstrap, topic, "read_committed");
  }

  /** The same with {@code read_uncommitted}: aborted records too. */
  static List<ConsumerRecord<byte[], byte[]>> readUncommitted(String bootstrap, String topic) {
    return read(bootstrap, topic, "read_uncommitted");
  }

  private static List<ConsumerRecord<byte[], byte[]>> read(String bootstrap, String topic, String isolation) {
    Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> parts = c.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts); // the last stable offset under read_committed
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!parts.stream().allMatch(p -> c.position(p) >= end.get(p))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read " + topic + " to its end within 60 s");
        }
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  /** Records and copies on each output topic, read committed. */
  static Map<String, Counts> outputs(String bootstrap) {
    Map<String, Counts> m = new LinkedHashMap<>();
    for (String topic : OUTPUTS) {
      m.put(topic, count(topic, readCommitted(bootstrap, topic)));
    }
    return m;
  }

  /** How many of {@code records} repeat an earlier one (same key and, wall-clock stamps aside, same value). */
  static Counts count(String topic, List<ConsumerRecord<byte[], byte[]>> records) {
    Set<ByteString> seen = new HashSet<>();
    long duplicates = 0;
    for (ConsumerRecord<byte[], byte[]> r : records) {
      ByteString identity = ByteString.copyFrom(r.key() == null ? new byte[0] : r.key())
          .concat(ByteString.copyFrom(new byte[] {0}))
          .concat(r.value() == null ? ByteString.EMPTY : withoutWallClock(topic, r.value()));
      if (!seen.add(identity)) {
        duplicates++;
      }
    }
    return new Counts(records.size(), duplicates);
  }

  private static ByteString withoutWallClock(String topic, byte[] value) {
    try {
      if (topic.equals(Topics.SESSION_FEATURES.name())) {
        return deterministic(SessionFeatures.parseFrom(value).toBuilder().clearComputedAtMs().build());
      }
      if (topic.equals(Topics.SESSION_LABELS.name())) {
        SessionVerdict.Builder v = SessionVerdict.parseFrom(value).toBuilder().clearEmittedAtMs();
        if (v.hasFeatures()) {
          v.setFeatures(v.getFeatures().toBuilder().clearComputedAtMs());
        }
        for (Label.Builder l : v.getLabelsBuilderList()) {
          l.clearSetAtMs();
        }
        return deterministic(v.build());
      }
      return ByteString.copyFrom(value); // decoded recording events are byte-identical on a re-decode
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(topic + " holds a record that does not parse", e);
    }
  }

  /** Map entries in key order, so equal messages give equal bytes. */
  private static ByteString deterministic(Message m) {
    try {
      ByteString.Output out = ByteString.newOutput();
      CodedOutputStream coded = CodedOutputStream.newInstance(out);
      coded.useDeterministicSerialization();
      m.writeTo(coded);
      coded.flush();
      return out.toByteString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
