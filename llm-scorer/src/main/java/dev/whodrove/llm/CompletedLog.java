package dev.whodrove.llm;

import dev.whodrove.runtime.ClientMetrics;
import dev.whodrove.runtime.Errors;
import dev.whodrove.runtime.ServiceThreads;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The escalations phase 2 has finished, kept in a compacted topic of this service keyed
 * {@code <session id>|<escalation version>} (value: the verdict that was published, record time: when). The marker is
 * written in the same Kafka transaction as the verdict and the input offset, so "verdict published" and "marked done"
 * cannot disagree. Every instance reads the whole topic at start and then tails it, so a redelivered escalation is
 * recognised whichever instance sees it; on a partition assignment the caller waits until the tail has caught up.
 *
 * <p>Why a topic and not a local file: a file is lost with the container and is not shared between instances; the
 * topic lives with the data it protects and follows the same retention (30 days, like {@code session.escalations},
 * after which a redelivery cannot happen anyway).
 */
public final class CompletedLog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CompletedLog.class);

  private final String topic;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final ClientMetrics consumerMetrics;
  private final Map<String, Long> completedAt = new ConcurrentHashMap<>();
  private final Map<LocalDate, Set<String>> byDay = new HashMap<>();
  private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong catchUpRequested = new java.util.concurrent.atomic.AtomicLong();
  private volatile long catchUpServed;
  private volatile Map<TopicPartition, Long> catchUpTargets = Map.of();
  private volatile boolean running;
  private Thread tail;
  private ServiceThreads threads = ServiceThreads.unwatched();

  public CompletedLog(String topic, Map<String, Object> clientProps) {
    this(topic, clientProps, null);
  }

  /** @param registry where the consumer's metrics go (null: nowhere) */
  public CompletedLog(String topic, Map<String, Object> clientProps, MeterRegistry registry) {
    this.topic = topic;
    Map<String, Object> props = new HashMap<>(clientProps);
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "llm-scorer-completed-" + Long.toHexString(System.nanoTime()));
    this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.consumerMetrics = ClientMetrics.bind(registry, consumer);
  }

  /** The idempotency key of an escalation. */
  public static String key(String sessionId, String escalationVersion) {
    return sessionId + "|" + escalationVersion;
  }

  /** Reads the topic to its end, then keeps tailing it in the background. */
  public void start(Duration timeout) {
    start(timeout, ServiceThreads.unwatched());
  }

  /**
   * As {@link #start(Duration)}, the tail thread watched by {@code threads}: if tailing fails the scorer could score
   * an escalation another instance completed, so its death takes readiness and then liveness down.
   */
  public void start(Duration timeout, ServiceThreads threads) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
    // a topic created a moment ago may not be in the metadata of the broker asked yet: ask again until the timeout
    while ((infos == null || infos.isEmpty()) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while looking up " + topic, e);
      }
      infos = consumer.partitionsFor(topic, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
    }
    if (infos == null || infos.isEmpty()) {
      throw new IllegalStateException("completed-escalations topic " + topic + " does not exist (waited " + timeout
          + ")");
    }
    List<TopicPartition> parts = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    consumer.assign(parts);
    consumer.seekToBeginning(parts);
    Map<TopicPartition, Long> end = consumer.endOffsets(parts, timeout);
    deadline = System.nanoTime() + timeout.toNanos();
    while (!reached(end)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("cannot load " + topic + " within " + timeout);
      }
      pollOnce(Duration.ofMillis(200));
    }
    log.info("loaded {} completed escalations from {}", completedAt.size(), topic);
    running = true;
    this.threads = threads;
    tail = threads.newThread("llm-scorer-completed-tail", true, this::tailLoop);
    tail.start();
  }

  private void tailLoop() {
    try {
      while (running) {
        long requested = catchUpRequested.get();
        if (requested != catchUpServed) {
          catchUpTargets = consumer.endOffsets(consumer.assignment(), Duration.ofSeconds(10));
          catchUpServed = requested;
        }
        pollOnce(Duration.ofMillis(requested != catchUpServed ? 50 : 200));
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      if (running) {
        threads.died(Thread.currentThread().getName(), "tailing " + topic + " failed: " + Errors.oneLine(e));
      }
    } finally {
      consumer.close(Duration.ofSeconds(2));
    }
  }

  private void pollOnce(Duration wait) {
    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(wait)) {
      if (r.key() == null) {
        continue;
      }
      String k = new String(r.key(), StandardCharsets.UTF_8);
      if (r.value() == null) {
        completedAt.remove(k);
      } else {
        add(k, r.timestamp());
      }
    }
    for (TopicPartition tp : consumer.assignment()) {
      positions.put(tp, consumer.position(tp));
    }
  }

  private boolean reached(Map<TopicPartition, Long> targets) {
    for (var e : targets.entrySet()) {
      if (positions.getOrDefault(e.getKey(), -1L) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Waits until the tail has read everything committed to the topic so far, so escalations completed by another
   * instance before a rebalance are known here.
   */
  public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long mine = catchUpRequested.incrementAndGet();
    while (catchUpServed < mine || !reached(catchUpTargets)) {
      if (System.nanoTime() > deadline || !running) {
        return false;
      }
      Thread.sleep(10);
    }
    return true;
  }

  public boolean contains(String key) {
    return completedAt.containsKey(key);
  }

  /** Records a completion this instance has just committed (the tail will see it again; that is harmless). */
  public void add(String key, long atMs) {
    completedAt.put(key, atMs);
    LocalDate day = LocalDate.ofInstant(Instant.ofEpochMilli(atMs), ZoneOffset.UTC);
    synchronized (byDay) {
      byDay.computeIfAbsent(day, d -> new HashSet<>()).add(key);
      byDay.keySet().removeIf(d -> d.isBefore(day.minusDays(2)));
    }
  }

  /** Completions (model answers) recorded on a UTC day. */
  public long completedOn(LocalDate day) {
    synchronized (byDay) {
      Set<String> s = byDay.get(day);
      return s == null ? 0 : s.size();
    }
  }

  public int size() {
    return completedAt.size();
  }

  @Override
  public void close() {
    running = false;
    consumerMetrics.close();
    if (tail != null) {
      consumer.wakeup();
      try {
        tail.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    } else {
      consumer.close(Duration.ofSeconds(2));
    }
  }
}
