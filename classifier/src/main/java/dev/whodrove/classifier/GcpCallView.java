package dev.whodrove.classifier;

import dev.whodrove.schemas.v1.GcpCallEvidence;

/**
 * What the call evidence of a GCP session or burst amounts to: the shares the rules compare and the rhythm of its gcloud
 * invocations (docs/classifier.md, "GCP rules"). Pure arithmetic over {@link GcpCallEvidence}.
 */
final class GcpCallView {
  /** Gaps between invocations needed before their rhythm means anything. */
  static final int MIN_GAPS = 5;
  /** A polling loop: one command, gaps this regular (coefficient of variation) at least one second apart. */
  static final double FIXED_INTERVAL_CV = 0.25;
  /** Back-to-back: this share of gaps under 2 s. */
  static final double BACK_TO_BACK_SHARE = 0.6;
  /** A tool loop: this share of gaps in 2–40 s, at most {@link #LONG_PAUSE_SHARE} over 40 s, mean at most 25 s. */
  static final double TOOL_LOOP_SHARE = 0.7;
  static final double LONG_PAUSE_SHARE = 0.15;
  static final double TOOL_LOOP_MAX_MEAN_S = 25;
  /** Think time: this share of gaps of 10 s or more. */
  static final double THINK_TIME_SHARE = 0.6;
  /** At most this share of gaps under 2 s for a tool loop or think time. */
  static final double FEW_BACK_TO_BACK = 0.25;
  /** A terminal (or none) on at least this share of flagged calls. */
  static final double TTY_MAJORITY = 0.8;

  /** How the invocations follow each other. */
  enum Rhythm {
    /** Fewer than {@link #MIN_GAPS} gaps. */
    TOO_FEW("insufficient_data"),
    /** One command repeated at a steady interval: a polling loop. */
    FIXED_INTERVAL("polling"),
    /** No think time between invocations: a script. */
    BACK_TO_BACK("scripted"),
    /** A command every 2–40 s, few long pauses: an agent's tool-call loop. */
    TOOL_LOOP("agent"),
    /** Mostly 10 s or more between commands: a person thinking. */
    THINK_TIME("human"),
    /** None of the above. */
    MIXED("ambiguous");

    /** The cadence.label this rhythm stamps. */
    final String cadenceLabel;

    Rhythm(String cadenceLabel) {
      this.cadenceLabel = cadenceLabel;
    }
  }

  final GcpCallEvidence e;

  GcpCallView(GcpCallEvidence e) {
    this.e = e;
  }

  /** Whether the featurizer sent evidence at all (feature records from before it did carry none). */
  boolean present() {
    return e.getCalls() > 0;
  }

  /** gcloud's terminal flags are on at least half of the calls. */
  boolean flagged() {
    return e.getFlaggedCalls() > 0 && e.getFlaggedCalls() * 2 >= e.getCalls();
  }

  double ttyShare() {
    return share(e.getTtyCalls(), e.getFlaggedCalls());
  }

  double scriptShare() {
    return share(e.getScriptCalls(), e.getFlaggedCalls());
  }

  double browserShare() {
    return share(e.getBrowserCalls(), e.getCalls());
  }

  double iacShare() {
    return share(e.getIacCalls(), e.getCalls());
  }

  double personDelegatedShare() {
    return share(e.getPersonDelegatedCalls(), e.getCalls());
  }

  boolean tty() {
    return flagged() && ttyShare() >= TTY_MAJORITY;
  }

  boolean noTty() {
    return flagged() && ttyShare() <= 1 - TTY_MAJORITY;
  }

  long gaps() {
    return e.getInvocationGapsLt2S() + e.getInvocationGaps210S() + e.getInvocationGaps1040S()
        + e.getInvocationGaps40120S() + e.getInvocationGapsGe120S();
  }

  /** Whether the evidence has invocations to read a rhythm from (gcloud ids on the calls). */
  boolean hasInvocations() {
    return e.getInvocations() > 0;
  }

  Rhythm rhythm() {
    long n = gaps();
    if (n < MIN_GAPS) {
      return Rhythm.TOO_FEW;
    }
    double lt2 = share(e.getInvocationGapsLt2S(), n);
    double loop = share(e.getInvocationGaps210S() + e.getInvocationGaps1040S(), n);
    double longPauses = share(e.getInvocationGaps40120S() + e.getInvocationGapsGe120S(), n);
    double think = share(e.getInvocationGaps1040S() + e.getInvocationGaps40120S() + e.getInvocationGapsGe120S(), n);
    if (e.getDistinctCommands() == 1 && e.getInvocationGapCv() < FIXED_INTERVAL_CV && e.getInvocationGapMeanS() >= 1) {
      return Rhythm.FIXED_INTERVAL;
    }
    if (lt2 >= BACK_TO_BACK_SHARE) {
      return Rhythm.BACK_TO_BACK;
    }
    boolean toolLoop = lt2 <= FEW_BACK_TO_BACK && loop >= TOOL_LOOP_SHARE && longPauses <= LONG_PAUSE_SHARE;
    boolean thinkTime = lt2 <= FEW_BACK_TO_BACK && think >= THINK_TIME_SHARE;
    if (toolLoop && (!thinkTime || e.getInvocationGapMeanS() <= TOOL_LOOP_MAX_MEAN_S)) {
      return Rhythm.TOOL_LOOP;
    }
    if (thinkTime) {
      return Rhythm.THINK_TIME;
    }
    return Rhythm.MIXED;
  }

  private static double share(long part, long whole) {
    return whole <= 0 ? 0 : (double) part / whole;
  }
}
