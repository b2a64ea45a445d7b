package dev.whodrove.testkit;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads topics of a test broker from their beginning, polling until a condition holds: the one "consume until" loop
 * of the tests. The reader assigns itself every partition of its topics (no consumer group, nothing committed), so
 * readers never disturb each other or the services under test; a topic that does not exist yet is waited for.
 *
 * <p>Records are read raw ({@code byte[]} key and value); {@link #key} gives a key as text. Tests sharing a topic
 * with other tests tell their records apart with a filter.
 */
public final class TopicReader implements AutoCloseable {
  /** How long one poll waits for records. */
  public static final Duration POLL = Duration.ofMillis(200);
  /** How long a reader waits for its topics to exist. */
  public static final Duration TOPIC_WAIT = Duration.ofSeconds(30);

  private final KafkaConsumer<byte[], byte[]> consumer;

  private TopicReader(String bootstrap, boolean committedOnly, List<String> topics) {
    consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, committedOnly ? "read_committed" : "read_uncommitted",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    try {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : topics) {
        partitions.addAll(partitionsOf(topic));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
    } catch (RuntimeException | Error e) {
      consumer.close();
      throw e;
    }
  }

  /** A reader of committed records only ({@code read_committed}), what consumers downstream of transactions see. */
  public static TopicReader committed(String bootstrap, String... topics) {
    return new TopicReader(bootstrap, true, List.of(topics));
  }

  /** A reader of every record, transactional or not ({@code read_uncommitted}, the Kafka default). */
  public static TopicReader uncommitted(String bootstrap, String... topics) {
    return new TopicReader(bootstrap, false, List.of(topics));
  }

  /**
   * The committed records of {@code topic} matching {@code filter}, read from the beginning until {@code done} holds
   * for them or {@code timeout} passes (the caller checks what it got).
   */
  public static List<ConsumerRecord<byte[], byte[]>> readCommitted(String bootstrap, String topic,
      Predicate<ConsumerRecord<byte[], byte[]>> filter, Predicate<List<ConsumerRecord<byte[], byte[]>>> done,
      Duration timeout) {
    try (TopicReader reader = committed(bootstrap, topic)) {
      return reader.readUntil(filter, done, timeout);
    }
  }

  /** A record's key as UTF-8 text, or null. */
  public static String key(ConsumerRecord<byte[], ?> record) {
    return record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
  }

  /** A record's value parsed as a protobuf message; a value that does not parse fails the test. */
  public static <M> M value(ConsumerRecord<?, byte[]> record, Parser<M> parser) {
    try {
      return parser.parseFrom(record.value());
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("cannot parse the value at " + record.topic() + "-" + record.partition() + "@"
          + record.offset(), e);
    }
  }

  /**
   * Polls, handing every record to {@code each}, until {@code done} holds (checked after each poll) or
   * {@code timeout} passes. Polls at least once.
   *
   * @return whether {@code done} held
   */
  public boolean pollUntil(Consumer<ConsumerRecord<byte[], byte[]>> each, BooleanSupplier done, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    do {
      consumer.poll(POLL).forEach(each);
      if (done.getAsBoolean()) {
        return true;
      }
    } while (System.nanoTime() < deadline);
    return false;
  }

  /**
   * The records matching {@code filter}, polled until {@code done} holds for them or {@code timeout} passes (the
   * caller checks what it got).
   */
  public List<ConsumerRecord<byte[], byte[]>> readUntil(Predicate<ConsumerRecord<byte[], byte[]>> filter,
      Predicate<List<ConsumerRecord<byte[], byte[]>>> done, Duration timeout) {
    return readUntil(filter, done, Duration.ZERO, timeout);
  }

  /**
   * Like {@link #readUntil(Predicate, Predicate, Duration)}, then reads on for {@code settle} once {@code done} first
   * held (still within {@code timeout}), so that records beyond the expected ones are seen too.
   */
  public List<ConsumerRecord<byte[], byte[]>> readUntil(Predicate<ConsumerRecord<byte[], byte[]>> filter,
      Predicate<List<ConsumerRecord<byte[], byte[]>>> done, Duration settle, Duration timeout) {
    List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    long[] settleEnd = {Long.MAX_VALUE};
    pollUntil(r -> {
      if (filter.test(r)) {
        got.add(r);
      }
    }, () -> {
      long now = System.nanoTime();
      if (settleEnd[0] == Long.MAX_VALUE && done.test(got)) {
        settleEnd[0] = now + settle.toNanos();
      }
      return now >= settleEnd[0] || now >= deadline;
    }, timeout);
    return got;
  }

  /**
   * Every record, read until none has arrived for {@code quiet}; the first record is waited for
   * {@code firstWait}.
   */
  public List<ConsumerRecord<byte[], byte[]>> readUntilQuiet(Duration quiet, Duration firstWait) {
    List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
    long[] quietEnd = {System.nanoTime() + firstWait.toNanos()};
    while (System.nanoTime() < quietEnd[0]) {
      var records = consumer.poll(POLL);
      records.forEach(got::add);
      if (!records.isEmpty()) {
        quietEnd[0] = System.nanoTime() + quiet.toNanos();
      }
    }
    return got;
  }

  /** One poll of up to {@code timeout}. */
  public List<ConsumerRecord<byte[], byte[]>> poll(Duration timeout) {
    List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
    consumer.poll(timeout).forEach(got::add);
    return got;
  }

  private List<TopicPartition> partitionsOf(String topic) {
    long deadline = System.nanoTime() + TOPIC_WAIT.toNanos();
    while (true) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, TOPIC_WAIT);
      if (infos != null && !infos.isEmpty()) {
        return infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
      }
      if (System.nanoTime() >= deadline) {
        throw new AssertionError("topic " + topic + " does not exist after " + TOPIC_WAIT);
      }
      sleep(100);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public void close() {
    consumer.close();
  }
}
