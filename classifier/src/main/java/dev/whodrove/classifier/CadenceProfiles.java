package dev.whodrove.classifier;

import static dev.whodrove.classifier.Condition.between;
import static dev.whodrove.classifier.Condition.eq;
import static dev.whodrove.classifier.Condition.ge;
import static dev.whodrove.classifier.Condition.gt;
import static dev.whodrove.classifier.Condition.le;
import static dev.whodrove.classifier.Condition.lt;
import static dev.whodrove.classifier.Feature.BURST_FRAC;
import static dev.whodrove.classifier.Feature.BYTES_PER_EVENT;
import static dev.whodrove.classifier.Feature.EDIT_CHARS;
import static dev.whodrove.classifier.Feature.EDIT_RATE;
import static dev.whodrove.classifier.Feature.EVENTS_PER_SEC;
import static dev.whodrove.classifier.Feature.GAP_MAX_S;
import static dev.whodrove.classifier.Feature.GAP_P50_S;
import static dev.whodrove.classifier.Feature.GAP_P90_S;
import static dev.whodrove.classifier.Feature.GAP_P99_S;
import static dev.whodrove.classifier.Feature.KEYSTROKE_ECHO_FRAC;
import static dev.whodrove.classifier.Feature.LOCAL_GAP_STD;
import static dev.whodrove.classifier.Feature.PAUSES_GT_30S;
import static dev.whodrove.classifier.Feature.PAUSES_GT_5S;
import static dev.whodrove.classifier.Feature.THINK_FRAC;
import static dev.whodrove.classifier.Profile.Kind.AGENT;
import static dev.whodrove.classifier.Profile.Kind.HUMAN;
import static dev.whodrove.classifier.Profile.Kind.MODEL;

import java.util.List;

/**
 * The cadence scorer tables. {@code cadence@v0} is notes/10 verbatim (thresholds, weights, order); {@code cadence@v1}
 * is the tuned generation documented in docs/classifier.md. A new model profile is one more {@link Profile} entry;
 * table order is the tie-break order.
 */
public final class CadenceProfiles {
  /** Tie-break order of the notes/10 registry. */
  public static final List<String> MODELS = List.of("kimi-k2.6", "gemini-3.1", "opus-4.6", "gpt-5.5");
  /** The profile a v1 agent without a profiled model wins with; its cadence.label value. */
  public static final String UNPROFILED_AGENT = "agent";

  /** notes/10 v0 scorers, applied exactly. */
  public static final CadenceTable V0 = new CadenceTable("v0", 0.5, 30, Double.POSITIVE_INFINITY, List.of(
      Profile.of("kimi-k2.6", MODEL,
          Rule.of(0.4, gt(GAP_MAX_S, 60)),
          Rule.of(0.2, ge(PAUSES_GT_30S, 2)),
          Rule.of(0.2, between(EVENTS_PER_SEC, 0.15, 0.5)),
          Rule.of(0.2, lt(BURST_FRAC, 0.3))),
      Profile.of("gemini-3.1", MODEL,
          Rule.of(0.5, lt(GAP_P90_S, 0.3), gt(GAP_P99_S, 15)),
          Rule.of(0.2, between(EVENTS_PER_SEC, 0.5, 1.0)),
          Rule.of(0.15, ge(PAUSES_GT_30S, 1)),
          Rule.of(0.15, gt(THINK_FRAC, 0.06))),
      Profile.of("opus-4.6", MODEL,
          Rule.of(0.5, eq(PAUSES_GT_30S, 0), lt(GAP_MAX_S, 20)),
          Rule.of(0.2, between(EVENTS_PER_SEC, 1.0, 1.7)),
          Rule.of(0.15, gt(PAUSES_GT_5S, 25)),
          Rule.of(0.15, lt(GAP_P99_S, 12))),
      Profile.of("gpt-5.5", MODEL,
          Rule.of(0.5, lt(GAP_P90_S, 0.1), gt(GAP_MAX_S, 20)),
          Rule.of(0.2, gt(EVENTS_PER_SEC, 1.3)),
          Rule.of(0.15, lt(PAUSES_GT_5S, 20), le(PAUSES_GT_30S, 2)),
          Rule.of(0.15, gt(BURST_FRAC, 0.6))),
      Profile.of("human", HUMAN,
          Rule.of(0.3, gt(LOCAL_GAP_STD, 0.5)),
          Rule.of(0.2, between(BURST_FRAC, 0.3, 0.6)),
          Rule.of(0.2, le(PAUSES_GT_30S, 1), lt(GAP_MAX_S, 60)),
          Rule.of(0.2, between(EVENTS_PER_SEC, 0.4, 1.5)),
          Rule.of(0.1, lt(THINK_FRAC, 0.06)))));

  // v1 evidence thresholds, named once so every profile reads the same boundary
  /** Keystroke echo at or above this share of print events is a person typing. */
  static final double ECHO_HUMAN = 0.25;
  /** Below this share there is no typing to speak of. */
  static final double ECHO_NONE = 0.08;
  /** Median gap below this is machine output bursts; from it to TYPING_P50_MAX is the typing regime. */
  static final double MACHINE_P50 = 0.05;
  static final double TYPING_P50_MAX = 0.6;
  /** Opus pauses between short bursts (30-40 pauses over 1 s in ~350 events): its p90 sits in the pauses. */
  static final double OPUS_P90_MIN = 0.5;
  /** Edit evidence needs both a few edits and a rate, so one stray cursor escape (clear) is not a human. */
  static final double EDITS_MIN = 3;
  static final double EDIT_RATE_MIN = 0.02;

  private static Rule humanEcho(double weight) {
    return Rule.of(weight, ge(KEYSTROKE_ECHO_FRAC, ECHO_HUMAN));
  }

  private static Rule humanEdits(double weight) {
    return Rule.of(weight, ge(EDIT_CHARS, EDITS_MIN), ge(EDIT_RATE, EDIT_RATE_MIN));
  }

  /**
   * v1: absence removed (mid-session gaps over 300 s), human keystroke/edit evidence as counter-evidence for every
   * agent profile, machine-burst vs typing regimes told apart by the median gap, events/s bands closed at the top,
   * and an unprofiled-agent profile so an agent matching no model is still called an agent.
   */
  public static final CadenceTable V1 = new CadenceTable("v1", 0.5, 30, 300.0, List.of(
      Profile.of("kimi-k2.6", MODEL,
          Rule.of(0.35, gt(GAP_MAX_S, 60)),
          Rule.of(0.2, ge(PAUSES_GT_30S, 2)),
          Rule.of(0.2, between(EVENTS_PER_SEC, 0.15, 0.5)),
          Rule.of(0.25, gt(GAP_P90_S, 5)),
          humanEcho(-0.6), humanEdits(-0.2)),
      Profile.of("gemini-3.1", MODEL,
          Rule.of(0.4, lt(GAP_P90_S, 0.3), gt(GAP_P99_S, 15)),
          Rule.of(0.2, between(EVENTS_PER_SEC, 0.45, 1.1)),
          Rule.of(0.1, ge(PAUSES_GT_30S, 1)),
          Rule.of(0.15, gt(THINK_FRAC, 0.06)),
          Rule.of(0.15, lt(GAP_P50_S, MACHINE_P50)),
          humanEcho(-0.6), humanEdits(-0.2)),
      Profile.of("opus-4.6", MODEL,
          Rule.of(0.6, eq(PAUSES_GT_30S, 0), lt(GAP_MAX_S, 20), lt(GAP_P50_S, MACHINE_P50),
              gt(GAP_P90_S, OPUS_P90_MIN)),
          Rule.of(0.15, between(EVENTS_PER_SEC, 1.0, 1.7)),
          Rule.of(0.1, gt(THINK_FRAC, 0.06)),
          Rule.of(0.15, lt(GAP_P99_S, 12)),
          humanEcho(-0.6), humanEdits(-0.2)),
      Profile.of("gpt-5.5", MODEL,
          Rule.of(0.35, lt(GAP_P90_S, 0.1)),
          Rule.of(0.1, gt(GAP_MAX_S, 20), lt(GAP_P50_S, MACHINE_P50)),
          Rule.of(0.2, between(EVENTS_PER_SEC, 1.2, 2.2)),
          Rule.of(0.1, lt(PAUSES_GT_5S, 20), le(PAUSES_GT_30S, 2)),
          Rule.of(0.1, lt(THINK_FRAC, 0.06)),
          Rule.of(0.15, lt(GAP_P50_S, MACHINE_P50)),
          humanEcho(-0.6), humanEdits(-0.2)),
      Profile.of(UNPROFILED_AGENT, AGENT,
          Rule.of(0.3, lt(KEYSTROKE_ECHO_FRAC, ECHO_NONE)),
          Rule.of(0.2, lt(GAP_P50_S, MACHINE_P50)),
          Rule.of(0.2, gt(BYTES_PER_EVENT, 30)),
          Rule.of(0.2, gt(EVENTS_PER_SEC, 2.5)),
          Rule.of(0.15, lt(LOCAL_GAP_STD, 0.3)),
          humanEcho(-0.6), humanEdits(-0.3)),
      Profile.of("human", HUMAN,
          Rule.of(0.15, gt(LOCAL_GAP_STD, 0.5)),
          Rule.of(0.1, between(BURST_FRAC, 0.3, 0.6)),
          Rule.of(0.1, le(PAUSES_GT_30S, 1), lt(GAP_MAX_S, 60)),
          Rule.of(0.1, between(EVENTS_PER_SEC, 0.3, 2.5)),
          Rule.of(0.05, lt(THINK_FRAC, 0.06)),
          Rule.of(0.2, ge(GAP_P50_S, MACHINE_P50), le(GAP_P50_S, TYPING_P50_MAX)),
          humanEcho(0.4), humanEdits(0.15))));

  private static final List<CadenceTable> ALL = List.of(V0, V1);

  private CadenceProfiles() {}

  /** The table of a version ({@code v0}, {@code v1}). */
  public static CadenceTable byVersion(String version) {
    return ALL.stream().filter(t -> t.version().equals(version)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown cadence table " + version + " (known: v0, v1)"));
  }

  public static List<CadenceTable> all() {
    return ALL;
  }
}
