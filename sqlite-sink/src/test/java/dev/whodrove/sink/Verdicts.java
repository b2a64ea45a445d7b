package dev.whodrove.sink;

import dev.whodrove.schemas.v1.CadenceFeatures;
import dev.whodrove.schemas.v1.CadenceSegment;
import dev.whodrove.schemas.v1.GcpSessionFeatures;
import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.MinuteBucket;
import dev.whodrove.schemas.v1.NameCount;
import dev.whodrove.schemas.v1.NotableEvent;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import dev.whodrove.schemas.v1.TeleportFeatures;

/** Synthetic verdicts for tests and the benchmark (no fixture data). */
final class Verdicts {
  static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

  private Verdicts() {}

  static Label label(String key, String value, String by, long atMs) {
    return Label.newBuilder().setKey(key).setValue(value).setSetBy(by).setSetAtMs(atMs).build();
  }

  /** Label-only stamps. */
  static SessionVerdict labels(String sid, Label... labels) {
    SessionVerdict.Builder b = SessionVerdict.newBuilder().setSessionId(sid).setStage("test").setEmittedAtMs(T0);
    for (Label l : labels) {
      b.addLabels(l);
    }
    return b.build();
  }

  static CadenceFeatures cadence(double p50) {
    return CadenceFeatures.newBuilder().setDurationS(600).setNEvents(900).setTotalBytes(120_000)
        .setEventsPerSec(1.5).setGapP50S(p50).setGapP90S(2.5).setGapP99S(9).setGapMaxS(40).setPausesGt1S(80)
        .setPausesGt5S(12).setPausesGt30S(1).setBurstFrac(0.4).setThinkFrac(0.05).setLocalGapStd(0.7)
        .setGapScale(1).build();
  }

  /** A Teleport verdict with features, {@code notables} notable events, two segments and the given labels. */
  static SessionVerdict teleport(String sid, int revision, int notables, Label... labels) {
    TeleportFeatures t = TeleportFeatures.newBuilder().setKind("ssh").setLogin("root").setCluster("main")
        .setServerHostname("node-1").putServerLabels("env", "prod").setPtyPresent(true).setPrintChunks(900)
        .setPrintBytes(120_000).setMedianChunkGapMs(310).setIdleGapCount(12).setEditCharCount(40)
        .setCommandCount(notables).setBpfPresent(true).setJoinCount(0).setInteractive(true).setRecordingPresent(true)
        .setRecordingUri("file:///records/" + sid + ".tar").setRecordingFormat("protostream").build();
    SessionFeatures.Builder f = SessionFeatures.newBuilder().setSessionId(sid).setSubstrate("teleport-recording")
        .setUser("alice").setStartedMs(T0).setEndedMs(T0 + 600_000).setRevision(revision)
        .setComputedAtMs(T0 + 601_000).setTeleport(t).setCadence(cadence(0.3));
    for (int i = 0; i < 2; i++) {
      f.addSegments(CadenceSegment.newBuilder().setIndex(i).setStartMs(T0 + i * 300_000L)
          .setEndMs(T0 + (i + 1) * 300_000L).setCadence(cadence(0.1 + i)));
    }
    for (int i = 0; i < notables; i++) {
      f.addNotableEvents(NotableEvent.newBuilder().setTimeMs(T0 + i * 1000L).setKind("command")
          .setSummary("ls -la /tmp/" + i).setRef("idx-" + i));
    }
    SessionVerdict.Builder b = SessionVerdict.newBuilder().setSessionId(sid).setSubstrate("teleport-recording")
        .setFeatures(f).setStage("phase1-classifier@v1").setEmittedAtMs(T0 + 602_000)
        .putCadenceScores("human", 0.2).putCadenceScores("opus-4.6", 0.7);
    for (Label l : labels) {
      b.addLabels(l);
    }
    return b.build();
  }

  /** A GCP synthetic-session verdict with three minute buckets (one with zero denials). */
  static SessionVerdict gcp(String sid, Label... labels) {
    GcpSessionFeatures.Builder g = GcpSessionFeatures.newBuilder().setPrincipal("sa@example.iam")
        .setCallCount(30).setMaxDistinctServices(2).setMaxDistinctMethods(4).setImpersonationCalls(0)
        .setDeniedCalls(3).setMedianInterBucketGapS(60).setSampleUserAgent("gcloud/500").setSampleCallerIp("10.0.0.1")
        .setIdleThresholdS(600).addUserAgents("gcloud/500");
    for (int i = 0; i < 3; i++) {
      g.addBuckets(MinuteBucket.newBuilder().setMinuteMs(T0 + i * 60_000L).setCallCount(10).setDistinctServices(2)
          .setDistinctMethods(4).setDeniedCalls(i == 0 ? 3 : 0)
          .addTopServices(NameCount.newBuilder().setName("compute.googleapis.com").setCount(7)));
    }
    SessionFeatures f = SessionFeatures.newBuilder().setSessionId(sid).setSubstrate("gcp-cloud-audit")
        .setUser("sa@example.iam").setStartedMs(T0).setEndedMs(T0 + 180_000).setRevision(1).setGcp(g).build();
    SessionVerdict.Builder b = SessionVerdict.newBuilder().setSessionId(sid).setSubstrate("gcp-cloud-audit")
        .setFeatures(f).setStage("phase1-classifier@v1").setEmittedAtMs(T0 + 200_000);
    for (Label l : labels) {
      b.addLabels(l);
    }
    return b.build();
  }
}
