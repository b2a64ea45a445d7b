package dev.whodrove.correlator;

import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the correlator keeps of one classified session: who, when, and what the classifier called it. Built from a
 * phase-1 verdict ({@link #of}); the same record travels through the repartition topic and sits in the state store.
 *
 * @param identity the bridged identity (filled in by the caller; empty until then)
 * @param operator {@code operator.type}: human, agent or unknown
 * @param confidence {@code confidence.operator-type}
 * @param model the model the session names, or empty ({@link #modelOf})
 * @param segments the change-point segments with their cadence labels (two or more, else empty)
 * @param emittedAtMs when the verdict was emitted (its stamps' set_at): a newer verdict of the session replaces this
 * @param mergedSessionIds GCP: synthetic sessions this one absorbed
 */
public record SessionSide(String sessionId, Kind kind, String substrate, String user, String identity, long startMs,
    long endMs, String operator, double confidence, String model, List<Segment> segments, long emittedAtMs,
    List<String> mergedSessionIds) {

  /** Which side of a correlation a session is on. */
  public enum Kind {
    TELEPORT,
    GCP
  }

  /** One change-point segment: its interval and its {@code cadence.segment.<i>} label. */
  public record Segment(int index, long startMs, long endMs, String label) {}

  public static final String TELEPORT_RECORDING = "teleport-recording";
  public static final String GCP_CLOUD_AUDIT = "gcp-cloud-audit";
  public static final String GCP_GCLOUD_BURST = "gcp-gcloud-burst";
  public static final String AGENT = "agent";
  public static final String HUMAN = "human";
  public static final String UNKNOWN = "unknown";

  /** cadence labels that name no model. */
  private static final Set<String> NOT_MODELS = Set.of("", AGENT, HUMAN, UNKNOWN, "ambiguous", "insufficient_data",
      "polling", "scripted");

  public SessionSide {
    segments = List.copyOf(segments);
    mergedSessionIds = List.copyOf(mergedSessionIds);
  }

  /** Why a verdict gives no session side (counted, not dead-lettered: the sink still wants the verdict). */
  public enum Skip {
    NO_FEATURES("no-features"),
    UNKNOWN_SUBSTRATE("unknown-substrate"),
    NO_USER("no-user"),
    NO_INTERVAL("no-interval");

    public final String tag;

    Skip(String tag) {
      this.tag = tag;
    }
  }

  /** The session side of a phase-1 verdict, or why there is none. */
  public static Result of(SessionVerdict v) {
    if (!v.hasFeatures() || v.getSessionId().isEmpty()) {
      return new Result(null, Skip.NO_FEATURES);
    }
    SessionFeatures f = v.getFeatures();
    String substrate = !v.getSubstrate().isEmpty() ? v.getSubstrate() : f.getSubstrate();
    Kind kind = switch (substrate) {
      case TELEPORT_RECORDING -> Kind.TELEPORT;
      case GCP_CLOUD_AUDIT, GCP_GCLOUD_BURST -> Kind.GCP;
      default -> null;
    };
    if (kind == null) {
      return new Result(null, Skip.UNKNOWN_SUBSTRATE);
    }
    String user = f.getUser();
    if (user.isBlank() && kind == Kind.GCP) {
      user = f.hasBurst() ? f.getBurst().getPrincipal() : f.getGcp().getPrincipal();
    }
    if (user.isBlank()) {
      return new Result(null, Skip.NO_USER);
    }
    if (f.getStartedMs() <= 0 || f.getEndedMs() < f.getStartedMs()) {
      return new Result(null, Skip.NO_INTERVAL);
    }
    Map<String, String> labels = new HashMap<>();
    for (Label l : v.getLabelsList()) {
      labels.put(l.getKey(), l.getValue());
    }
    List<Segment> segments = new ArrayList<>();
    if (kind == Kind.TELEPORT && f.getSegmentsCount() >= 2) {
      for (int i = 0; i < f.getSegmentsCount(); i++) {
        var s = f.getSegments(i);
        // the classifier stamps cadence.segment.<list position>; segments are listed in time order
        segments.add(new Segment(i, s.getStartMs(), s.getEndMs(), labels.getOrDefault("cadence.segment." + i, "")));
      }
    }
    long emitted = v.getEmittedAtMs() > 0 ? v.getEmittedAtMs() : f.getComputedAtMs();
    List<String> merged = kind == Kind.GCP && f.hasGcp() ? f.getGcp().getMergedSessionIdsList() : List.of();
    return new Result(new SessionSide(v.getSessionId(), kind, substrate, user.trim(), "", f.getStartedMs(),
        f.getEndedMs(), labels.getOrDefault("operator.type", UNKNOWN), parse(labels.get("confidence.operator-type")),
        modelOf(labels), segments, emitted, merged), null);
  }

  /** A session side, or the reason there is none. */
  public record Result(SessionSide side, Skip skip) {
    public Optional<SessionSide> get() {
      return Optional.ofNullable(side);
    }
  }

  /** This side with its identity. */
  public SessionSide withIdentity(String id) {
    return new SessionSide(sessionId, kind, substrate, user, id, startMs, endMs, operator, confidence, model, segments,
        emittedAtMs, mergedSessionIds);
  }

  /** The model a verdict names: agent.suspected_model, else a cadence.label that is a model. */
  static String modelOf(Map<String, String> labels) {
    String suspected = labels.getOrDefault("agent.suspected_model", "");
    if (isModel(suspected)) {
      return suspected;
    }
    String cadence = labels.getOrDefault("cadence.label", "");
    return isModel(cadence) ? cadence : "";
  }

  /** Whether a cadence label names a model (not agent, human, ambiguous, …). */
  static boolean isModel(String label) {
    return label != null && !NOT_MODELS.contains(label);
  }

  private static double parse(String s) {
    if (s == null) {
      return 0;
    }
    try {
      double d = Double.parseDouble(s);
      return Double.isFinite(d) ? Math.max(0, Math.min(1, d)) : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
