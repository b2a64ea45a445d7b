package dev.whodrove.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting in tests for something another thread does. */
public final class Await {
  /** The wait of {@link #until(BooleanSupplier, String)}. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  private Await() {}

  /** Checks {@code condition} every 50 ms until it holds; fails after {@link #DEFAULT_TIMEOUT}. */
  public static void until(BooleanSupplier condition, String what) throws InterruptedException {
    until(condition, what, DEFAULT_TIMEOUT);
  }

  /** Checks {@code condition} every 50 ms until it holds; fails ("timed out waiting for …") after {@code timeout}. */
  public static void until(BooleanSupplier condition, String what, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(50);
    }
  }
}
