package dev.whodrove.classifier;

/**
 * The quantities a cadence rule can test. The first fourteen are the notes/10 feature set; the rest are the evidence
 * {@code cadence@v1} added (bytes per event, keystroke echo, edit characters). A feature the input does not carry is
 * NaN in a {@link CadenceView}, and every comparison with NaN is false, so a rule on it simply does not fire.
 */
public enum Feature {
  DURATION_S("duration_s"),
  N_EVENTS("n_events"),
  TOTAL_BYTES("total_bytes"),
  EVENTS_PER_SEC("events_per_sec"),
  GAP_P50_S("gap_p50_s"),
  GAP_P90_S("gap_p90_s"),
  GAP_P99_S("gap_p99_s"),
  GAP_MAX_S("gap_max_s"),
  PAUSES_GT_1S("pauses_gt_1s"),
  PAUSES_GT_5S("pauses_gt_5s"),
  PAUSES_GT_30S("pauses_gt_30s"),
  BURST_FRAC("burst_frac"),
  THINK_FRAC("think_frac"),
  LOCAL_GAP_STD("local_gap_std"),
  /** total_bytes / n_events. */
  BYTES_PER_EVENT("bytes_per_event", true),
  /** Share of print events that look like a keystroke echo. */
  KEYSTROKE_ECHO_FRAC("keystroke_echo_frac"),
  /** Edit characters (backspace, ^W, cursor keys). */
  EDIT_CHARS("edit_chars"),
  /** Edit characters per print event. */
  EDIT_RATE("edit_rate", true),
  // cadence@v2: evidence that does not scale with the task. A "turn" is a stretch of output between gaps over 1 s.
  /** Print events per turn: n_events / (pauses_gt_1s + 1). */
  EVENTS_PER_TURN("events_per_turn", true),
  /** Output bytes per turn (per burst): total_bytes / (pauses_gt_1s + 1). */
  BYTES_PER_TURN("bytes_per_turn", true),
  /** Share of turn gaps that are a long think pause: pauses_gt_30s / pauses_gt_1s. */
  LONG_THINK_SHARE("long_think_share", true),
  /** Share of turn gaps over 5 s: pauses_gt_5s / pauses_gt_1s. */
  THINK_SHARE("think_share", true),
  /** Tail shape of the gap distribution: gap_p99_s / gap_p90_s (large: bursts with rare long pauses). */
  GAP_P99_P90_RATIO("gap_p99_p90_ratio", true);

  private final String key;
  private final boolean derived;

  Feature(String key) {
    this(key, false);
  }

  Feature(String key, boolean derived) {
    this.key = key;
    this.derived = derived;
  }

  /**
   * Computed by the classifier from the record rather than read from it; a table names the derived features its
   * rules read ({@code "derived"} in its JSON), so a table needing a derivation this code lacks fails at load.
   */
  public boolean derived() {
    return derived;
  }

  /** The feature of a snake_case key, or null. */
  public static Feature ofKey(String key) {
    for (Feature f : values()) {
      if (f.key.equals(key)) {
        return f;
      }
    }
    return null;
  }

  /** snake_case name used in docs and JSON. */
  public String key() {
    return key;
  }
}
