package dev.whodrove.decoder;

import java.time.Instant;

/**
 * Times inside recordings as epoch milliseconds. A recording is untrusted input: a time no recorder writes (beyond
 * year 9999, before 1970, nanoseconds outside a second, an asciicast offset that is not a finite non-negative number)
 * would overflow {@code seconds * 1000} into a wrong but plausible-looking time, so it is refused with the value in
 * the reason instead, and the recording is rejected.
 */
final class EventTimes {
  /** Go's zero time (0001-01-01T00:00:00Z), which Teleport writes for an unset time. */
  static final long GO_ZERO_SECONDS = -62_135_596_800L;
  /** 9999-12-31T23:59:59Z, the last second a protobuf Timestamp may hold; its milliseconds fit a long. */
  static final long MAX_SECONDS = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();

  private EventTimes() {}

  /** A time that cannot be true of a recording. */
  static final class OutOfRange extends RuntimeException {
    private static final long serialVersionUID = 1L;

    OutOfRange(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Epoch milliseconds of a protobuf Timestamp; 0 when it is unset or Go's zero time (or before it).
   *
   * @throws OutOfRange for a time after 9999, before 1970 or with nanoseconds outside [0, 10^9)
   */
  static long millis(long seconds, long nanos) {
    if (seconds == 0 && nanos == 0 || seconds <= GO_ZERO_SECONDS) {
      return 0;
    }
    if (!inRange(seconds, nanos)) {
      throw new OutOfRange("time out of range (seconds " + seconds + ", nanos " + nanos
          + "): not between 1970 and 9999");
    }
    return seconds * 1000 + nanos / 1_000_000;
  }

  /** Whether {@link #millis} accepts these (or maps them to 0). */
  static boolean valid(long seconds, long nanos) {
    return seconds == 0 && nanos == 0 || seconds <= GO_ZERO_SECONDS || inRange(seconds, nanos);
  }

  private static boolean inRange(long seconds, long nanos) {
    return seconds >= 0 && seconds <= MAX_SECONDS && nanos >= 0 && nanos < 1_000_000_000;
  }

  /** Epoch milliseconds of an asciicast header {@code timestamp} (epoch seconds; 0 = absent). */
  static long headerMillis(long seconds) {
    if (seconds < 0 || seconds > MAX_SECONDS) {
      throw new OutOfRange("asciicast header timestamp " + seconds + " is not between 1970 and 9999");
    }
    return seconds * 1000;
  }

  /**
   * Milliseconds of an asciicast event time (seconds since the start) added to {@code startMs}.
   *
   * @return the offset in milliseconds; {@code startMs} plus it is a valid epoch time
   */
  static long offsetMillis(double seconds, long startMs) {
    if (!(seconds >= 0) || Double.isInfinite(seconds) || seconds > MAX_SECONDS) {
      throw new OutOfRange("event time " + seconds + " is not a number of seconds between 0 and the year 9999");
    }
    long offset = Math.round(seconds * 1000);
    if (startMs + offset > MAX_SECONDS * 1000 + 999) { // both are at most ~2.5e14: the sum cannot overflow
      throw new OutOfRange("event time " + seconds + " after the start " + startMs + " ms is beyond the year 9999");
    }
    return offset;
  }
}
