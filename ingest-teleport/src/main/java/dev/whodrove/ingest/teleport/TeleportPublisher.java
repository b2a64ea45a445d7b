package dev.whodrove.ingest.teleport;

import dev.whodrove.runtime.ClientMetrics;
import dev.whodrove.runtime.DeadLetters;
import dev.whodrove.runtime.DeadLetters.Original;
import dev.whodrove.runtime.Errors;
import dev.whodrove.runtime.MessageLimits;
import dev.whodrove.schemas.TopicSpec;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.serde.ProtobufSerde;
import dev.whodrove.schemas.v1.RecordingRef;
import dev.whodrove.schemas.v1.SourcePosition;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The one Kafka producer of the service: idempotent, acks=all, with a bound on records in flight so a fast source
 * blocks (back-pressure) instead of buffering without limit. Keys: session id, else event uid.
 *
 * <p>Record sizes ({@link MessageLimits}): the producer's {@code max.request.size} is the topics' limit; an event
 * whose record would be larger is dead-lettered ({@code too_large}) instead of sent, and so is one the broker refuses
 * as too large (a topic created before with a smaller limit), so a batch is never retried for its size.
 */
public final class TeleportPublisher implements SourceOutput, AutoCloseable {
  private final Producer<byte[], byte[]> producer;
  private final boolean ownsProducer;
  private final ClientMetrics producerMetrics;
  private final Semaphore inFlight;
  private final ProtobufSerde<TeleportAuditEvent> eventSerde;
  private final ProtobufSerde<RecordingRef> refSerde;
  private final DeadLetters deadLetters;
  private final MessageLimits limits;
  private final RecordingDeduplicator dedup;
  private final Clock clock;
  private final MeterRegistry metrics;
  private final Counter recordingsDuplicate;

  /**
   * @param clientProps Kafka client properties (bootstrap servers, security)
   * @param serdeConfig the schema registry settings, if any
   * @param maxInFlight records sent but not yet acknowledged before {@code send} blocks
   */
  public TeleportPublisher(String serviceName, Map<String, Object> clientProps, Map<String, ?> serdeConfig,
      int maxInFlight,
      RecordingDeduplicator dedup, MeterRegistry metrics, Clock clock) {
    this(serviceName, clientProps, serdeConfig, maxInFlight, dedup, metrics, clock, MessageLimits.DEFAULT);
  }

  /** @param limits record size limits (the service's {@code topics.max.message.bytes} and dead-letter size) */
  public TeleportPublisher(String serviceName, Map<String, Object> clientProps, Map<String, ?> serdeConfig,
      int maxInFlight, RecordingDeduplicator dedup, MeterRegistry metrics, Clock clock, MessageLimits limits) {
    this(serviceName, newProducer(serviceName, clientProps, limits), true, serdeConfig, maxInFlight, dedup, metrics,
        clock, limits);
  }

  /**
   * A publisher writing through a producer that stays the caller's: it may be transactional (the caller begins and
   * commits), and {@link #close} leaves it open. Used to re-submit dead letters ({@link TeleportReentry}).
   */
  public TeleportPublisher(String serviceName, Producer<byte[], byte[]> producer, Map<String, ?> serdeConfig,
      RecordingDeduplicator dedup, MeterRegistry metrics, Clock clock, MessageLimits limits) {
    this(serviceName, producer, false, serdeConfig, Integer.MAX_VALUE, dedup, metrics, clock, limits);
  }

  private TeleportPublisher(String serviceName, Producer<byte[], byte[]> producer, boolean ownsProducer,
      Map<String, ?> serdeConfig, int maxInFlight, RecordingDeduplicator dedup, MeterRegistry metrics, Clock clock,
      MessageLimits limits) {
    this.producer = producer;
    this.ownsProducer = ownsProducer;
    // a producer given to the publisher is the caller's to watch
    this.producerMetrics = ClientMetrics.bind(ownsProducer ? metrics : null, producer);
    this.inFlight = new Semaphore(maxInFlight);
    this.eventSerde = Topics.TELEPORT_AUDIT_EVENTS.valueSerde(serdeConfig);
    this.refSerde = Topics.TELEPORT_RECORDINGS.valueSerde(serdeConfig);
    this.deadLetters = new DeadLetters(serviceName, serdeConfig, limits);
    this.limits = limits;
    this.dedup = dedup;
    this.clock = clock;
    this.metrics = metrics;
    this.recordingsDuplicate = Counter.builder("whodrove.ingest.teleport.recordings.duplicate")
        .description("recording references skipped because the session id was published within the window")
        .register(metrics);
  }

  private static Producer<byte[], byte[]> newProducer(String serviceName, Map<String, Object> clientProps,
      MessageLimits limits) {
    Map<String, Object> props = limits.producerProperties(clientProps);
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    // one request in flight per broker: a partition's batches reach the log in order even when its leader refuses
    // the first one (docs/reliability.md, "Producer sequence gaps")
    props.putIfAbsent(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
    props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
    props.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, serviceName);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return new KafkaProducer<>(props);
  }

  @Override
  public CompletableFuture<Void> publishEvent(TeleportAuditEvent event) {
    String key = !event.getSessionId().isEmpty() ? event.getSessionId()
        : !event.getUid().isEmpty() ? event.getUid() : null;
    String topic = Topics.TELEPORT_AUDIT_EVENTS.name();
    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, utf8(key), eventSerde.serialize(topic, event));
    CompletableFuture<Void> sent;
    if (!limits.fits(record)) {
      sent = tooLarge(event, record);
    } else {
      sent = send(record).handle((ok, err) -> {
        if (err == null) {
          count("whodrove.ingest.teleport.events", event.getSource());
          return CompletableFuture.<Void>completedFuture(null);
        }
        Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
            ? err.getCause() : err;
        if (cause instanceof RecordTooLargeException || cause instanceof RecordBatchTooLargeException) {
          return tooLarge(event, record); // the topic's own limit is smaller than ours
        }
        return CompletableFuture.<Void>failedFuture(cause);
      }).thenCompose(f -> f);
    }
    return CompletableFuture.allOf(sent, publishRecordingOf(event));
  }

  /** What became of the recording reference of an event. */
  public enum RefOutcome {
    /** Published to teleport.recordings. */
    PUBLISHED,
    /** Not published: the same session's recording was published within the de-duplication window. */
    DUPLICATE,
    /** Its url is unusable: the event went to teleport.recordings.dlq. */
    DEAD_LETTERED,
    /** The event is not a session.upload: no reference. */
    NONE
  }

  /**
   * The recording reference a {@code session.upload} event yields, published, or the event dead-lettered to
   * teleport.recordings.dlq when its url is unusable; nothing for other events. Part of {@link #publishEvent}, and
   * what a dead-lettered reference goes back in through.
   */
  public CompletableFuture<RefOutcome> publishRecordingOf(TeleportAuditEvent event) {
    try {
      Optional<RecordingRef> r = RecordingRefs.fromUploadEvent(event, clock.millis());
      return r.isEmpty() ? CompletableFuture.completedFuture(RefOutcome.NONE)
          : publishRecording(r.get()).thenApply(published -> published ? RefOutcome.PUBLISHED : RefOutcome.DUPLICATE);
    } catch (EventRejectedException e) {
      return deadLetter(DeadLetterTarget.RECORDINGS, event.getSource(),
          event.getOriginalJson().getBytes(StandardCharsets.UTF_8), e).thenApply(x -> RefOutcome.DEAD_LETTERED);
    } catch (RuntimeException e) {
      return deadLetter(DeadLetterTarget.RECORDINGS, event.getSource(),
          event.getOriginalJson().getBytes(StandardCharsets.UTF_8), "parse_error",
          "no recording reference could be made of this session.upload: " + Errors.oneLine(e), e)
          .thenApply(x -> RefOutcome.DEAD_LETTERED);
    }
  }

  /** The event does not fit a record: its original JSON goes to the dead-letter topic instead. */
  private CompletableFuture<Void> tooLarge(TeleportAuditEvent event, ProducerRecord<byte[], byte[]> record) {
    return deadLetter(DeadLetterTarget.AUDIT_EVENTS, event.getSource(),
        event.getOriginalJson().getBytes(StandardCharsets.UTF_8), "too_large", "the event's record of about "
            + MessageLimits.sizeUpperBound(record) + " bytes is over the record limit of " + limits.maxMessageBytes()
            + " bytes (" + MessageLimits.MAX_MESSAGE_BYTES + ")", null);
  }

  @Override
  public CompletableFuture<Boolean> publishRecording(RecordingRef ref) {
    if (!dedup.claim(ref.getSessionId())) {
      recordingsDuplicate.increment();
      return CompletableFuture.completedFuture(false);
    }
    String topic = Topics.TELEPORT_RECORDINGS.name();
    return send(new ProducerRecord<>(topic, utf8(ref.getSessionId()), refSerde.serialize(topic, ref)))
        .handle((ok, err) -> {
          if (err != null) {
            dedup.release(ref.getSessionId());
            throw err instanceof RuntimeException re ? re : new IllegalStateException(err);
          }
          count("whodrove.ingest.teleport.recordings", ref.getSource());
          return true;
        });
  }

  @Override
  public CompletableFuture<Void> deadLetter(DeadLetterTarget target, SourcePosition position, Original original,
      String reasonTag, String reason, Throwable error) {
    TopicSpec<?> spec = target == DeadLetterTarget.AUDIT_EVENTS ? Topics.TELEPORT_AUDIT_EVENTS
        : Topics.TELEPORT_RECORDINGS;
    Counter.builder("whodrove.ingest.teleport.rejected")
        .description("inputs sent to a dead-letter topic")
        .tag("source", position.getSource()).tag("reason", reasonTag).tag("topic", spec.deadLetterTopic())
        .register(metrics).increment();
    return send(deadLetters.forSource(spec.deadLetterTopic(), position, null, original, reason, error));
  }

  /** Sends any prepared record through the same bounded, idempotent producer (used for the watermark topic). */
  public CompletableFuture<Void> send(ProducerRecord<byte[], byte[]> record) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    try {
      inFlight.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      f.completeExceptionally(e);
      return f;
    }
    try {
      producer.send(record, (md, ex) -> {
        inFlight.release();
        if (ex != null) {
          f.completeExceptionally(ex);
        } else {
          f.complete(null);
        }
      });
    } catch (RuntimeException e) {
      inFlight.release();
      f.completeExceptionally(e);
    }
    return f;
  }

  /** Records sent and not yet acknowledged. */
  public int inFlightPermitsAvailable() {
    return inFlight.availablePermits();
  }

  public void flush() {
    producer.flush();
  }

  /** Closes the producer if this publisher made it; one given to it stays open. */
  public void close(Duration timeout) {
    producerMetrics.close();
    if (ownsProducer) {
      producer.close(timeout);
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(10));
  }

  private void count(String name, SourcePosition source) {
    Counter.builder(name).tag("source", source.getSource().isEmpty() ? "unknown" : source.getSource())
        .register(metrics).increment();
  }

  private static byte[] utf8(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }
}
