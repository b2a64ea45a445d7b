package dev.whodrove.correlator;

import dev.whodrove.schemas.v1.CorrelatedSession;
import dev.whodrove.schemas.v1.Correlation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether a Teleport session and a GCP session or burst of one identity pair up, and the correlation if they do. They
 * pair when their intervals overlap once each edge is widened by the tolerance. The Teleport side is the whole session,
 * or, when the featurizer split it into change-point segments, the segment that overlaps the GCP interval most (a
 * person handing the terminal to an agent is judged by the part that ran alongside the GCP calls).
 */
public final class Pairing {
  /** Intervals shorter than this count as this long, so a single-call interval can overlap at all. */
  static final long MIN_INTERVAL_MS = 1_000;

  private Pairing() {}

  /** The part of the Teleport session a pair is judged on. */
  private record Part(Integer segmentIndex, long startMs, long endMs, String operator, double confidence,
      String model) {}

  /**
   * The correlation of {@code teleport} and {@code gcp}, or empty when they do not overlap within
   * {@code toleranceMs}.
   */
  public static Optional<Correlation> correlate(SessionSide teleport, SessionSide gcp, long toleranceMs,
      String stage) {
    if (teleport.kind() != SessionSide.Kind.TELEPORT || gcp.kind() != SessionSide.Kind.GCP) {
      throw new IllegalArgumentException("pairing needs a Teleport and a GCP side");
    }
    long tStart = teleport.startMs();
    long tEnd = end(teleport.startMs(), teleport.endMs());
    long gStart = gcp.startMs();
    long gEnd = end(gcp.startMs(), gcp.endMs());
    if (gStart > tEnd + toleranceMs || gEnd < tStart - toleranceMs) {
      return Optional.empty();
    }
    Part part = bestPart(teleport, gStart, gEnd);
    long overlapMs = overlap(part.startMs(), part.endMs(), gStart, gEnd);
    long shorter = Math.min(part.endMs() - part.startMs(), gEnd - gStart);
    double fraction = JointScore.round3(Math.min(1.0, (double) overlapMs / Math.max(MIN_INTERVAL_MS, shorter)));
    boolean agreement = !part.model().isEmpty() && part.model().equals(gcp.model());
    double score = JointScore.score(JointScore.evidence(part.operator(), part.confidence()),
        JointScore.evidence(gcp.operator(), gcp.confidence()), agreement, fraction);
    boolean bothAgents = SessionSide.AGENT.equals(part.operator()) && SessionSide.AGENT.equals(gcp.operator());
    CorrelatedSession.Builder t = CorrelatedSession.newBuilder().setSessionId(teleport.sessionId())
        .setSubstrate(teleport.substrate()).setUser(teleport.user()).setStartedMs(part.startMs())
        .setEndedMs(part.endMs()).setOperatorType(part.operator()).setConfidence(part.confidence())
        .setModel(part.model());
    if (part.segmentIndex() != null) {
      t.setSegmentIndex(part.segmentIndex());
    }
    CorrelatedSession g = CorrelatedSession.newBuilder().setSessionId(gcp.sessionId()).setSubstrate(gcp.substrate())
        .setUser(gcp.user()).setStartedMs(gStart).setEndedMs(gEnd).setOperatorType(gcp.operator())
        .setConfidence(gcp.confidence()).setModel(gcp.model()).build();
    return Optional.of(Correlation.newBuilder()
        .setCorrelationId(CorrelationIds.of(teleport.sessionId(), gcp.sessionId()))
        .setIdentity(teleport.identity().isEmpty() ? gcp.identity() : teleport.identity())
        .setTeleport(t).setGcp(g)
        .setOverlapS(overlapMs / 1000.0).setOverlapFraction(fraction).setModelAgreement(agreement)
        .setJointScore(score).setTier(JointScore.tier(score, bothAgents)).setStage(stage)
        .setComputedAtMs(Math.max(teleport.emittedAtMs(), gcp.emittedAtMs()))
        .setToleranceS(toleranceMs / 1000.0)
        .build());
  }

  /** The segment overlapping [gStart, gEnd] most (the first on a tie), else the whole session. */
  private static Part bestPart(SessionSide t, long gStart, long gEnd) {
    Part whole = new Part(null, t.startMs(), end(t.startMs(), t.endMs()), t.operator(), t.confidence(), t.model());
    Part best = null;
    long bestOverlap = 0;
    for (Part p : segmentParts(t)) {
      long o = overlap(p.startMs(), p.endMs(), gStart, gEnd);
      if (o > bestOverlap) {
        best = p;
        bestOverlap = o;
      }
    }
    return best == null ? whole : best;
  }

  /**
   * A segment labelled human is a person's part; one labelled with a model or {@code agent} is an agent's, at the
   * session's confidence when the classifier called the session an agent (a hand-off) and at 0.5 otherwise; any other
   * label (ambiguous, too short) takes the session's call.
   */
  private static List<Part> segmentParts(SessionSide t) {
    List<Part> parts = new ArrayList<>();
    for (SessionSide.Segment s : t.segments()) {
      long start = s.startMs();
      long end = end(start, s.endMs());
      String label = s.label();
      if (SessionSide.HUMAN.equals(label)) {
        parts.add(new Part(s.index(), start, end, SessionSide.HUMAN, t.confidence(), ""));
      } else if (SessionSide.AGENT.equals(label) || SessionSide.isModel(label)) {
        double c = SessionSide.AGENT.equals(t.operator()) ? t.confidence() : 0.5;
        parts.add(new Part(s.index(), start, end, SessionSide.AGENT, c, SessionSide.isModel(label) ? label : ""));
      } else {
        parts.add(new Part(s.index(), start, end, t.operator(), t.confidence(), t.model()));
      }
    }
    return parts;
  }

  private static long end(long start, long end) {
    return Math.max(end, start + MIN_INTERVAL_MS);
  }

  private static long overlap(long aStart, long aEnd, long bStart, long bEnd) {
    return Math.max(0, Math.min(aEnd, bEnd) - Math.max(aStart, bStart));
  }
}
