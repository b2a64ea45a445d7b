package dev.whodrove.testkit;

import java.lang.management.ManagementFactory;

/**
 * Bytes of heap the current thread allocates while running a piece of code, from the JVM's per-thread allocation
 * counter: exact enough to tell a parser that sizes its buffers by the input from one that believes a hostile
 * length field, and unaffected by other threads or by when the collector runs.
 */
public final class Allocations {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** Code that may throw anything; what it throws is handed back by {@link #measure}. */
  @FunctionalInterface
  public interface Code {
    void run() throws Throwable;
  }

  /** What a run allocated, and what it threw (null when it returned). */
  public record Measured(long bytes, Throwable thrown) {}

  private Allocations() {}

  /** Runs {@code code} on this thread and measures what it allocated. */
  public static Measured measure(Code code) {
    long id = Thread.currentThread().getId();
    long before = THREADS.getThreadAllocatedBytes(id);
    Throwable thrown = null;
    try {
      code.run();
    } catch (Throwable t) {
      thrown = t;
    }
    return new Measured(THREADS.getThreadAllocatedBytes(id) - before, thrown);
  }
}
