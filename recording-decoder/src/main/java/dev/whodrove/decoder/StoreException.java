package dev.whodrove.decoder;

/**
 * A recording could not be fetched. {@link #isTransient()} tells whether trying again later can help (throttling,
 * server errors, network trouble) or not (refused by the allowlist, not found, access denied).
 */
public final class StoreException extends Exception {
  private static final long serialVersionUID = 1L;

  private final boolean transientFailure;
  private final String reason;

  private StoreException(boolean transientFailure, String reason, String message, Throwable cause) {
    super(message, cause);
    this.transientFailure = transientFailure;
    this.reason = reason;
  }

  /** Will fail the same way again: dead-letter it. */
  public static StoreException permanent(String reason, String message) {
    return new StoreException(false, reason, message, null);
  }

  public static StoreException permanent(String reason, String message, Throwable cause) {
    return new StoreException(false, reason, message, cause);
  }

  /** Worth retrying with backoff. */
  public static StoreException transientFailure(String message, Throwable cause) {
    return new StoreException(true, "store-unavailable", message, cause);
  }

  public boolean isTransient() {
    return transientFailure;
  }

  /** Short class of the failure (metrics tag): refused, not-found, access-denied, store-unavailable, … */
  public String reason() {
    return reason;
  }
}
