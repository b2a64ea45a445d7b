package dev.whodrove.runtime;

/** Whether a service can do its work now, and if not, why. */
public record Readiness(boolean ready, String detail) {
  public static Readiness ready(String detail) {
    return new Readiness(true, detail);
  }

  public static Readiness notReady(String detail) {
    return new Readiness(false, detail);
  }
}
