package dev.whodrove.schemas;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.whodrove.schemas.v1.CadenceFeatures;
import dev.whodrove.schemas.v1.CadenceSegment;
import dev.whodrove.schemas.v1.CorrelatedSession;
import dev.whodrove.schemas.v1.Correlation;
import dev.whodrove.schemas.v1.DeadLetter;
import dev.whodrove.schemas.v1.Escalation;
import dev.whodrove.schemas.v1.GcpAuditEntry;
import dev.whodrove.schemas.v1.GcpSessionFeatures;
import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.MinuteBucket;
import dev.whodrove.schemas.v1.NameCount;
import dev.whodrove.schemas.v1.NotableEvent;
import dev.whodrove.schemas.v1.PrintChunk;
import dev.whodrove.schemas.v1.RecordingComplete;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.schemas.v1.RecordingRef;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import dev.whodrove.schemas.v1.SourcePosition;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import dev.whodrove.schemas.v1.TeleportFeatures;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One filled-in example of every topic's value type, by topic name: for documentation, the CLI and tests. */
public final class ExampleRecords {
  private ExampleRecords() {}

  public static SessionFeatures features() {
    return SessionFeatures.newBuilder()
        .setSessionId("3f2b6c1e-0000-4000-8000-000000000001").setSubstrate("teleport-recording").setUser("alice")
        .setStartedMs(1_764_000_000_000L).setEndedMs(1_764_000_600_000L).setRevision(1)
        .setTeleport(TeleportFeatures.newBuilder().setKind("ssh").setPtyPresent(true).setPrintChunks(420)
            .setPrintBytes(18_000).setMedianChunkGapMs(180).setEditCharCount(12).setRecordingPresent(true)
            .putServerLabels("env", "prod"))
        .setCadence(CadenceFeatures.newBuilder().setDurationS(600).setNEvents(420).setEventsPerSec(0.7)
            .setGapP50S(0.18).setGapP90S(2.1).setGapP99S(14).setGapMaxS(40).setBurstFrac(0.41).setGapScale(1))
        .addSegments(CadenceSegment.newBuilder().setIndex(0).setStartMs(1_764_000_000_000L)
            .setEndMs(1_764_000_300_000L).setCadence(CadenceFeatures.newBuilder().setNEvents(200)))
        .addNotableEvents(NotableEvent.newBuilder().setTimeMs(1_764_000_100_000L).setKind("command")
            .setSummary("kubectl get pods").setRef("17"))
        .build();
  }

  /** A Teleport session and a GCP synthetic session of one identity, paired by the correlator. */
  public static Correlation correlation() {
    return Correlation.newBuilder().setCorrelationId("xcorr-5d0a3c8e2b41f7a9c6e1d0b3")
        .setIdentity("alice@corp.example")
        .setTeleport(CorrelatedSession.newBuilder().setSessionId("3f2b6c1e-0000-4000-8000-000000000001")
            .setSubstrate("teleport-recording").setUser("alice").setStartedMs(1_764_000_000_000L)
            .setEndedMs(1_764_000_600_000L).setOperatorType("agent").setConfidence(0.9).setModel("opus-4.6"))
        .setGcp(CorrelatedSession.newBuilder().setSessionId("gcp-9a1f0c2d4e6b8a0c1d2e3f4a")
            .setSubstrate("gcp-cloud-audit").setUser("alice@corp.example").setStartedMs(1_764_000_060_000L)
            .setEndedMs(1_764_000_540_000L).setOperatorType("agent").setConfidence(0.95))
        .setOverlapS(480).setOverlapFraction(1).setJointScore(0.925).setTier("high")
        .setStage("cadence-correlator@v1").setComputedAtMs(1_764_000_605_000L).setToleranceS(60).build();
  }

  /** Topic name → sample value. */
  public static Map<String, Message> byTopic() {
    Map<String, Message> m = new LinkedHashMap<>();
    m.put(Topics.TELEPORT_AUDIT_EVENTS.name(), TeleportAuditEvent.newBuilder()
        .setUid("9c5e0d4a").setType("session.end").setCode("T2004I").setTimeMs(1_764_000_600_000L)
        .setSessionId("3f2b6c1e-0000-4000-8000-000000000001").setUser("alice").setKind("ssh").setInteractive(true)
        .addParticipants("alice").putServerLabels("env", "prod").setOriginalJson("{\"event\":\"session.end\"}")
        .setSource(SourcePosition.newBuilder().setSource("file").setLocator("2025-11-24.00:00:00.log").setOffset(42))
        .build());
    m.put(Topics.TELEPORT_RECORDINGS.name(), RecordingRef.newBuilder()
        .setSessionId("3f2b6c1e-0000-4000-8000-000000000001")
        .setUri("s3://recordings/sessions/3f2b6c1e-0000-4000-8000-000000000001.tar").setOrigin("session.upload")
        .build());
    m.put(Topics.TELEPORT_RECORDING_EVENTS.name(), RecordingEvent.newBuilder()
        .setSessionId("3f2b6c1e-0000-4000-8000-000000000001").setIndex(7).setTimeMs(1_764_000_001_000L)
        .setType("print").setRecordingUri("s3://recordings/sessions/3f2b6c1e-0000-4000-8000-000000000001.tar")
        .setPrints(PrintEvents.run(
            List.of(new long[] {7, 1_764_000_001_000L}, new long[] {8, 1_764_000_001_180L}),
            List.of(PrintChunk.newBuilder().setBytes(3).setDelayMs(1000).setChunkIndex(5).setOffset(120)
                    .setEditChars(1).build(),
                PrintChunk.newBuilder().setBytes(42).setDelayMs(1180).setChunkIndex(6).setOffset(123)
                    .setNewlines(2).build()), false))
        .build());
    m.put(Topics.GCP_AUDIT_ENTRIES.name(), GcpAuditEntry.newBuilder()
        .setInsertId("abc123").setTimestampMs(1_764_000_000_000L).setLogKind("activity")
        .setServiceName("compute.googleapis.com").setMethodName("v1.compute.instances.insert")
        .setPrincipal("dev@example.com").setUserAgent("google-cloud-sdk gcloud/500.0.0").setDenied(true)
        .setImpersonationDepth(1).putResourceLabels("project_id", "demo").build());
    m.put(Topics.SESSION_FEATURES.name(), features().toBuilder()
        .setGcp(GcpSessionFeatures.newBuilder().setPrincipal("dev@example.com").setCallCount(3)
            .addBuckets(MinuteBucket.newBuilder().setMinuteMs(1_764_000_000_000L).setCallCount(3)
                .addTopServices(NameCount.newBuilder().setName("compute.googleapis.com").setCount(3))))
        .build());
    m.put(Topics.SESSION_LABELS.name(), SessionVerdict.newBuilder()
        .setSessionId("3f2b6c1e-0000-4000-8000-000000000001").setSubstrate("teleport-recording")
        .addLabels(Label.newBuilder().setKey("operator.type").setValue("agent").setSetBy("phase1-classifier@v1")
            .setSetAtMs(1_764_000_601_000L))
        .setFeatures(features()).setStage("phase1-classifier@v1").putCadenceScores("opus-4.6", 0.83).build());
    m.put(Topics.SESSION_CORRELATIONS.name(), correlation());
    m.put(Topics.SESSION_ESCALATIONS.name(), Escalation.newBuilder()
        .setSessionId("3f2b6c1e-0000-4000-8000-000000000001").addReasons("agent-pty-ssh").setEscalationVersion("v1")
        .setFeatures(features()).build());
    DeadLetter dl = DeadLetter.newBuilder().setOriginalKey(ByteString.copyFromUtf8("k"))
        .setOriginalValue(ByteString.copyFrom(new byte[] {(byte) 0xff, 0x01})).setSourceTopic("teleport.recordings")
        .setSourcePartition(2).setSourceOffset(99).setService("recording-decoder").setReason("record size 0 at byte 24")
        .setOriginalValueSize(2).setOriginalValueSha256(sha256(new byte[] {(byte) 0xff, 0x01}))
        .setOriginalKeySize(1).setOriginalKeySha256(sha256(new byte[] {'k'}))
        .build();
    for (TopicSpec<?> t : Topics.DATA_TOPICS) {
      m.put(t.deadLetterTopic(), dl);
    }
    return m;
  }

  private static ByteString sha256(byte[] b) {
    try {
      return ByteString.copyFrom(java.security.MessageDigest.getInstance("SHA-256").digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
