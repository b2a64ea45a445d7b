package dev.whodrove.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads topics once, from the beginning or from a time, up to the end offsets they had when reading began:
 * {@code read_committed}, partitions assigned and sought by hand, no consumer group and no offset commits. Reading
 * leaves no trace on the cluster and never takes partitions from a service's group; records written meanwhile (by a
 * replay, say) are not read.
 */
final class BoundedTopicReader {
  /** How long reading may make no progress before it gives up. */
  static final Duration STALL = Duration.ofSeconds(30);
  private static final Duration POLL = Duration.ofMillis(200);

  private BoundedTopicReader() {}

  /**
   * Hands every record of {@code topics} to {@code each}, in offset order per partition.
   *
   * @param clientProps Kafka client properties (bootstrap servers, security)
   * @param since first record time to read, or null for the beginning
   */
  static void read(Map<String, Object> clientProps, Collection<String> topics, Instant since,
      Consumer<ConsumerRecord<byte[], byte[]>> each) {
    Map<String, Object> props = new HashMap<>(clientProps);
    props.remove(ConsumerConfig.GROUP_ID_CONFIG); // no group: nothing can be committed
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false"); // asking about a topic must not create it
    props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "whodrove-cli-reader");
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      for (String topic : topics) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, STALL);
        if (infos == null || infos.isEmpty()) {
          throw new IllegalArgumentException("topic " + topic + " does not exist");
        }
        infos.forEach(i -> parts.add(new TopicPartition(i.topic(), i.partition())));
      }
      consumer.assign(parts);
      // with read_committed these are the last stable offsets: the end of what is committed now
      Map<TopicPartition, Long> end = consumer.endOffsets(parts, STALL);
      if (since == null) {
        consumer.seekToBeginning(parts);
      } else {
        Map<TopicPartition, Long> at = new HashMap<>();
        parts.forEach(p -> at.put(p, since.toEpochMilli()));
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(at, STALL);
        for (TopicPartition p : parts) {
          OffsetAndTimestamp o = found.get(p);
          consumer.seek(p, o == null ? end.get(p) : o.offset());
        }
      }
      Set<TopicPartition> open = new HashSet<>();
      for (TopicPartition p : parts) {
        if (consumer.position(p, STALL) < end.get(p)) {
          open.add(p);
        }
      }
      consumer.pause(parts.stream().filter(p -> !open.contains(p)).toList());
      long lastProgress = System.nanoTime();
      while (!open.isEmpty()) {
        boolean progress = false;
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
          progress = true;
          if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
            each.accept(r);
          }
        }
        for (TopicPartition p : List.copyOf(open)) {
          if (consumer.position(p, STALL) >= end.get(p)) {
            open.remove(p);
            consumer.pause(List.of(p));
          }
        }
        if (progress) {
          lastProgress = System.nanoTime();
        } else if (System.nanoTime() - lastProgress > STALL.toNanos()) {
          throw new IllegalStateException("reading " + open + " made no progress for " + STALL.toSeconds()
              + " s (is the broker reachable, and may this principal read the topic?)");
        }
      }
    }
  }
}
