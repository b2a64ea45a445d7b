package dev.whodrove.runtime;

/** Missing or invalid configuration; the message is one line naming the key and its environment variable. */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
