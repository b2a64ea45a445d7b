package dev.whodrove.runtime;

import java.util.Collection;
import org.apache.kafka.common.TopicPartition;

/**
 * What a {@link KafkaWorker} service does with its input: everything between poll and commit. A handler reads
 * {@link WorkerBatch#records()} in order, writes its outputs and dead letters through the batch, and returns; the
 * worker commits. It never touches a Kafka client, so a unit test can drive it with a hand-made batch.
 *
 * <p>Throwing {@link TransientFailure} means "not now": nothing of the batch since the last
 * {@link WorkerBatch#commitThrough checkpoint} is committed, and the same records come again after a backoff. Any other
 * exception stops the worker (readiness reports it): it is a bug or an unusable environment, not bad input — bad
 * input is dead-lettered by the handler.
 */
@FunctionalInterface
public interface BatchHandler {
  void handle(WorkerBatch batch) throws Exception;

  /** Called on the worker thread when partitions are assigned, before their first records are handled. */
  default void onAssigned(Collection<TopicPartition> partitions) {}
}
