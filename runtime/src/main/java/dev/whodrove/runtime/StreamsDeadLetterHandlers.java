package dev.whodrove.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams exception handlers that send the failing input to {@code <source-topic>.dlq} as a
 * {@link dev.whodrove.schemas.v1.DeadLetter} (written through the app's exactly-once producer) and continue. A Streams
 * app may read several topics; each keeps its own dead-letter companion.
 */
public final class StreamsDeadLetterHandlers {
  /** Streams config key carrying the service name into the handlers. */
  public static final String SERVICE_NAME_CONFIG = "whodrove.service.name";
  private static final Logger log = LoggerFactory.getLogger(StreamsDeadLetterHandlers.class);

  private StreamsDeadLetterHandlers() {}

  /** Streams config keys carrying the service's {@link MessageLimits} into the handlers. */
  public static final String MAX_MESSAGE_BYTES_CONFIG = "whodrove.max.message.bytes";
  public static final String MAX_ORIGINAL_BYTES_CONFIG = "whodrove.deadletter.max.original.bytes";
  /** Streams config key carrying the service's {@link MeterRegistry} (an object, not text) into the handlers. */
  public static final String METRICS_CONFIG = "whodrove.metrics.registry";

  private static DeadLetters deadLetters(Map<String, ?> configs) {
    Object name = configs.get(SERVICE_NAME_CONFIG);
    Object max = configs.get(MAX_MESSAGE_BYTES_CONFIG);
    Object original = configs.get(MAX_ORIGINAL_BYTES_CONFIG);
    MessageLimits limits = max == null || original == null ? MessageLimits.DEFAULT
        : new MessageLimits(Integer.parseInt(max.toString()), Integer.parseInt(original.toString()));
    Object registry = configs.get(METRICS_CONFIG);
    return new DeadLetters(name == null ? "unknown" : name.toString(), configs, limits,
        registry instanceof MeterRegistry r ? r : null);
  }

  /** Bad bytes on an input topic. */
  public static final class Deserialization implements DeserializationExceptionHandler {
    private DeadLetters deadLetters;

    @Override
    public void configure(Map<String, ?> configs) {
      deadLetters = deadLetters(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext ctx, ConsumerRecord<byte[], byte[]> record, Exception e) {
      String reason = "undecodable record: " + Errors.oneLine(e);
      log.warn("dead-lettering {}/{}@{}: {}", record.topic(), record.partition(), record.offset(), reason);
      return Response.resume(List.of(deadLetters.forKafkaRecord(record.topic() + ".dlq", record.topic(),
          record.partition(), record.offset(), record.key(), record.value(), reason, e)));
    }
  }

  /** A processor threw on a record. */
  public static final class Processing implements ProcessingExceptionHandler {
    private DeadLetters deadLetters;

    @Override
    public void configure(Map<String, ?> configs) {
      deadLetters = deadLetters(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext ctx, Record<?, ?> record, Exception e) {
      String reason = "processing failed in " + ctx.processorNodeId() + ": " + Errors.oneLine(e);
      log.warn("dead-lettering {}/{}@{}: {}", ctx.topic(), ctx.partition(), ctx.offset(), reason, e);
      if (ctx.topic() == null) {
        return Response.resume(); // punctuation: no input record to keep; the log line is the trace
      }
      return Response.resume(List.of(deadLetters.forKafkaRecord(ctx.topic() + ".dlq", ctx.topic(), ctx.partition(),
          ctx.offset(), ctx.sourceRawKey(), ctx.sourceRawValue(), reason, e)));
    }
  }
}
