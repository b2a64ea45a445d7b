package dev.whodrove.sink;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** Time strings as the study CLIs write them: RFC 3339, UTC, {@code Z} suffix. */
final class Rfc3339 {
  private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'")
      .withZone(ZoneOffset.UTC);

  private Rfc3339() {}

  /** Whole seconds, e.g. {@code 2026-01-02T03:04:05Z} (the study CLIs' format, so string order is time order). */
  static String seconds(long epochMs) {
    long sec = Math.floorDiv(epochMs, 1000L);
    if (sec < 0 || sec >= 253_402_300_800L) { // outside years 1970..9999: let java.time handle it
      return SECONDS.format(Instant.ofEpochMilli(epochMs).truncatedTo(ChronoUnit.SECONDS));
    }
    // Hand-rolled: this runs for every label stamp, and DateTimeFormatter is the slow part of a batch.
    LocalDateTime t = LocalDateTime.ofEpochSecond(sec, 0, ZoneOffset.UTC);
    char[] c = "0000-00-00T00:00:00Z".toCharArray();
    put(c, 0, t.getYear(), 4);
    put(c, 5, t.getMonthValue(), 2);
    put(c, 8, t.getDayOfMonth(), 2);
    put(c, 11, t.getHour(), 2);
    put(c, 14, t.getMinute(), 2);
    put(c, 17, t.getSecond(), 2);
    return new String(c);
  }

  private static void put(char[] c, int at, int value, int digits) {
    for (int i = at + digits - 1; i >= at; i--) {
      c[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }

  /** Seconds, or null for 0 (unset) — the study CLIs store unknown times as NULL. */
  static String secondsOrNull(long epochMs) {
    return epochMs == 0 ? null : seconds(epochMs);
  }

  /** Millisecond precision when there is a fraction, e.g. {@code 2026-01-02T03:04:05.123Z}. */
  static String millis(long epochMs) {
    return Instant.ofEpochMilli(epochMs).toString();
  }
}
