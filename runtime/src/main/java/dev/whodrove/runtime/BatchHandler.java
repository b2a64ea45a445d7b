package dev.whodrove.runtime;

import java.util.Collection;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * What a {@link KafkaWorker} service does with its input: everything between poll and commit. A handler reads
 * {@link WorkerBatch#records()} in order, writes its outputs and dead letters through the batch, and returns; the
 * worker commits. It never touches a Kafka client, so a unit test can drive it with a hand-made batch.
 *
 * <p>Throwing {@link TransientFailure} means "not now": nothing of the batch since the last
 * {@link WorkerBatch#commitThrough checkpoint} is committed, and the same records come again after a backoff. A
 * failure {@linkplain TransientFailure#ofRecord blamed on one record} is retried within a {@link RetryBudget}, then
 * that record goes to {@link #retriesExhausted}; a failure of the environment is retried until it works. Any other
 * exception stops the worker (readiness reports it): it is a bug or an unusable environment, not bad input — bad
 * input is dead-lettered by the handler.
 */
@FunctionalInterface
public interface BatchHandler {
  void handle(WorkerBatch batch) throws Exception;

  /** Called on the worker thread when partitions are assigned, before their first records are handled. */
  default void onAssigned(Collection<TopicPartition> partitions) {}

  /**
   * Called, in a batch of its own, instead of {@link #handle} for a record whose retry budget is spent. By default
   * it is dead-lettered with {@code reason} (attempts, time, last error); a handler may also write what its
   * consumers expect of a record that failed.
   *
   * @param lastError the cause of the last failure
   */
  default void retriesExhausted(WorkerBatch batch, ConsumerRecord<byte[], byte[]> record, String reason,
      Throwable lastError) {
    batch.deadLetter(record, reason, lastError);
  }
}
