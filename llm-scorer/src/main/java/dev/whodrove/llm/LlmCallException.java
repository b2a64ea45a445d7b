package dev.whodrove.llm;

/** The model could not be asked or gave no usable HTTP answer, after any retries. {@link #kind} tags metrics. */
public final class LlmCallException extends Exception {

  /** Failure classes, used as the {@code kind} tag of the error counter. */
  public enum Kind {
    TIMEOUT("timeout"),
    RATE_LIMITED("rate_limited"),
    SERVER_ERROR("server_error"),
    CLIENT_ERROR("client_error"),
    UNAUTHORIZED("unauthorized"),
    IO("io"),
    BAD_RESPONSE("bad_response"),
    INTERRUPTED("interrupted");

    public final String tag;

    Kind(String tag) {
      this.tag = tag;
    }
  }

  private final Kind kind;
  private final int attempts;

  public LlmCallException(Kind kind, String message, int attempts, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.attempts = attempts;
  }

  public Kind kind() {
    return kind;
  }

  public int attempts() {
    return attempts;
  }
}
