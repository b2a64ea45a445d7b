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
import org.apache.kafka.common.TopicPartition;
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
 * {@code parse_error}, and a dead letter. A store that fails transiently, or a stream that breaks mid-read, is a
 * {@link TransientFailure} of the reference's partition: the same bytes decode the same way later.
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
      Outcome o = decode(batch, refs.get(i));
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

  private Outcome decode(WorkerBatch batch, ConsumerRecord<byte[], byte[]> rec) {
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
        RecordingDecoder.Result r = decoder.decodeSerialized(object.stream(), sid, uri, object.size(),
            (buf, off, len) -> {
              batch.checkAbort();
              send(batch, sid, buf, off, len);
              emitted[0]++;
            });
        objectBytes = r.complete().getObjectSizeBytes();
        if (!r.ok()) {
          failure = "decode failed: " + r.error().getMessage();
          reason = r.error().reason();
          cause = r.error();
        }
      } catch (StoreException e) {
        if (e.isTransient()) {
          throw transientFailure(rec, e);
        }
        failure = e.getMessage();
        reason = e.reason();
        cause = e;
      } catch (IOException | SdkException e) {
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

  private static TransientFailure transientFailure(ConsumerRecord<byte[], byte[]> rec, Exception e) {
    return new TransientFailure("transient failure reading " + rec.topic() + "@" + rec.offset() + ": "
        + Errors.oneLine(e), e, new TopicPartition(rec.topic(), rec.partition()));
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
