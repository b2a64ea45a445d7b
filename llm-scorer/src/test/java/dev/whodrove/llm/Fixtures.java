package dev.whodrove.llm;

import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.schemas.v1.CadenceFeatures;
import dev.whodrove.schemas.v1.CadenceSegment;
import dev.whodrove.schemas.v1.Escalation;
import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.NotableEvent;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.TeleportFeatures;
import java.util.HashMap;
import java.util.Map;

/** Synthetic escalations and configs for tests (no real users or hosts). */
final class Fixtures {
  static final long T0 = 1_760_000_000_000L;
  static final String PLANTED_PASSWORD = "hunter2-Sup3rS3cret";

  private Fixtures() {}

  static Escalation escalation(String sessionId) {
    CadenceFeatures cadence = CadenceFeatures.newBuilder()
        .setNEvents(412).setDurationS(318.25).setEventsPerSec(1.2946).setGapP50S(0.041).setGapP90S(1.9)
        .setGapP99S(7.25).setGapMaxS(21.5).setPausesGt1S(40).setPausesGt5S(6).setBurstFrac(0.71).setThinkFrac(0.015)
        .setLocalGapStd(0.88).setTotalBytes(182_311).setGapScale(1).setKeystrokeEchoFrac(0.0).setEditChars(0)
        .build();
    SessionFeatures f = SessionFeatures.newBuilder()
        .setSessionId(sessionId)
        .setSubstrate("teleport-recording")
        .setUser("someone@example.test")
        .setStartedMs(T0).setEndedMs(T0 + 318_250)
        .setTeleport(TeleportFeatures.newBuilder().setKind("ssh").setPtyPresent(true).setInteractive(true)
            .setPrintChunks(412).setPrintBytes(182_311).setMedianChunkGapMs(41).setIdleGapCount(6)
            .setCommandCount(3).setServerHostname("db-7.internal.example").setRemoteAddr("10.1.2.3:5555")
            .setRecordingPresent(true).setRecordingFormat("protostream"))
        .setCadence(cadence)
        .addSegments(CadenceSegment.newBuilder().setIndex(0).setStartMs(T0).setEndMs(T0 + 120_000).setCadence(cadence))
        .addSegments(CadenceSegment.newBuilder().setIndex(1).setStartMs(T0 + 120_000).setEndMs(T0 + 318_250)
            .setCadence(cadence.toBuilder().setEventsPerSec(3.5)))
        .addNotableEvents(NotableEvent.newBuilder().setTimeMs(T0 + 2_000).setKind("command")
            .setSummary("kubectl get pods -n prod").setRef("10"))
        .addNotableEvents(NotableEvent.newBuilder().setTimeMs(T0 + 9_500).setKind("command")
            .setSummary("psql postgres://app:" + PLANTED_PASSWORD + "@db-7/app --password=" + PLANTED_PASSWORD)
            .setRef("11"))
        .build();
    return Escalation.newBuilder()
        .setSessionId(sessionId)
        .addReasons("agent-pty-ssh")
        .setEscalationVersion("phase1-classifier@v1")
        .setFeatures(f)
        .addLabels(Label.newBuilder().setKey("operator.type").setValue("agent").setSetBy("phase1-classifier@v1"))
        .addLabels(Label.newBuilder().setKey("cadence.label").setValue("ambiguous").setSetBy("cadence@v1"))
        .putCadenceScores("opus-4.6", 0.62)
        .putCadenceScores("human", 0.05)
        .putCadenceScores("gpt-5.5", 0.31)
        .setCreatedAtMs(T0 + 400_000)
        .build();
  }

  static Map<String, String> configValues(String baseUrl) {
    Map<String, String> m = new HashMap<>();
    m.put(LlmConfig.BASE_URL, baseUrl);
    m.put(LlmConfig.MODEL, "test-model");
    m.put(LlmConfig.API_KEY, "sk-test-key");
    m.put(LlmConfig.REQUEST_TIMEOUT, "2s");
    m.put(LlmConfig.BACKOFF_INITIAL, "10ms");
    m.put(LlmConfig.BACKOFF_MAX, "50ms");
    return m;
  }

  static LlmConfig config(String baseUrl, Map<String, String> extra) {
    Map<String, String> m = configValues(baseUrl);
    m.putAll(extra);
    return LlmConfig.from(ServiceConfig.of(m));
  }
}
