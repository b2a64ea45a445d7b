package dev.whodrove.correlator;

import dev.whodrove.schemas.v1.CadenceSegment;
import dev.whodrove.schemas.v1.GcpBurstFeatures;
import dev.whodrove.schemas.v1.GcpSessionFeatures;
import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Phase-1 verdicts as the classifier writes them, with only what the correlator reads. */
final class Verdicts {
  static final String STAGE = "phase1-classifier@v1";
  static final long T0 = Instant.parse("2026-11-02T10:00:00Z").toEpochMilli();

  private Verdicts() {}

  static long at(int minutes) {
    return T0 + minutes * 60_000L;
  }

  /** A Teleport session of {@code user} between the two minutes after T0. */
  static SessionVerdict teleport(String sid, String user, int fromMin, int toMin, String operator, double confidence,
      String model) {
    return verdict(SessionFeatures.newBuilder().setSessionId(sid).setSubstrate("teleport-recording").setUser(user)
        .setStartedMs(at(fromMin)).setEndedMs(at(toMin)).setRevision(1).setComputedAtMs(at(toMin) + 5_000).build(),
        labels(operator, confidence, model));
  }

  /** A Teleport session handed from a person to an agent model half-way. */
  static SessionVerdict handoff(String sid, String user, int fromMin, int toMin, String model) {
    int mid = (fromMin + toMin) / 2;
    SessionFeatures f = SessionFeatures.newBuilder().setSessionId(sid).setSubstrate("teleport-recording")
        .setUser(user).setStartedMs(at(fromMin)).setEndedMs(at(toMin)).setRevision(1)
        .setComputedAtMs(at(toMin) + 5_000)
        .addSegments(CadenceSegment.newBuilder().setIndex(0).setStartMs(at(fromMin)).setEndMs(at(mid)))
        .addSegments(CadenceSegment.newBuilder().setIndex(1).setStartMs(at(mid)).setEndMs(at(toMin))).build();
    Map<String, String> l = labels("agent", 0.88, model);
    l.put("cadence.segments", "2");
    l.put("cadence.segment.0", "human");
    l.put("cadence.segment.1", model);
    l.put("cadence.handoff", "true");
    return verdict(f, l);
  }

  /** A GCP synthetic session of {@code principal}. */
  static SessionVerdict gcp(String sid, String principal, int fromMin, int toMin, String operator,
      double confidence) {
    return verdict(SessionFeatures.newBuilder().setSessionId(sid).setSubstrate("gcp-cloud-audit").setUser(principal)
        .setStartedMs(at(fromMin)).setEndedMs(at(toMin)).setRevision(1).setComputedAtMs(at(toMin) + 65_000)
        .setGcp(GcpSessionFeatures.newBuilder().setPrincipal(principal)).build(),
        labels(operator, confidence, ""));
  }

  /** A gcloud burst of {@code principal}, times in seconds after T0. */
  static SessionVerdict burst(String sid, String principal, long fromS, long toS, String operator, double confidence,
      String model) {
    return verdict(SessionFeatures.newBuilder().setSessionId(sid).setSubstrate("gcp-gcloud-burst").setUser(principal)
        .setStartedMs(T0 + fromS * 1000).setEndedMs(T0 + toS * 1000).setRevision(1)
        .setComputedAtMs(T0 + toS * 1000 + 30_000)
        .setBurst(GcpBurstFeatures.newBuilder().setPrincipal(principal)).build(), labels(operator, confidence, model));
  }

  /** The same GCP session, re-emitted later with more calls (a later end) and the sessions it absorbed. */
  static SessionVerdict gcpRevised(SessionVerdict v, int toMin, List<String> merged) {
    SessionFeatures f = v.getFeatures().toBuilder().setEndedMs(at(toMin)).setRevision(v.getFeatures().getRevision() + 1)
        .setComputedAtMs(at(toMin) + 65_000)
        .setGcp(v.getFeatures().getGcp().toBuilder().addAllMergedSessionIds(merged)).build();
    return v.toBuilder().setFeatures(f).setEmittedAtMs(f.getComputedAtMs()).build();
  }

  static Map<String, String> labels(String operator, double confidence, String model) {
    Map<String, String> l = new LinkedHashMap<>();
    l.put("operator.type", operator);
    l.put("confidence.operator-type", Double.toString(confidence));
    if (!model.isEmpty()) {
      l.put("cadence.label", model);
      l.put("agent.suspected_model", model);
    }
    return l;
  }

  private static SessionVerdict verdict(SessionFeatures f, Map<String, String> labels) {
    SessionVerdict.Builder v = SessionVerdict.newBuilder().setSessionId(f.getSessionId()).setSubstrate(f.getSubstrate())
        .setFeatures(f).setStage(STAGE).setEmittedAtMs(f.getComputedAtMs());
    labels.forEach((k, val) -> v.addLabels(Label.newBuilder().setKey(k).setValue(val).setSetBy(STAGE)
        .setSetAtMs(f.getComputedAtMs())));
    return v.build();
  }
}
