package dev.whodrove.ingest.teleport;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;

/**
 * Reads the timestamps Teleport and Athena write: RFC 3339 with any number of fraction digits (Teleport's JSON),
 * and {@code yyyy-MM-dd HH:mm:ss[.fff]} without a zone (Athena's rendering of a timestamp column), taken as UTC.
 */
public final class TeleportTimes {
  private static final DateTimeFormatter FORMAT = new DateTimeFormatterBuilder()
      .parseCaseInsensitive()
      .append(DateTimeFormatter.ISO_LOCAL_DATE)
      .optionalStart().appendLiteral('T').optionalEnd()
      .optionalStart().appendLiteral(' ').optionalEnd()
      .appendValue(ChronoField.HOUR_OF_DAY, 2).appendLiteral(':')
      .appendValue(ChronoField.MINUTE_OF_HOUR, 2).appendLiteral(':')
      .appendValue(ChronoField.SECOND_OF_MINUTE, 2)
      .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
      .optionalStart().appendOffset("+HH:MM", "Z").optionalEnd()
      .optionalStart().appendOffset("+HHMM", "Z").optionalEnd()
      .toFormatter();

  private TeleportTimes() {}

  /** Epoch milliseconds of {@code text}; throws {@link DateTimeParseException} when it is not a timestamp. */
  public static long parseMillis(String text) {
    TemporalAccessor t = FORMAT.parse(text.trim());
    LocalDateTime local = LocalDateTime.from(t);
    ZoneOffset offset = t.isSupported(ChronoField.OFFSET_SECONDS)
        ? ZoneOffset.ofTotalSeconds(t.get(ChronoField.OFFSET_SECONDS)) : ZoneOffset.UTC;
    return local.toInstant(offset).toEpochMilli();
  }
}
