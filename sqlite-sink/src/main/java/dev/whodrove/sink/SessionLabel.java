package dev.whodrove.sink;

/** One label of a session as stored: its value and who set it when ({@code set_at} RFC 3339 UTC). */
public record SessionLabel(String key, String value, String setBy, String setAt) {
  /** Whether a person (not an automated stage) set it. */
  public boolean manual() {
    return dev.whodrove.schemas.labels.LabelMerge.isManual(setBy);
  }
}
