package dev.whodrove.ingest.teleport;

import dev.whodrove.runtime.Errors;
import dev.whodrove.runtime.ServiceThreads;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;

/**
 * The thread a polling source runs on: one poll after another on a daemon thread of its own until stopped. A poll
 * that throws is logged and remembered as {@link #lastError()} (the service's readiness shows it), then retried after
 * a pause; a failure once stopping is not one. An interrupt ends the thread. If the thread ends while it should
 * still run (an {@link Error}, an interrupt nobody asked for), the {@link ServiceThreads} it was started with
 * records its death: readiness goes down at once, liveness after the grace period.
 */
final class PollingThread {
  /** One poll; it may block, and ends early when the thread is interrupted. */
  @FunctionalInterface
  interface Poll {
    void run() throws InterruptedException;
  }

  private final String threadName;
  private final Poll poll;
  private final Duration pauseAfterPoll;
  private final Duration pauseAfterFailure;
  private final boolean pollClearsError;
  private final Logger log;
  private final String failureMessage;
  private volatile boolean running;
  private volatile Thread thread;
  private volatile String lastError = "";

  /**
   * @param threadName name of the thread
   * @param poll what one poll does
   * @param pauseAfterPoll pause after a poll that returned (zero: poll again at once)
   * @param pauseAfterFailure pause after a poll that threw
   * @param pollClearsError whether a poll that returned clears {@link #lastError()}; when false only the source
   *     clears it (or nothing does)
   * @param log where failures are logged, at WARN
   * @param failureMessage log format of a failure, with one {@code {}} for the error message
   */
  PollingThread(String threadName, Poll poll, Duration pauseAfterPoll, Duration pauseAfterFailure,
      boolean pollClearsError, Logger log, String failureMessage) {
    this.threadName = threadName;
    this.poll = poll;
    this.pauseAfterPoll = pauseAfterPoll;
    this.pauseAfterFailure = pauseAfterFailure;
    this.pollClearsError = pollClearsError;
    this.log = log;
    this.failureMessage = failureMessage;
  }

  /** Starts polling on a new daemon thread, whose death nobody watches (tools, tests). */
  synchronized void start() {
    start(ServiceThreads.unwatched());
  }

  /** Starts polling on a new daemon thread; its unexpected end is reported to {@code threads}. */
  synchronized void start(ServiceThreads threads) {
    running = true;
    Thread t = threads.newThread(threadName, true, () -> loop(threads));
    thread = t;
    t.start();
  }

  private void loop(ServiceThreads threads) {
    try {
      loop();
    } catch (Error e) {
      lastError = "thread " + threadName + " died: " + Errors.oneLine(e);
      throw e; // recorded by the thread's watch
    }
    if (running) {
      lastError = "thread " + threadName + " ended while running";
      threads.died(threadName, "interrupted while it should still be polling");
    }
  }

  private void loop() {
    while (running) {
      try {
        poll.run();
        if (pollClearsError) {
          lastError = "";
        }
        pause(pauseAfterPoll);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        if (!running) {
          return;
        }
        lastError = Errors.oneLine(e);
        log.warn(failureMessage, lastError);
        try {
          pause(pauseAfterFailure);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private static void pause(Duration d) throws InterruptedException {
    if (!d.isZero()) {
      Thread.sleep(d.toMillis());
    }
  }

  /** True once {@link #stop} was called on a started thread: a poll still running should wrap up. */
  boolean stopping() {
    return thread != null && !running;
  }

  /** The last failure, or empty. */
  String lastError() {
    return lastError;
  }

  /** Records a failure the source noticed itself (a poll that returned but left work undone). */
  void recordError(String error) {
    lastError = error;
  }

  /**
   * Stops polling and waits for the thread: it is interrupted at once when {@code interruptAtOnce} says so (asked
   * after polling was told to stop), then gets {@code grace} to end; if it is still alive then and
   * {@code afterInterrupt} is not zero, it is interrupted and waited for up to {@code afterInterrupt} more. Returns at
   * once when never started.
   */
  void stop(BooleanSupplier interruptAtOnce, Duration grace, Duration afterInterrupt) {
    running = false;
    Thread t = thread;
    if (t == null) {
      return;
    }
    try {
      if (interruptAtOnce.getAsBoolean()) {
        t.interrupt();
      }
      t.join(Math.max(1, grace.toMillis()));
      if (t.isAlive() && !afterInterrupt.isZero()) {
        t.interrupt();
        t.join(afterInterrupt.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
