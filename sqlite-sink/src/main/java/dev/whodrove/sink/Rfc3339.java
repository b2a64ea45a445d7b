package dev.whodrove.sink;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** Time strings as whodrove writes them: RFC 3339, UTC, {@code Z} suffix. */
final class Rfc3339 {
  private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'")
      .withZone(ZoneOffset.UTC);

  private Rfc3339() {}

  /** Whole seconds, e.g. {@code 2026-01-02T03:04:05Z} (whodrove's own format, so string order is time order). */
  static String seconds(long epochMs) {
    return SECONDS.format(Instant.ofEpochMilli(epochMs).truncatedTo(ChronoUnit.SECONDS));
  }

  /** Seconds, or null for 0 (unset) — whodrove stores unknown times as NULL. */
  static String secondsOrNull(long epochMs) {
    return epochMs == 0 ? null : seconds(epochMs);
  }

  /** Millisecond precision when there is a fraction, e.g. {@code 2026-01-02T03:04:05.123Z}. */
  static String millis(long epochMs) {
    return Instant.ofEpochMilli(epochMs).toString();
  }
}
