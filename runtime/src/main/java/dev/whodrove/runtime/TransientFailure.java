package dev.whodrove.runtime;

import org.apache.kafka.common.TopicPartition;

/**
 * Thrown by a {@link BatchHandler} when the batch cannot be done now but will succeed later unchanged (a store that is
 * down, a database that is locked): the worker rolls back to the last commit and retries after a backoff. With a
 * partition, only that partition backs off; the others go on at once.
 */
public class TransientFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient TopicPartition partition;

  public TransientFailure(String message, Throwable cause) {
    this(message, cause, null);
  }

  public TransientFailure(String message, Throwable cause, TopicPartition partition) {
    super(message, cause);
    this.partition = partition;
  }

  /** The partition that must back off, or null for every partition of the batch. */
  public TopicPartition partition() {
    return partition;
  }
}
