package dev.whodrove.runtime;

import com.google.protobuf.ByteString;
import dev.whodrove.schemas.serde.ProtobufSerde;
import dev.whodrove.schemas.v1.DeadLetter;
import dev.whodrove.schemas.v1.SourcePosition;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Builds dead-letter records, the same shape for every service: key = the original key bytes, value = a
 * {@link DeadLetter} holding the original bytes, the source position and the reason, and headers repeating the
 * reason, service and source for tools that do not decode the value.
 */
public final class DeadLetters {
  public static final String HEADER_REASON = "whodrove.dlq.reason";
  public static final String HEADER_SERVICE = "whodrove.dlq.service";
  public static final String HEADER_SOURCE = "whodrove.dlq.source";
  public static final String HEADER_ERROR_CLASS = "whodrove.dlq.error.class";

  private final String service;
  private final ProtobufSerde<DeadLetter> serde;

  /** @param serdeConfig client config carrying the schema registry settings, if any */
  public DeadLetters(String service, Map<String, ?> serdeConfig) {
    this.service = service;
    this.serde = new ProtobufSerde<>(DeadLetter.getDefaultInstance());
    this.serde.configure(serdeConfig, false);
  }

  /** A dead letter for a Kafka record that could not be processed. */
  public ProducerRecord<byte[], byte[]> forKafkaRecord(String dlqTopic, String sourceTopic, int partition, long offset,
      byte[] key, byte[] value, String reason, Throwable error) {
    DeadLetter.Builder dl = base(key, value, reason, error)
        .setSourceTopic(sourceTopic).setSourcePartition(partition).setSourceOffset(offset);
    return record(dlqTopic, key, dl.build(), sourceTopic + "/" + partition + "@" + offset);
  }

  /** A dead letter for input read outside Kafka (a file line, an SQS or Pub/Sub message, an HTTP request). */
  public ProducerRecord<byte[], byte[]> forSource(String dlqTopic, SourcePosition source, byte[] key, byte[] value,
      String reason, Throwable error) {
    DeadLetter.Builder dl = base(key, value, reason, error)
        .setSourcePartition(-1).setSourceOffset(-1).setSource(source);
    return record(dlqTopic, key, dl.build(), source.getSource() + ":" + source.getLocator()
        + (source.getOffset() >= 0 ? "@" + source.getOffset() : ""));
  }

  private DeadLetter.Builder base(byte[] key, byte[] value, String reason, Throwable error) {
    DeadLetter.Builder b = DeadLetter.newBuilder()
        .setService(service)
        .setReason(reason)
        .setFailedAtMs(System.currentTimeMillis());
    if (key != null) {
      b.setOriginalKey(ByteString.copyFrom(key));
    }
    if (value != null) {
      b.setOriginalValue(ByteString.copyFrom(value));
    }
    if (error != null) {
      b.setErrorClass(error.getClass().getName());
    }
    return b;
  }

  private ProducerRecord<byte[], byte[]> record(String dlqTopic, byte[] key, DeadLetter dl, String source) {
    RecordHeaders headers = new RecordHeaders();
    headers.add(HEADER_REASON, utf8(truncate(dl.getReason(), 1000)));
    headers.add(HEADER_SERVICE, utf8(service));
    headers.add(HEADER_SOURCE, utf8(source));
    if (!dl.getErrorClass().isEmpty()) {
      headers.add(HEADER_ERROR_CLASS, utf8(dl.getErrorClass()));
    }
    return new ProducerRecord<>(dlqTopic, null, key, serde.serialize(dlqTopic, dl), headers);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }
}
