package dev.whodrove.runtime;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Thrown by a {@link BatchHandler} when the batch cannot be done now but may succeed later unchanged: the worker rolls
 * back to the last commit and retries after a backoff. Who is to blame decides how long:
 * <ul>
 *   <li>{@linkplain #ofRecord one record} (its object is slow or failing, its model call timed out): only its
 *       partition backs off, the others go on; after the record's {@link RetryBudget} it is dead-lettered with the
 *       attempts and the last error, and the records after it flow;</li>
 *   <li>{@linkplain #authOf credentials refused} for one record (a key being rotated): the same, within the budget's
 *       longer auth time, and readiness is down meanwhile;</li>
 *   <li>{@linkplain #TransientFailure(String, Throwable) the environment} (the broker, the database): every
 *       partition of the batch backs off and is retried until it works, never dead-lettered; readiness is down with
 *       the reason.</li>
 * </ul>
 */
public class TransientFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Whose failure it is. */
  public enum Blame {
    RECORD, AUTH, ENVIRONMENT
  }

  private final Blame blame;
  private final transient TopicPartition partition;
  private final long offset;

  /** A failure of the environment: retried until it works, never dead-lettered. */
  public TransientFailure(String message, Throwable cause) {
    this(Blame.ENVIRONMENT, message, cause, null, -1);
  }

  private TransientFailure(Blame blame, String message, Throwable cause, TopicPartition partition, long offset) {
    super(message, cause);
    this.blame = blame;
    this.partition = partition;
    this.offset = offset;
  }

  /** A failure of this record alone: retried within the record budget, then dead-lettered. */
  public static TransientFailure ofRecord(ConsumerRecord<?, ?> record, String message, Throwable cause) {
    return new TransientFailure(Blame.RECORD, message, cause, partitionOf(record), record.offset());
  }

  /** Access refused while handling this record: retried within the auth budget, then dead-lettered. */
  public static TransientFailure authOf(ConsumerRecord<?, ?> record, String message, Throwable cause) {
    return new TransientFailure(Blame.AUTH, message, cause, partitionOf(record), record.offset());
  }

  public Blame blame() {
    return blame;
  }

  /** The blamed record's partition, or null for a failure of the environment. */
  public TopicPartition partition() {
    return partition;
  }

  /** The blamed record's offset, or -1. */
  public long offset() {
    return offset;
  }

  private static TopicPartition partitionOf(ConsumerRecord<?, ?> record) {
    return new TopicPartition(record.topic(), record.partition());
  }
}
