package dev.whodrove.ingest.gcp;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/** Where {@link EntryPublisher} hands finished records; completes when Kafka acknowledged the write. */
public interface RecordSender extends AutoCloseable {
  CompletableFuture<RecordMetadata> send(ProducerRecord<byte[], byte[]> record);

  /** Sends everything buffered now. */
  void flush();

  /** Flushes and releases the client within {@code timeout}. */
  void close(Duration timeout);

  @Override
  default void close() {
    close(Duration.ofSeconds(30));
  }
}
