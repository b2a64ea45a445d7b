package dev.whodrove.decoder;

/**
 * A recording could not be fetched. {@link #kind()} tells whether trying again later can help and whose failure it
 * is: this object's (throttling, server errors, a body cut short), the credentials' (access refused, as while keys
 * rotate), the store's as a whole (it cannot be reached at all), or nobody's (refused by the allowlist, not found).
 */
public final class StoreException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Whose failure it is, and so how it is retried. */
  public enum Kind {
    /** Will fail the same way again: dead-letter the reference. */
    PERMANENT,
    /** This object failed now: retry it within its retry budget. */
    TRANSIENT,
    /** Access refused: retry within the longer auth budget (credentials may be rotating). */
    ACCESS_DENIED,
    /** The store cannot be reached at all: not this object's fault, retry until it can. */
    UNREACHABLE
  }

  private final Kind kind;
  private final String reason;

  private StoreException(Kind kind, String reason, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.reason = reason;
  }

  /** Will fail the same way again: dead-letter it. */
  public static StoreException permanent(String reason, String message) {
    return new StoreException(Kind.PERMANENT, reason, message, null);
  }

  public static StoreException permanent(String reason, String message, Throwable cause) {
    return new StoreException(Kind.PERMANENT, reason, message, cause);
  }

  /** This object failed now; worth retrying with backoff. */
  public static StoreException transientFailure(String message, Throwable cause) {
    return new StoreException(Kind.TRANSIENT, "store-unavailable", message, cause);
  }

  /** Access refused; retried for the auth budget before the reference is dead-lettered. */
  public static StoreException accessDenied(String message, Throwable cause) {
    return new StoreException(Kind.ACCESS_DENIED, "access-denied", message, cause);
  }

  /** The store itself cannot be reached (connection refused, no such host): retried until it can. */
  public static StoreException unreachable(String message, Throwable cause) {
    return new StoreException(Kind.UNREACHABLE, "store-unreachable", message, cause);
  }

  public Kind kind() {
    return kind;
  }

  /** Whether trying again later can help. */
  public boolean isTransient() {
    return kind != Kind.PERMANENT;
  }

  /** Short class of the failure (metrics tag): refused, not-found, access-denied, store-unavailable, … */
  public String reason() {
    return reason;
  }
}
