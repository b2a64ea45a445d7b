package dev.whodrove.ingest.gcp;

import dev.whodrove.schemas.v1.GcpAuditEntry;

/** What {@link AuditLogParser} made of one input: an entry to publish, or a typed rejection to dead-letter. */
public sealed interface ParseOutcome {

  /**
   * A parsed audit entry.
   *
   * @param entry the normalised entry (source position not yet set)
   * @param dedupKey key for insertId de-duplication (insertId scoped by log and timestamp, or a content hash)
   */
  record Accepted(GcpAuditEntry entry, String dedupKey) implements ParseOutcome {}

  /** Input that is not a usable Cloud Audit Log entry. */
  record Rejected(RejectReason reason, String detail) implements ParseOutcome {
    /** One line for the dead letter: {@code reason: detail}. */
    public String describe() {
      return reason.code() + ": " + detail;
    }
  }
}
