package dev.whodrove.ingest.teleport;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The query against Teleport's External Audit Storage table. Every value goes in as an execution parameter (Athena
 * substitutes each {@code ?} with a literal and type-checks it); only the table name is part of the text, and it
 * must be a plain identifier. Always prunes by the {@code event_date} partition.
 *
 * @param sql query text with {@code ?} placeholders
 * @param parameters execution parameters, in placeholder order, each a SQL literal
 */
public record AthenaQuery(String sql, List<String> parameters) {
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,254}");
  private static final Pattern EVENT_TYPE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

  /** Events with {@code from <= event_time < until} of the given types, oldest first, ties broken by uid. */
  public static AthenaQuery window(String table, Instant from, Instant until, List<String> eventTypes) {
    if (!IDENTIFIER.matcher(table).matches()) {
      throw new IllegalArgumentException("not a plain table name: " + table);
    }
    List<String> params = new ArrayList<>();
    StringBuilder sql = new StringBuilder()
        .append("SELECT uid, event_time, event_type, session_id, event_data\n")
        .append("FROM \"").append(table).append("\"\n")
        .append("WHERE event_date BETWEEN CAST(? AS date) AND CAST(? AS date)\n")
        .append("  AND event_time >= CAST(? AS timestamp) AND event_time < CAST(? AS timestamp)\n");
    params.add(literal(DATE.format(from)));
    // until is exclusive: the last day that can hold a matching event is the one of until - 1 ms
    params.add(literal(DATE.format(until.minusMillis(1))));
    params.add(literal(TIMESTAMP.format(from)));
    params.add(literal(TIMESTAMP.format(until)));
    if (!eventTypes.isEmpty()) {
      sql.append("  AND event_type IN (").append(String.join(", ", Collections.nCopies(eventTypes.size(), "?")))
          .append(")\n");
      for (String t : eventTypes) {
        if (!EVENT_TYPE.matcher(t).matches()) {
          throw new IllegalArgumentException("not an event type: " + t);
        }
        params.add(literal(t));
      }
    }
    sql.append("ORDER BY event_time, uid");
    return new AthenaQuery(sql.toString(), List.copyOf(params));
  }

  /** The {@code event_date} partitions a window {@code [from, until)} reads: its first and last day. */
  public static String partitionDays(Instant from, Instant until) {
    String first = DATE.format(from);
    String last = DATE.format(until.minusMillis(1));
    return first.equals(last) ? first : first + " .. " + last;
  }

  /** A SQL string literal: quoted, with quotes doubled. */
  static String literal(String v) {
    return "'" + v.replace("'", "''") + "'";
  }
}
