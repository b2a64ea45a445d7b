package dev.whodrove.runtime;

/** Exceptions as the one-line reasons that logs, readiness and dead letters carry. */
public final class Errors {
  private Errors() {}

  /** The exception's message on one line, from the first cause that has one; its class name when none does. */
  public static String oneLine(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root && root.getMessage() == null) {
      root = root.getCause();
    }
    String m = root.getMessage();
    return m == null || m.isBlank() ? root.getClass().getSimpleName() : m.replace('\n', ' ');
  }
}
