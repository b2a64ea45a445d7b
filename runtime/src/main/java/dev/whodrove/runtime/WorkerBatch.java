package dev.whodrove.runtime;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * One batch of input handed by {@link KafkaWorker} to a {@link BatchHandler}, and the handler's only way out: its
 * outputs, dead letters and checkpoints go through here. A batch is done when the handler returns: every record not
 * {@linkplain #holdFrom held back} is committed together with what was sent for it (in one Kafka transaction for a
 * transactional worker; after the sends are acknowledged otherwise).
 */
public final class WorkerBatch {
  /** What the worker does for a batch: the Kafka side of send and commit. */
  interface Transport {
    void send(ProducerRecord<byte[], byte[]> record);

    /**
     * Makes everything sent so far durable together with these offsets, which cover {@code records} input records.
     */
    void commit(Map<TopicPartition, OffsetAndMetadata> offsets, int records);

    boolean stopRequested();

    boolean abortRequested();
  }

  /** Thrown from {@link #checkAbort()} when a stop cannot wait for the batch any longer. */
  static final class Aborted extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Aborted() {
      super("aborted for shutdown", null, false, false);
    }
  }

  private final List<ConsumerRecord<byte[], byte[]>> records;
  private final Transport transport;
  private final DeadLetters deadLetters;
  private final long createdNanos = System.nanoTime();
  private final Map<TopicPartition, Long> holds = new HashMap<>();
  private final List<Runnable> afterCommit = new ArrayList<>();
  private final List<Runnable> afterAbort = new ArrayList<>();
  private int committedUpTo; // records before this index are committed
  private int deadLettered;
  private BooleanSupplier resumeWhen;
  private String pauseReason;

  /**
   * A batch that is not tied to Kafka: sends are appended to {@code sent}, commits do nothing. For driving a handler
   * in a unit test, or offline.
   */
  public static WorkerBatch collecting(List<ConsumerRecord<byte[], byte[]>> records,
      List<ProducerRecord<byte[], byte[]>> sent, String service) {
    return new WorkerBatch(records, new Transport() {
      @Override
      public void send(ProducerRecord<byte[], byte[]> record) {
        sent.add(record);
      }

      @Override
      public void commit(Map<TopicPartition, OffsetAndMetadata> offsets, int records) {}

      @Override
      public boolean stopRequested() {
        return false;
      }

      @Override
      public boolean abortRequested() {
        return false;
      }
    }, new DeadLetters(service, Map.of()));
  }

  WorkerBatch(List<ConsumerRecord<byte[], byte[]>> records, Transport transport, DeadLetters deadLetters) {
    this.records = Collections.unmodifiableList(records);
    this.transport = transport;
    this.deadLetters = deadLetters;
  }

  /** The records, in poll order (each partition's records in offset order). */
  public List<ConsumerRecord<byte[], byte[]>> records() {
    return records;
  }

  /** When the batch was handed over ({@link System#nanoTime()}). */
  public long createdNanos() {
    return createdNanos;
  }

  /** Sends an output record; it becomes visible with the commit that covers the input it came from. */
  public void send(ProducerRecord<byte[], byte[]> record) {
    transport.send(record);
  }

  /**
   * Sends a dead letter for {@code source} to {@code <source topic>.dlq}: the original key and value bytes, the
   * source position and the reason. The record itself then counts as done.
   */
  public void deadLetter(ConsumerRecord<byte[], byte[]> source, String reason, Throwable error) {
    transport.send(deadLetters.forKafkaRecord(source.topic() + ".dlq", source.topic(), source.partition(),
        source.offset(), source.key(), source.value(), reason, error));
    deadLettered++;
  }

  /** Commits now everything sent so far and the input up to and including {@code records().get(index)}. */
  public void commitThrough(int index) {
    if (index < committedUpTo) {
      return;
    }
    transport.commit(offsets(committedUpTo, index + 1), index + 1 - committedUpTo);
    committedUpTo = index + 1;
    runAll(afterCommit);
    afterAbort.clear();
  }

  /** The record at {@code index} and those after it in its partition are not done: they are polled again. */
  public void holdFrom(int index) {
    ConsumerRecord<byte[], byte[]> r = records.get(index);
    holds.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::min);
  }

  /** Every record from {@code index} on is not done: each partition is polled again from its first such record. */
  public void holdRestFrom(int index) {
    for (int i = index; i < records.size(); i++) {
      holdFrom(i);
    }
  }

  /** Runs once the records handled so far are committed (metrics, caches that must not run ahead of Kafka). */
  public void afterCommit(Runnable action) {
    afterCommit.add(action);
  }

  /** Runs if the records handled so far are rolled back instead (to undo what {@link #afterCommit} would keep). */
  public void afterAbort(Runnable action) {
    afterAbort.add(action);
  }

  /** After this batch, fetch nothing until {@code canResume} is true (checked on every loop of the worker). */
  public void pauseUntil(BooleanSupplier canResume, String reason) {
    this.resumeWhen = canResume;
    this.pauseReason = reason;
  }

  /** True once a stop was requested: a handler may return early (what it did not finish is polled again). */
  public boolean stopping() {
    return transport.stopRequested();
  }

  /** Throws when a stop can no longer wait for this batch: call it inside long work (one long recording). */
  public void checkAbort() {
    if (transport.abortRequested()) {
      throw new Aborted();
    }
  }

  // ---- for the worker ----

  /** Commits what remains (all but the held records). */
  void commitRest() {
    transport.commit(offsets(committedUpTo, records.size()), records.size() - committedUpTo);
    committedUpTo = records.size();
    runAll(afterCommit);
    afterAbort.clear();
  }

  /** The handler's work since the last commit was rolled back. */
  void aborted() {
    runAll(afterAbort);
    afterCommit.clear();
  }

  /** Where each partition must be read again from: held records, and everything not committed after a failure. */
  Map<TopicPartition, Long> rewindPositions(boolean failed) {
    Map<TopicPartition, Long> at = new LinkedHashMap<>(holds);
    if (failed) {
      for (int i = committedUpTo; i < records.size(); i++) {
        ConsumerRecord<byte[], byte[]> r = records.get(i);
        at.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::min);
      }
    }
    return at;
  }

  /** Per partition, the offset after the last record committed (held records excluded), once the batch is done. */
  Map<TopicPartition, Long> committedPositions() {
    Map<TopicPartition, Long> at = new HashMap<>();
    offsets(0, committedUpTo).forEach((tp, o) -> at.put(tp, o.offset()));
    return at;
  }

  int committedRecords() {
    return committedUpTo;
  }

  int deadLettered() {
    return deadLettered;
  }

  BooleanSupplier resumeWhen() {
    return resumeWhen;
  }

  String pauseReason() {
    return pauseReason;
  }

  private Map<TopicPartition, OffsetAndMetadata> offsets(int from, int to) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (int i = from; i < to; i++) {
      ConsumerRecord<byte[], byte[]> r = records.get(i);
      TopicPartition tp = new TopicPartition(r.topic(), r.partition());
      Long hold = holds.get(tp);
      if (hold != null && r.offset() >= hold) {
        continue;
      }
      offsets.merge(tp, new OffsetAndMetadata(r.offset() + 1), (a, b) -> a.offset() >= b.offset() ? a : b);
    }
    return offsets;
  }

  private static void runAll(List<Runnable> actions) {
    List<Runnable> copy = List.copyOf(actions);
    actions.clear();
    copy.forEach(Runnable::run);
  }
}
