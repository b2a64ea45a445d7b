package dev.whodrove.decoder;

import dev.whodrove.runtime.BatchHandler;
import dev.whodrove.runtime.Errors;
import dev.whodrove.runtime.TransientFailure;
import dev.whodrove.runtime.WorkerBatch;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.serde.ProtobufSerde;
import dev.whodrove.schemas.v1.RecordingComplete;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.schemas.v1.RecordingRef;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Decodes the recording each {@code teleport.recordings} reference names and sends its events, then one
 * RecordingComplete, to {@code teleport.recording.events} keyed by session id.
 *
 * <p>Checkpoints fall on recording boundaries only, so a {@code read_committed} reader never sees part of a
 * recording: the first boundary after {@code transaction.commit.after} commits, so one commit serves many small
 * recordings while a long backlog still reaches downstream steadily. A poll's work stops at half the transaction
 * timeout; the rest comes with the next poll.
 *
 * <p>Bad recordings (corrupt, unsupported, refused, missing) still get their RecordingComplete, with
 * {@code parse_error}, and a dead letter. An object that fails transiently, a stream that breaks mid-read, or a
 * recording that takes longer than its deadline is a {@link TransientFailure} of that reference, retried within its
 * budget (the same bytes decode the same way later); refused access is retried within the longer auth budget; a
 * store that cannot be reached at all is a failure of the environment.
 *
 * <p>A recording's deadline is {@code decoder.store.read.timeout}, or what is left of
 * {@code decoder.transaction.deadline.fraction} of the transaction timeout since the transaction's first
 * recording, whichever comes first: a decode never outlives the producer's transaction unnoticed.
 */
final class RecordingRefHandler implements BatchHandler {
  private static final Logger log = LoggerFactory.getLogger(RecordingRefHandler.class);
  private static final String OUTPUT = Topics.TELEPORT_RECORDING_EVENTS.name();

  private final RecordingStores stores;
  private final RecordingDecoder decoder;
  private final DecoderMetrics metrics;
  private final ProtobufSerde<RecordingRef> refSerde;
  private final byte[] valuePrefix;
  private final long commitAfterNanos;
  private final long pollBudgetNanos;
  private final Duration readTimeout;
  private final Duration transactionTimeout;
  private final double transactionFraction;
  private final int partThreads;
  private final long partsMinBytes;
  private String keyFor;
  private byte[] keyBytes;

  /**
   * @param valuePrefix the bytes every event value starts with: empty for plain protobuf, the registry framing
   *     (magic byte, schema id, message index) otherwise — the same for every event, so computed once
   */
  RecordingRefHandler(DecoderConfig config, RecordingStores stores, DecoderMetrics metrics,
      ProtobufSerde<RecordingRef> refSerde, byte[] valuePrefix) {
    this.stores = stores;
    this.decoder = new RecordingDecoder(config.decode());
    this.metrics = metrics;
    this.refSerde = refSerde;
    this.valuePrefix = valuePrefix;
    this.commitAfterNanos = config.commitAfter().toNanos();
    this.pollBudgetNanos = config.transactionTimeout().toNanos() / 2;
    this.readTimeout = config.readTimeout();
    this.transactionTimeout = config.transactionTimeout();
    this.transactionFraction = config.transactionDeadlineFraction();
    this.partThreads = config.partThreads();
    this.partsMinBytes = config.partsMinBytes();
  }

  @Override
  public void handle(WorkerBatch batch) {
    List<ConsumerRecord<byte[], byte[]>> refs = batch.records();
    long txStarted = System.nanoTime();
    for (int i = 0; i < refs.size(); i++) {
      if (batch.stopping()) {
        batch.holdRestFrom(i);
        return;
      }
      long started = System.nanoTime();
      Outcome o = decode(batch, refs.get(i), deadline(txStarted, started));
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      batch.afterCommit(() -> metrics.committed(o.ok(), o.objectBytes(), o.events(), took));
      long now = System.nanoTime();
      if (i < refs.size() - 1 && now - txStarted >= commitAfterNanos) {
        batch.commitThrough(i);
        txStarted = now;
        if (now - batch.createdNanos() > pollBudgetNanos) {
          batch.holdRestFrom(i + 1);
          return;
        }
      }
    }
  }

  /** What one reference produced. */
  private record Outcome(boolean ok, long objectBytes, long events) {}

  /** The deadline of a recording starting now, in a transaction whose first recording started at txStarted. */
  private ReadDeadline deadline(long txStarted, long now) {
    Duration txLeft = Duration.ofNanos((long) (transactionTimeout.toNanos() * transactionFraction)
        - (now - txStarted));
    if (txLeft.compareTo(readTimeout) < 0) {
      return new ReadDeadline(txLeft, transactionFraction + " of the transaction timeout of "
          + ReadDeadline.text(transactionTimeout) + " (" + DecoderConfig.TRANSACTION_DEADLINE_FRACTION + ")");
    }
    return new ReadDeadline(readTimeout, "the read timeout of " + ReadDeadline.text(readTimeout) + " ("
        + DecoderConfig.READ_TIMEOUT + ")");
  }

  private Outcome decode(WorkerBatch batch, ConsumerRecord<byte[], byte[]> rec, ReadDeadline deadline) {
    try (deadline) {
      return decodeWithin(batch, rec, deadline);
    } catch (ReadDeadline.Exceeded e) {
      throw TransientFailure.ofRecord(rec, "transient failure reading " + rec.topic() + "@" + rec.offset() + ": "
          + e.getMessage(), e);
    }
  }

  private Outcome decodeWithin(WorkerBatch batch, ConsumerRecord<byte[], byte[]> rec, ReadDeadline deadline) {
    RecordingRef ref = null;
    String failure = null;
    String reason = null;
    Throwable cause = null;
    try {
      ref = refSerde.deserialize(rec.topic(), rec.value());
      if (ref == null) {
        failure = "empty RecordingRef value";
      }
    } catch (RuntimeException e) {
      failure = "undecodable RecordingRef: " + Errors.oneLine(e);
      cause = e;
    }
    if (failure != null) {
      reason = "bad-ref";
    }
    String sid = ref != null && !ref.getSessionId().isEmpty() ? ref.getSessionId()
        : rec.key() == null ? "" : new String(rec.key(), StandardCharsets.UTF_8);
    String uri = ref == null ? "" : ref.getUri();
    long[] emitted = {0};
    long objectBytes = 0;
    if (failure == null) {
      try (StoredObject object = stores.open(uri)) {
        deadline.guard(object.stream());
        RecordingDecoder.SerializedSink sink = (buf, off, len) -> {
          batch.checkAbort();
          deadline.check();
          send(batch, sid, buf, off, len);
          emitted[0]++;
        };
        // a large recording is decoded several parts at a time: its events sooner, the same records
        RecordingDecoder.Result r = object.size() >= partsMinBytes && partThreads > 1
            ? decoder.decodeSerializedByParts(object.stream(), sid, uri, object.size(), partThreads, sink)
            : decoder.decodeSerialized(object.stream(), sid, uri, object.size(), sink);
        objectBytes = r.complete().getObjectSizeBytes();
        if (!r.ok()) {
          deadline.check(); // a stream closed by the deadline may look like a truncated recording
          failure = "decode failed: " + r.error().getMessage();
          reason = r.error().reason();
          cause = r.error();
        }
      } catch (StoreException e) {
        deadline.check();
        switch (e.kind()) {
          case TRANSIENT -> throw transientFailure(rec, e);
          case ACCESS_DENIED -> throw TransientFailure.authOf(rec, "access refused reading " + rec.topic() + "@"
              + rec.offset() + ": " + Errors.oneLine(e), e);
          case UNREACHABLE -> throw new TransientFailure(Errors.oneLine(e), e);
          default -> {
            failure = e.getMessage();
            reason = e.reason();
            cause = e;
          }
        }
      } catch (IOException | SdkException e) {
        deadline.check();
        throw transientFailure(rec, e);
      }
    }
    if (failure != null) {
      if (emitted[0] == 0 && !sid.isEmpty()) {
        sendComplete(batch, sid, uri, failure); // nothing was decoded: still close the recording for consumers
        emitted[0]++;
      }
      batch.deadLetter(rec, failure, cause);
      metrics.error(reason);
      log.warn("{}: {} -> dead letter: {}", RecordingDecoderService.NAME,
          sid.isEmpty() ? rec.topic() + "@" + rec.offset() : sid, failure);
    }
    return new Outcome(failure == null, objectBytes, emitted[0]);
  }

  /**
   * A reference whose retries are spent ends like a bad recording: consumers get its RecordingComplete with the
   * reason as {@code parse_error}, and it is dead-lettered (a replay from the dead-letter topic decodes it again).
   */
  @Override
  public void retriesExhausted(WorkerBatch batch, ConsumerRecord<byte[], byte[]> rec, String reason,
      Throwable lastError) {
    String sid = rec.key() == null ? "" : new String(rec.key(), StandardCharsets.UTF_8);
    String uri = "";
    try {
      RecordingRef ref = refSerde.deserialize(rec.topic(), rec.value());
      if (ref != null) {
        sid = ref.getSessionId().isEmpty() ? sid : ref.getSessionId();
        uri = ref.getUri();
      }
    } catch (RuntimeException e) {
      // it decoded before it failed; the key names the session either way
    }
    long events = 0;
    if (!sid.isEmpty()) {
      sendComplete(batch, sid, uri, reason);
      events = 1;
    }
    batch.deadLetter(rec, reason, lastError);
    metrics.error("retries-exhausted");
    long emitted = events;
    batch.afterCommit(() -> metrics.committed(false, 0, emitted, Duration.ZERO));
  }

  private static TransientFailure transientFailure(ConsumerRecord<byte[], byte[]> rec, Exception e) {
    return TransientFailure.ofRecord(rec, "transient failure reading " + rec.topic() + "@" + rec.offset() + ": "
        + Errors.oneLine(e), e);
  }

  private void send(WorkerBatch batch, String sid, byte[] buf, int off, int len) {
    if (!sid.equals(keyFor)) {
      keyFor = sid;
      keyBytes = sid.getBytes(StandardCharsets.UTF_8); // what StringSerializer writes
    }
    byte[] value = new byte[valuePrefix.length + len];
    System.arraycopy(valuePrefix, 0, value, 0, valuePrefix.length);
    System.arraycopy(buf, off, value, valuePrefix.length, len);
    batch.send(new ProducerRecord<>(OUTPUT, keyBytes, value));
  }

  private void sendComplete(WorkerBatch batch, String sid, String uri, String error) {
    RecordingEvent complete = RecordingEvent.newBuilder()
        .setSessionId(sid).setIndex(0).setType("recording.complete").setRecordingUri(uri)
        .setComplete(RecordingComplete.newBuilder().setParseError(error)).build();
    byte[] bytes = complete.toByteArray();
    send(batch, sid, bytes, 0, bytes.length);
  }
}
