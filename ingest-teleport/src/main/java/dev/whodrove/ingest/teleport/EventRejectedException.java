package dev.whodrove.ingest.teleport;

/** Input that cannot become a {@code TeleportAuditEvent}; carries a machine-readable reason for metrics and the DLQ. */
public final class EventRejectedException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why the input was rejected. */
  public enum Reason {
    /** Not parseable as JSON. */
    NOT_JSON,
    /** Valid JSON, but not an object with an {@code event} type string. */
    NOT_AN_EVENT,
    /** Larger than the size limit (1 MiB by default). */
    TOO_LARGE,
    /** {@code time} missing or not a timestamp we can read. */
    BAD_TIME,
    /** A session id that is not a plain token (path separators, dot segments, control characters, too long). */
    BAD_SESSION_ID,
    /** A notification or reference that names no usable recording. */
    BAD_NOTIFICATION,
    /** The parser failed unexpectedly on this input. */
    PARSE_ERROR
  }

  private final Reason reason;

  public EventRejectedException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public EventRejectedException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  /** Reason tag for metrics, e.g. {@code not_json}. */
  public String tag() {
    return reason.name().toLowerCase(java.util.Locale.ROOT);
  }
}
