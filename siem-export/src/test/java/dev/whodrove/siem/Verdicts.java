package dev.whodrove.siem;

import dev.whodrove.schemas.v1.CadenceFeatures;
import dev.whodrove.schemas.v1.GcpSessionFeatures;
import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.NotableEvent;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import dev.whodrove.schemas.v1.TeleportFeatures;

/** Synthetic verdicts as each producer of session.labels writes them (no fixture data). */
final class Verdicts {
  static final long T0 = 1_778_500_000_000L; // 2026-05-11T11:46:40Z
  static final String P1 = "phase1-classifier@v1";
  static final String CADENCE = "cadence@v1";
  static final String P2 = "phase2-llm@v1";
  static final String CORRELATOR = "cadence-correlator@v1";

  private Verdicts() {}

  static Label label(String key, String value, String by, long at) {
    return Label.newBuilder().setKey(key).setValue(value).setSetBy(by).setSetAtMs(at).build();
  }

  static SessionFeatures teleportFeatures(String sid, int revision) {
    TeleportFeatures t = TeleportFeatures.newBuilder().setKind("ssh").setLogin("root").setCluster("prod")
        .setServerHostname("db-1").setServerId("5f1c-node").setPtyPresent(true).setPrintChunks(300)
        .setPrintBytes(40_000).setMedianChunkGapMs(5).setInteractive(true).setRecordingPresent(true)
        .setRecordingUri("s3://recordings/sessions/" + sid + ".tar").build();
    return SessionFeatures.newBuilder().setSessionId(sid).setSubstrate("teleport-recording").setUser("alice")
        .setStartedMs(T0).setEndedMs(T0 + 600_000).setRevision(revision).setComputedAtMs(T0 + 601_000)
        .setTeleport(t).setCadence(CadenceFeatures.newBuilder().setDurationS(600).setNEvents(214).setGapP50S(0.06)
            .setGapMaxS(127).setGapScale(1))
        .addNotableEvents(NotableEvent.newBuilder().setTimeMs(T0 + 5_000).setKind("command")
            .setSummary("/usr/bin/kubectl get pods -A").setRef("42"))
        .build();
  }

  /** A phase-1 verdict of a Teleport session: the classifier's and the cadence table's stamps, with features. */
  static SessionVerdict phase1(String sid, String operator, String model, long at) {
    SessionVerdict.Builder b = SessionVerdict.newBuilder().setSessionId(sid).setSubstrate("teleport-recording")
        .setFeatures(teleportFeatures(sid, 1).toBuilder().setComputedAtMs(at)).setStage(P1).setEmittedAtMs(at)
        .addLabels(label("substrate.kind", "teleport-recording", P1, at))
        .addLabels(label("routing.cohort", "phase1-cadence", P1, at))
        .addLabels(label("operator.type", operator, P1, at))
        .addLabels(label("confidence.operator-type", "0.9", P1, at))
        .addLabels(label("cadence.label", model == null ? "human" : model, CADENCE, at))
        .putCadenceScores("human", model == null ? 0.9 : 0.2).putCadenceScores("kimi-k2.6", model == null ? 0.1 : 1.0);
    if (model != null) {
      b.addLabels(label("agent.suspected_model", model, CADENCE, at));
    }
    return b.build();
  }

  /** A GCP synthetic-session verdict. */
  static SessionVerdict gcp(String sid, String operator, long at) {
    GcpSessionFeatures g = GcpSessionFeatures.newBuilder().setPrincipal("dev@example.com").setCallCount(120)
        .setMaxDistinctServices(4).setSampleUserAgent("claude-code/1.0.3 google-cloud-sdk/482.0.0")
        .setIdleThresholdS(600).build();
    SessionFeatures f = SessionFeatures.newBuilder().setSessionId(sid).setSubstrate("gcp-cloud-audit")
        .setUser("dev@example.com").setStartedMs(T0).setEndedMs(T0 + 1_800_000).setComputedAtMs(at).setGcp(g)
        .build();
    return SessionVerdict.newBuilder().setSessionId(sid).setSubstrate("gcp-cloud-audit").setFeatures(f).setStage(P1)
        .setEmittedAtMs(at)
        .addLabels(label("substrate.kind", "gcp-cloud-audit", P1, at))
        .addLabels(label("operator.type", operator, P1, at))
        .addLabels(label("confidence.operator-type", "0.55", P1, at))
        .addLabels(label("gcp.ua.tool", "claude-code", P1, at)).build();
  }

  /** Label-only stamps of one producer (phase 2, a person, the correlator), as they write them. */
  static SessionVerdict stamps(String sid, String by, long at, String... keyValues) {
    SessionVerdict.Builder b = SessionVerdict.newBuilder().setSessionId(sid).setStage(by).setEmittedAtMs(at);
    for (int i = 0; i < keyValues.length; i += 2) {
      b.addLabels(label(keyValues[i], keyValues[i + 1], by, at));
    }
    return b.build();
  }
}
