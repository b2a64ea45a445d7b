package dev.whodrove.sink;

import java.util.List;
import java.util.Map;

/**
 * One session as {@code sessions show} prints it.
 *
 * @param columns every column of its {@code sessions} row, in table order (NULLs included as null)
 * @param labels its labels, by key
 * @param notableEvents its notable events, in the order the featurizer listed them
 * @param segments its cadence segments (column name to value), by segment index
 * @param gcpMinutes its GCP minute buckets (column name to value), by minute
 */
public record SessionDetail(
    String sessionId,
    Map<String, Object> columns,
    List<SessionLabel> labels,
    List<NotableEventRow> notableEvents,
    List<Map<String, Object>> segments,
    List<Map<String, Object>> gcpMinutes) {

  /** A notable event row; {@code payload} is JSON and never PTY content. */
  public record NotableEventRow(String eventTime, String eventType, String payload) {}

  /** A column value, or null. */
  public Object column(String name) {
    return columns.get(name);
  }
}
