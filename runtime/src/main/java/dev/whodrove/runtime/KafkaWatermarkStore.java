package dev.whodrove.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Keeps {@link Watermark}s in a compacted, single-partition topic, one record per watermark key; the newest record per
 * key wins. The topic is internal to the service that owns it (JSON values, not part of the data topic catalogue) and
 * is created on first use. ingest-teleport keeps its Athena watermark in {@code ingest-teleport.athena.watermark},
 * ingest-gcp its BigQuery ones in {@code ingest-gcp.bigquery.watermark}.
 */
public final class KafkaWatermarkStore implements WatermarkStore {
  private final Map<String, Object> clientProps;
  private final String topic;
  private final KafkaProducer<byte[], byte[]> producer;
  private final ClientMetrics producerMetrics;
  private final Duration timeout = Duration.ofSeconds(30);

  public KafkaWatermarkStore(Map<String, Object> clientProps, String topic) {
    this(clientProps, topic, null);
  }

  public KafkaWatermarkStore(Map<String, Object> clientProps, String topic, MeterRegistry registry) {
    this(clientProps, topic, registry, MessageLimits.DEFAULT);
  }

  /**
   * @param registry where the producer's metrics go (null: nowhere); the admin client creating the topic and the
   *     consumer reading a watermark at start live only for that call and are not bound
   * @param limits the record size limit of the topic (when this store creates it) and of the producer
   */
  public KafkaWatermarkStore(Map<String, Object> clientProps, String topic, MeterRegistry registry,
      MessageLimits limits) {
    this.clientProps = clientProps;
    this.topic = topic;
    ensureTopic(limits);
    Map<String, Object> p = limits.producerProperties(clientProps);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.CLIENT_ID_CONFIG, topic + "-writer");
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    this.producer = new KafkaProducer<>(p);
    this.producerMetrics = ClientMetrics.bind(registry, producer);
  }

  private void ensureTopic(MessageLimits limits) {
    try (Admin admin = Admin.create(clientProps)) {
      NewTopic t = new NewTopic(topic, java.util.Optional.of(1), java.util.Optional.empty()).configs(Map.of(
          TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
          TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(limits.maxMessageBytes())));
      admin.createTopics(List.of(t)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("cannot create " + topic + ": " + e.getCause().getMessage(), e.getCause());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted creating " + topic, e);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("timed out creating " + topic, e);
    }
  }

  @Override
  public Optional<Watermark> load(String key) {
    Map<String, Object> p = new HashMap<>(clientProps);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.remove(ConsumerConfig.GROUP_ID_CONFIG);
    byte[] last = null;
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      TopicPartition tp = new TopicPartition(topic, 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long end = c.endOffsets(List.of(tp), timeout).get(tp);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (c.position(tp, timeout) < end) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("timed out reading " + topic);
        }
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          if (r.key() != null && key.equals(new String(r.key(), StandardCharsets.UTF_8))) {
            last = r.value(); // null = tombstone: start afresh
          }
        }
      }
    }
    return last == null ? Optional.empty() : Optional.of(Watermark.fromJson(last));
  }

  @Override
  public void save(String key, Watermark watermark) {
    try {
      producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), watermark.toJson()))
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted saving a watermark to " + topic, e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot save a watermark to " + topic + ": " + e, e);
    }
  }

  @Override
  public void close() {
    producerMetrics.close();
    producer.close(Duration.ofSeconds(5));
  }
}
