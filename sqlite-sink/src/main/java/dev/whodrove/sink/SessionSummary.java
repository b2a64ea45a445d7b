package dev.whodrove.sink;

import java.util.Map;

/**
 * One session as {@code label ls} lists it: the identifying columns, what could not be analyzed
 * ({@code parseError}, {@code coverageGap}) and all its labels by key. Absent values are null.
 */
public record SessionSummary(
    String sessionId,
    String user,
    String substrate,
    String kind,
    String startedAt,
    String endedAt,
    String uploadedAt,
    Boolean ptyPresent,
    Long printChunks,
    String parseError,
    String coverageGap,
    Map<String, SessionLabel> labels) {

  /** The value of a label, or null when the session does not carry it. */
  public String label(String key) {
    SessionLabel l = labels.get(key);
    return l == null ? null : l.value();
  }
}
