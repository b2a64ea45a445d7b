package dev.whodrove.runtime;

/** What every transactional whodrove producer (Streams apps, recording-decoder, llm-scorer) sets the same way. */
public final class TransactionalProducers {
  /**
   * {@code retry.backoff.ms}. The first offsets or partitions request of a transaction that follows a commit is often
   * refused with CONCURRENT_TRANSACTIONS while the coordinator still writes the previous transaction's markers; the
   * client retries after this backoff (growing exponentially up to {@code retry.backoff.max.ms}), so Kafka's default
   * of 100 ms would be paid on nearly every transaction. Measured on the embedded broker: 83 ms per transaction
   * with the default, 23 ms with this.
   */
  public static final int RETRY_BACKOFF_MS = 10;

  private TransactionalProducers() {}
}
