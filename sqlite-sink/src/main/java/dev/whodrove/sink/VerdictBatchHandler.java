package dev.whodrove.sink;

import dev.whodrove.runtime.BatchHandler;
import dev.whodrove.runtime.Errors;
import dev.whodrove.runtime.TransientFailure;
import dev.whodrove.runtime.WorkerBatch;
import dev.whodrove.schemas.serde.ProtobufSerde;
import dev.whodrove.schemas.v1.SessionVerdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one batch of {@code session.labels} into {@code sessions.sqlite} as one SQLite transaction; the worker
 * commits the batch's offsets only after this returns. A database that cannot be written — busy, locked, read-only,
 * corrupt, failing I/O, full, gone ({@link SessionDatabase#isDatabaseFailure}) — is a {@link TransientFailure} of the
 * environment: consumption stops, the batch is retried with backoff until the database works again and readiness
 * names the error; no verdict is dead-lettered for it. A verdict that cannot be decoded, or that SQLite rejects for
 * itself (a constraint), is dead-lettered and the rest of the batch is stored.
 */
final class VerdictBatchHandler implements BatchHandler {
  private static final Logger log = LoggerFactory.getLogger(VerdictBatchHandler.class);

  /** Seams for tests, called on the worker thread. */
  interface BatchHook {
    BatchHook NONE = offsets -> { };

    /** After a batch's SQLite commit and before its offset commit (crash tests). */
    void afterDbCommit(Map<TopicPartition, OffsetAndMetadata> offsets);

    /** Before each attempt to write a batch, on the store's connection (pragmas that make the database fail). */
    default void beforeApply(SessionDatabase store) throws SQLException {}
  }

  private final SessionDatabase store;
  private final ProtobufSerde<SessionVerdict> serde;
  private final BatchHook hook;
  private final Counter rowsUpserted;
  private final Counter sessionsUpserted;
  private final Counter labelsApplied;
  private final Counter labelsOutranked;

  VerdictBatchHandler(SessionDatabase store, ProtobufSerde<SessionVerdict> serde, BatchHook hook, MeterRegistry m) {
    this.store = store;
    this.serde = serde;
    this.hook = hook;
    rowsUpserted = m.counter("whodrove.sink.rows.upserted");
    sessionsUpserted = m.counter("whodrove.sink.sessions.upserted");
    labelsApplied = m.counter("whodrove.sink.labels.applied");
    labelsOutranked = m.counter("whodrove.sink.labels.outranked");
  }

  @Override
  public void handle(WorkerBatch batch) {
    List<SessionVerdict> verdicts = new ArrayList<>();
    List<ConsumerRecord<byte[], byte[]>> sources = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> rec : batch.records()) {
      String invalid = decode(rec, verdicts);
      if (invalid != null) {
        deadLetter(batch, rec, invalid, null);
      } else {
        sources.add(rec);
      }
    }
    SessionDatabase.ApplyResult r;
    try {
      hook.beforeApply(store);
      r = apply(batch, verdicts, sources);
    } catch (SQLException e) {
      // only database failures get here: a verdict the database refuses is isolated and dead-lettered in apply
      if (SessionDatabase.needsReopen(e)) {
        try {
          store.reopen();
        } catch (SQLException reopen) {
          log.warn("reopening the database failed: {}", Errors.oneLine(reopen));
        }
      }
      throw new TransientFailure("cannot write " + store.path() + ": " + Errors.oneLine(e), e);
    }
    hook.afterDbCommit(offsetsOf(batch.records()));
    sessionsUpserted.increment(r.sessionRows());
    labelsApplied.increment(r.labelsApplied());
    labelsOutranked.increment(r.labelsOutranked());
    rowsUpserted.increment(r.rowsUpserted());
  }

  /** Adds the record's verdict to {@code verdicts}, or returns why it cannot be stored. */
  private String decode(ConsumerRecord<byte[], byte[]> rec, List<SessionVerdict> verdicts) {
    if (rec.value() == null || rec.value().length == 0) {
      return "empty value (no SessionVerdict)";
    }
    SessionVerdict v;
    try {
      v = serde.deserialize(rec.topic(), rec.value());
    } catch (RuntimeException e) {
      return "cannot decode SessionVerdict: " + Errors.oneLine(e);
    }
    String invalid = SessionWriter.invalidReason(v);
    if (invalid == null) {
      verdicts.add(v);
    }
    return invalid;
  }

  /** The whole batch in one transaction; if SQLite refuses it for good, record by record to find the culprits. */
  private SessionDatabase.ApplyResult apply(WorkerBatch batch, List<SessionVerdict> verdicts,
      List<ConsumerRecord<byte[], byte[]>> sources) throws SQLException {
    try {
      return store.apply(verdicts);
    } catch (SQLException e) {
      if (SessionDatabase.isDatabaseFailure(e)) {
        throw e;
      }
      log.warn("batch of {} rejected ({}); storing record by record", verdicts.size(), Errors.oneLine(e));
      return store.applyIsolating(verdicts, (i, err) -> deadLetter(batch, sources.get(i),
          "sqlite rejected the verdict: " + Errors.oneLine(err), err));
    }
  }

  private static void deadLetter(WorkerBatch batch, ConsumerRecord<byte[], byte[]> rec, String reason, Throwable e) {
    log.warn("dead-lettering {}-{}@{}: {}", rec.topic(), rec.partition(), rec.offset(), reason);
    batch.deadLetter(rec, reason, e);
  }

  private static Map<TopicPartition, OffsetAndMetadata> offsetsOf(List<ConsumerRecord<byte[], byte[]>> records) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      offsets.merge(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1),
          (a, b) -> a.offset() >= b.offset() ? a : b);
    }
    return offsets;
  }
}
