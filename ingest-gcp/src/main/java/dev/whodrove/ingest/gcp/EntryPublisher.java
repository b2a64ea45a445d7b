package dev.whodrove.ingest.gcp;

import dev.whodrove.runtime.DeadLetters;
import dev.whodrove.runtime.DeadLetters.Original;
import dev.whodrove.runtime.Errors;
import dev.whodrove.runtime.MessageLimits;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.serde.ProtobufSerde;
import dev.whodrove.schemas.v1.GcpAuditEntry;
import dev.whodrove.schemas.v1.SourcePosition;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;

/**
 * Parses raw LogEntry bytes and writes the result to {@code gcp.audit.entries} (keyed by principal), or the input to
 * {@code gcp.audit.entries.dlq} with its source position and reason.
 *
 * <p>Every call returns a future that completes only after Kafka acknowledged the entry or the dead letter, so a
 * source acks its input only then; it fails when neither could be written, and the source must let the input be
 * redelivered. Copies of an entry (same insertId, log and timestamp) within the de-duplication window are not
 * written again.
 *
 * <p>Sizes ({@link MessageLimits}): an entry whose record would be over the record limit, or that the broker refuses
 * as too large, is dead-lettered ({@code too_large}); a dead letter keeps at most
 * {@code deadletter.max.original.bytes} of the input, with its whole length and SHA-256.
 *
 * <p>Metrics: {@code gcp.entries{outcome,source}} (produced, duplicate, dead_lettered, failed),
 * {@code gcp.entries.rejected{reason}}, {@code gcp.entries.unknown.principal}.
 */
public final class EntryPublisher implements AutoCloseable {
  public static final String TOPIC = Topics.GCP_AUDIT_ENTRIES.name();
  public static final String DLQ_TOPIC = Topics.GCP_AUDIT_ENTRIES.deadLetterTopic();

  private final AuditLogParser parser;
  private final RecordSender sender;
  private final DeadLetters deadLetters;
  private final MessageLimits limits;
  private final ProtobufSerde<GcpAuditEntry> serde;
  private final DedupWindow window;
  private final LongSupplier clock;
  private final MeterRegistry metrics;
  private final Counter unknownPrincipal;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();

  /**
   * @param serdeConfig Kafka client config (schema registry settings for the value serde and dead letters)
   * @param dedupWindow how long an insertId is remembered; zero disables de-duplication
   * @param dedupMaxKeys at most this many keys are remembered (oldest forgotten first)
   */
  public EntryPublisher(String serviceName, AuditLogParser parser, RecordSender sender, Map<String, ?> serdeConfig,
      Duration dedupWindow, int dedupMaxKeys, MeterRegistry metrics) {
    this(serviceName, parser, sender, serdeConfig, dedupWindow, dedupMaxKeys, metrics, MessageLimits.DEFAULT);
  }

  /** @param limits record size limits (the service's {@code topics.max.message.bytes} and dead-letter size) */
  public EntryPublisher(String serviceName, AuditLogParser parser, RecordSender sender, Map<String, ?> serdeConfig,
      Duration dedupWindow, int dedupMaxKeys, MeterRegistry metrics, MessageLimits limits) {
    this.parser = parser;
    this.sender = sender;
    this.limits = limits;
    this.deadLetters = new DeadLetters(serviceName, serdeConfig, limits, metrics);
    this.serde = Topics.GCP_AUDIT_ENTRIES.valueSerde(serdeConfig);
    this.clock = System::currentTimeMillis;
    this.window = new DedupWindow(dedupWindow, dedupMaxKeys, clock);
    this.metrics = metrics;
    this.unknownPrincipal = Counter.builder("whodrove.ingest.gcp.entries.unknown.principal")
        .description("entries with neither principalEmail nor principalSubject").register(metrics);
  }

  public AuditLogParser parser() {
    return parser;
  }

  /** Parses and writes one LogEntry read at {@code position}. */
  public CompletableFuture<PublishOutcome> publish(byte[] raw, SourcePosition position) {
    ParseOutcome parsed;
    try {
      parsed = parser.parse(raw);
    } catch (RuntimeException e) {
      // a parser defect must not make a message redeliver forever
      return deadLetter(raw, position, RejectReason.PARSE_ERROR,
          RejectReason.PARSE_ERROR.code() + ": " + Errors.oneLine(e), e);
    }
    return publishParsed(parsed, raw, position);
  }

  /**
   * Writes what {@link #parser()} made of an input a source parsed itself (to skip entries it already published, or
   * outside a range); a rejection is dead-lettered with {@code original}, the input as the source read it (the LogEntry
   * bytes, or a BigQuery row the entry was made from).
   */
  public CompletableFuture<PublishOutcome> publishParsed(ParseOutcome parsed, byte[] original,
      SourcePosition position) {
    byte[] raw = original;
    if (parsed instanceof ParseOutcome.Rejected r) {
      return deadLetter(raw, position, r.reason(), r.describe(), null);
    }
    ParseOutcome.Accepted a = (ParseOutcome.Accepted) parsed;
    CompletableFuture<PublishOutcome> done = new CompletableFuture<>();
    DedupWindow.Claim claim = window.claim(a.dedupKey(), done);
    if (claim instanceof DedupWindow.Seen) {
      count("duplicate", position);
      return CompletableFuture.completedFuture(PublishOutcome.DUPLICATE);
    }
    if (claim instanceof DedupWindow.InFlight f) {
      // the first copy's write decides: success makes this a duplicate, failure fails this copy too (redelivery)
      return f.first().thenApply(x -> {
        count("duplicate", position);
        return PublishOutcome.DUPLICATE;
      });
    }
    GcpAuditEntry entry = a.entry().toBuilder().setSource(position).setIngestedAtMs(clock.getAsLong()).build();
    if (AuditLogParser.UNKNOWN_PRINCIPAL.equals(entry.getPrincipal())) {
      unknownPrincipal.increment();
    }
    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(TOPIC,
        entry.getPrincipal().getBytes(StandardCharsets.UTF_8), serde.serialize(TOPIC, entry));
    if (!limits.fits(record)) {
      tooLarge(raw, position, record).whenComplete((outcome, err) -> finish(a.dedupKey(), position, done, outcome, err));
      return done;
    }
    sender.send(record).whenComplete((md, err) -> {
      Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
      if (cause instanceof RecordTooLargeException || cause instanceof RecordBatchTooLargeException) {
        // the topic's own limit is smaller than ours (created before): the entry goes to the dead-letter topic
        tooLarge(raw, position, record).whenComplete((outcome, e2) -> finish(a.dedupKey(), position, done, outcome, e2));
        return;
      }
      if (err == null) {
        count("produced", position);
      }
      finish(a.dedupKey(), position, done, PublishOutcome.PRODUCED, err);
    });
    return done;
  }

  private void finish(String dedupKey, SourcePosition position, CompletableFuture<PublishOutcome> done,
      PublishOutcome outcome, Throwable err) {
    window.finish(dedupKey, err == null);
    if (err != null) {
      count("failed", position);
      done.completeExceptionally(err);
    } else {
      done.complete(outcome);
    }
  }

  private CompletableFuture<PublishOutcome> tooLarge(byte[] raw, SourcePosition position,
      ProducerRecord<byte[], byte[]> record) {
    return deadLetter(raw, position, RejectReason.TOO_LARGE, RejectReason.TOO_LARGE.code() + ": the entry's record of "
        + "about " + MessageLimits.sizeUpperBound(record) + " bytes is over the record limit of "
        + limits.maxMessageBytes() + " bytes (" + MessageLimits.MAX_MESSAGE_BYTES + ")", null);
  }

  /**
   * Writes {@code raw} to the dead-letter topic (used for rejected entries and for malformed envelopes around them).
   */
  public CompletableFuture<PublishOutcome> deadLetter(byte[] raw, SourcePosition position, RejectReason reason,
      String detail, Throwable error) {
    return deadLetter(raw == null ? null : Original.of(raw), position, reason, detail, error);
  }

  /**
   * Writes an input of which the source kept only the first bytes (an oversize line) to the dead-letter topic, with
   * the whole length and SHA-256 {@code original} carries.
   */
  public CompletableFuture<PublishOutcome> deadLetter(Original original, SourcePosition position, RejectReason reason,
      String detail, Throwable error) {
    metrics.counter("whodrove.ingest.gcp.entries.rejected", "reason", reason.code()).increment();
    ProducerRecord<byte[], byte[]> dl;
    try {
      dl = deadLetters.forSource(DLQ_TOPIC, position, null, original, detail, error);
    } catch (RuntimeException e) {
      count("failed", position);
      return CompletableFuture.failedFuture(e);
    }
    return sender.send(dl).handle((md, err) -> {
      if (err != null) {
        count("failed", position);
        throw new IllegalStateException("dead letter not written: " + Errors.oneLine(err), err);
      }
      count("dead_lettered", position);
      return PublishOutcome.DEAD_LETTERED;
    });
  }

  private void count(String outcome, SourcePosition position) {
    String source = position.getSource();
    counters.computeIfAbsent(outcome + '|' + source, k -> Counter.builder("whodrove.ingest.gcp.entries")
        .description("Cloud Audit Log inputs by outcome").tag("outcome", outcome).tag("source", source)
        .register(metrics)).increment();
  }

  /** Sends everything buffered now. */
  public void flush() {
    sender.flush();
  }

  @Override
  public void close() {
    sender.close(Duration.ofSeconds(30));
  }
}
