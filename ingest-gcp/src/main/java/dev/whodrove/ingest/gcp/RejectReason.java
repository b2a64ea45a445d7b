package dev.whodrove.ingest.gcp;

/** Why an input was not turned into a {@code GcpAuditEntry}; {@link #code()} is the metric tag and DLQ prefix. */
public enum RejectReason {
  /** Not parseable JSON, or JSON that is not an object. */
  NOT_JSON("not_json"),
  /** A LogEntry, but not a Cloud Audit Log (textPayload, jsonPayload, another protoPayload type). */
  NOT_AUDIT_LOG("not_audit_log"),
  /** No {@code timestamp}. */
  MISSING_TIMESTAMP("missing_timestamp"),
  /** A {@code timestamp} that is neither RFC 3339 nor {@code yyyy-MM-dd HH:mm:ss[.f]}. */
  BAD_TIMESTAMP("bad_timestamp"),
  /** Larger than the configured maximum entry size. */
  TOO_LARGE("too_large"),
  /** A Pub/Sub push request that is not a push envelope. */
  BAD_ENVELOPE("bad_envelope"),
  /** The parser failed unexpectedly on this input. */
  PARSE_ERROR("parse_error");

  private final String code;

  RejectReason(String code) {
    this.code = code;
  }

  public String code() {
    return code;
  }
}
