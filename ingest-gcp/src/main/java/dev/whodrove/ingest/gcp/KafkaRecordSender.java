package dev.whodrove.ingest.gcp;

import dev.whodrove.runtime.ClientMetrics;
import dev.whodrove.runtime.MessageLimits;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * An idempotent Kafka producer (acks=all, idempotence on, one request in flight per broker) for entries and dead
 * letters alike; key and value bytes are prepared by the caller.
 */
public final class KafkaRecordSender implements RecordSender {
  private final Producer<byte[], byte[]> producer;
  private final boolean ownsProducer;
  private final ClientMetrics producerMetrics;

  /** @param clientProps Kafka client properties (bootstrap servers, security); producer defaults are added */
  public KafkaRecordSender(Map<String, Object> clientProps, String clientId) {
    this(clientProps, clientId, null);
  }

  /**
   * @param clientProps Kafka client properties (bootstrap servers, security); producer defaults are added
   * @param registry where the producer's metrics go (null: nowhere)
   */
  public KafkaRecordSender(Map<String, Object> clientProps, String clientId, MeterRegistry registry) {
    this(clientProps, clientId, registry, MessageLimits.DEFAULT);
  }

  /** @param limits the record size limit, the producer's {@code max.request.size} */
  public KafkaRecordSender(Map<String, Object> clientProps, String clientId, MeterRegistry registry,
      MessageLimits limits) {
    Map<String, Object> p = limits.producerProperties(clientProps);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    // one request in flight per broker: a partition's batches reach the log in order even when its leader refuses
    // the first one (docs/reliability.md, "Producer sequence gaps")
    p.putIfAbsent(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
    p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
    p.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(128 * 1024));
    p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    this.ownsProducer = true;
    this.producerMetrics = ClientMetrics.bind(registry, producer);
  }

  private KafkaRecordSender(Producer<byte[], byte[]> producer) {
    this.producer = producer;
    this.ownsProducer = false;
    this.producerMetrics = ClientMetrics.bind((MeterRegistry) null, producer);
  }

  /**
   * A sender writing through a producer that stays the caller's: it may be transactional (the caller begins and
   * commits), and {@link #close} leaves it open. Used to re-submit dead letters ({@link GcpReentry}).
   */
  public static KafkaRecordSender over(Producer<byte[], byte[]> producer) {
    return new KafkaRecordSender(producer);
  }

  @Override
  public CompletableFuture<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
    CompletableFuture<RecordMetadata> f = new CompletableFuture<>();
    try {
      producer.send(record, (md, err) -> {
        if (err != null) {
          f.completeExceptionally(err);
        } else {
          f.complete(md);
        }
      });
    } catch (RuntimeException e) {
      f.completeExceptionally(e);
    }
    return f;
  }

  @Override
  public void flush() {
    producer.flush();
  }

  @Override
  public void close(Duration timeout) {
    producerMetrics.close();
    if (ownsProducer) {
      producer.close(timeout);
    }
  }
}
