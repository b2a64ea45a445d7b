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
import java.util.List;
import java.util.Map;

/** Synthetic escalations and configs for tests (no real users or hosts). */
final class Fixtures {
  static final long T0 = 1_760_000_000_000L;
  static final String PLANTED_PASSWORD = "hunter2-Sup3rS3cret";

  static final String AWS = "AKIAIOSFODNN7EXAMPLE";
  static final String AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  static final String GH = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";
  static final String SLACK = "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx";
  static final String JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
  static final String PEM_BODY = "MIIEpAIBAAKCAQEA7V1d3x9Qz";
  static final String PEM = "-----BEGIN RSA PRIVATE KEY-----\n" + PEM_BODY + "\nabc\n-----END RSA PRIVATE KEY-----";

  private Fixtures() {}

  /** Terminal text with secrets of several kinds (the redactor's own tests cover every rule). */
  static String plantedText() {
    return String.join("\n",
        "$ export AWS_ACCESS_KEY_ID=" + AWS,
        "$ aws configure set aws_secret_access_key " + AWS_SECRET,
        "$ git clone https://x:" + GH + "@github.com/acme/app.git",
        "slack: " + SLACK,
        "curl -H 'Authorization: Bearer " + JWT + "' https://api.example.test",
        PEM,
        "mysql -u root -p" + PLANTED_PASSWORD + " app",
        "./deploy --password " + PLANTED_PASSWORD + " --env prod");
  }

  static List<String> plantedSecrets() {
    return List.of(AWS, AWS_SECRET, GH, SLACK, JWT, PEM_BODY, PLANTED_PASSWORD);
  }

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
