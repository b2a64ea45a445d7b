package dev.whodrove.ingest.gcp;

/** How one input ended once Kafka acknowledged: the caller may ack its source for every value. */
public enum PublishOutcome {
  /** Written to {@code gcp.audit.entries}. */
  PRODUCED,
  /** Same entry already written within the de-duplication window. */
  DUPLICATE,
  /** Written to {@code gcp.audit.entries.dlq}. */
  DEAD_LETTERED
}
