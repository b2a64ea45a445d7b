package dev.whodrove.decoder;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The time one recording may take to read and decode. When it passes, the object's stream is closed from outside,
 * so a body that trickles or stalls (a read blocked in the HTTP client or on a hung file system) ends with an error
 * instead of holding the transaction open, and {@link #check()} stops a decode that is still producing events.
 */
final class ReadDeadline implements AutoCloseable {
  /** Thrown from {@link #check()} into the decode; the handler turns it into a failure of the recording. */
  static final class Exceeded extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Exceeded(String message) {
      super(message, null, false, false);
    }
  }

  private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "recording-decoder-deadline");
    t.setDaemon(true);
    return t;
  });

  private final long deadlineNanos;
  private final String description;
  private final ScheduledFuture<?> alarm;
  private volatile Closeable stream;
  private volatile boolean expired;

  /** @param description what the limit is, for the error: "the read timeout of 10m" */
  ReadDeadline(Duration limit, String description) {
    this.deadlineNanos = System.nanoTime() + limit.toNanos();
    this.description = description;
    this.alarm = TIMER.schedule(this::expire, Math.max(0, limit.toNanos()), TimeUnit.NANOSECONDS);
  }

  /** The stream to close when the deadline passes (closed at once if it already has). */
  void guard(Closeable s) {
    this.stream = s;
    if (expired) {
      closeQuietly(s);
    }
  }

  private void expire() {
    expired = true;
    Closeable s = stream;
    if (s != null) {
      closeQuietly(s);
    }
  }

  /** Whether the deadline has passed. */
  boolean expired() {
    return expired || System.nanoTime() - deadlineNanos >= 0;
  }

  /** Throws {@link Exceeded} once the deadline has passed. */
  void check() {
    if (expired()) {
      throw new Exceeded(message());
    }
  }

  /** Why the recording was stopped. */
  String message() {
    return "reading and decoding took longer than " + description;
  }

  @Override
  public void close() {
    alarm.cancel(false);
  }

  /** {@code 750ms}, {@code 90s}, {@code 15m}. */
  static String text(Duration d) {
    if (d.toMillis() < 1000) {
      return d.toMillis() + "ms";
    }
    return d.toSeconds() % 60 == 0 ? d.toMinutes() + "m" : d.toSeconds() + "s";
  }

  private static void closeQuietly(Closeable s) {
    try {
      s.close();
    } catch (IOException | RuntimeException e) {
      // the reader sees a closed stream either way
    }
  }
}
