package dev.whodrove.ingest.teleport;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
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
 *
 * <p>Every failure is a {@link DateTimeParseException}: text that is not a timestamp, an offset no zone has, and an
 * instant whose epoch milliseconds do not fit a {@code long} ({@code +999999999-12-31T23:59:59Z}) alike.
 * {@link #parsePlausibleMillis} also refuses instants no audit event can have (docs/reliability.md).
 */
public final class TeleportTimes {
  /** How far after the moment it is read an event's time may lie (clock skew between hosts). */
  public static final Duration MAX_AHEAD = Duration.ofDays(1);

  private static final int QUOTED_MAX = 64;

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

  /** Epoch milliseconds of {@code text}; throws {@link DateTimeParseException} when it is not such an instant. */
  public static long parseMillis(String text) {
    try {
      TemporalAccessor t = FORMAT.parse(text.trim());
      LocalDateTime local = LocalDateTime.from(t);
      ZoneOffset offset = t.isSupported(ChronoField.OFFSET_SECONDS)
          ? ZoneOffset.ofTotalSeconds(t.get(ChronoField.OFFSET_SECONDS)) : ZoneOffset.UTC;
      return local.toInstant(offset).toEpochMilli();
    } catch (DateTimeParseException e) {
      throw new DateTimeParseException("not a timestamp: " + quoted(text), text, e.getErrorIndex(), e);
    } catch (DateTimeException | ArithmeticException e) {
      // an offset beyond ±18:00, or epoch milliseconds beyond a long
      throw new DateTimeParseException("not a representable instant: " + quoted(text), text, 0, e);
    }
  }

  /**
   * Epoch milliseconds of {@code text} when it is an instant an audit event can have: after 1970-01-01T00:00:00Z
   * (zero and negative times are refused: downstream, zero means "no time") and at most {@link #MAX_AHEAD} after
   * {@code nowMs}, the moment it is read.
   */
  public static long parsePlausibleMillis(String text, long nowMs) {
    long ms = parseMillis(text);
    if (ms <= 0) {
      throw new DateTimeParseException("time " + quoted(text) + " is not after 1970-01-01T00:00:00Z", text, 0);
    }
    if (ms > nowMs + MAX_AHEAD.toMillis()) {
      throw new DateTimeParseException("time " + quoted(text) + " is more than " + MAX_AHEAD.toHours()
          + " h after " + Instant.ofEpochMilli(nowMs), text, 0);
    }
    return ms;
  }

  /** {@code text} in quotes, cut to a length fit for a log line or a dead-letter reason. */
  static String quoted(String text) {
    return "\"" + (text.length() <= QUOTED_MAX ? text : text.substring(0, QUOTED_MAX) + "…") + "\"";
  }
}
