package dev.whodrove.cli.embedded;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * When each key first became visible on each topic to a {@code read_committed} consumer, by this JVM's wall clock —
 * what a downstream reader such as the SIEM sees. Record timestamps cannot tell this: Streams output records carry
 * their input's timestamp, so a label is stamped with the time its recording was decoded, not the time it appeared.
 */
public final class TopicArrivals implements AutoCloseable {
  private final KafkaConsumer<byte[], byte[]> consumer;
  /** topic → key → wall-clock millis of each record, in arrival order. */
  private final Map<String, Map<String, List<Long>>> seen = new ConcurrentHashMap<>();
  private final Map<String, Long> lastRecordSeen = new ConcurrentHashMap<>();
  private final Thread thread;

  public TopicArrivals(String bootstrap, List<String> topics) {
    consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> parts = new ArrayList<>();
    for (String t : topics) {
      seen.put(t, new ConcurrentHashMap<>());
      consumer.partitionsFor(t).forEach(p -> parts.add(new TopicPartition(t, p.partition())));
    }
    consumer.assign(parts);
    consumer.seekToBeginning(parts);
    thread = new Thread(this::run, "topic-arrivals");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    try {
      while (true) {
        long now = System.currentTimeMillis();
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
          lastRecordSeen.put(r.topic(), now);
          if (r.key() != null) {
            seen.get(r.topic()).computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8),
                k -> Collections.synchronizedList(new ArrayList<>())).add(now);
          }
        }
      }
    } catch (WakeupException stop) {
      // closed
    } finally {
      consumer.close();
    }
  }

  /** Key → wall-clock millis it was first seen on {@code topic}. */
  public Map<String, Long> firstSeen(String topic) {
    Map<String, Long> first = new HashMap<>();
    seen.get(topic).forEach((key, times) -> first.put(key, times.get(0)));
    return first;
  }

  /** When a record with {@code key} was first seen on {@code topic} at or after {@code fromMs}, or -1. */
  public long firstSeenSince(String topic, String key, long fromMs) {
    List<Long> times = seen.get(topic).get(key);
    if (times != null) {
      synchronized (times) {
        for (long t : times) {
          if (t >= fromMs) {
            return t;
          }
        }
      }
    }
    return -1;
  }

  /** When the last record so far was seen on {@code topic}, or -1. */
  public long lastArrival(String topic) {
    return lastRecordSeen.getOrDefault(topic, -1L);
  }

  @Override
  public void close() throws InterruptedException {
    consumer.wakeup();
    thread.join(5_000);
  }
}
