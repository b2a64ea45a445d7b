package dev.whodrove.llm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.v1.Escalation;
import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EscalationScorerTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-01T12:00:00Z"), ZoneOffset.UTC);
  private FakeChatServer server;

  @TempDir
  Path dir;

  @BeforeEach
  void startServer() throws Exception {
    server = new FakeChatServer();
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  private EscalationScorer scorer(Map<String, String> extra) {
    LlmConfig cfg = Fixtures.config(server.baseUrl(), extra);
    TokenBudget budget = new TokenBudget(cfg.tokensPerMinute(), TokenBudget.Clock.SYSTEM);
    LlmMetrics metrics = LlmMetrics.noop(budget);
    return new EscalationScorer(cfg, new ChatCompletionsClient(cfg, budget, metrics, d -> { }),
        new FileRecordingTextSource(), metrics, CLOCK);
  }

  private static Map<String, Label> byKey(SessionVerdict v) {
    return v.getLabelsList().stream().collect(Collectors.toMap(Label::getKey, l -> l));
  }

  @Test
  void happyPathStampsTheAnswerAsPhase2Labels() {
    EscalationScorer.Outcome o = scorer(Map.of()).score(Fixtures.escalation("s-1"));

    assertThat(o.status()).isEqualTo(EscalationScorer.Status.OK);
    assertThat(o.deadLetterReason()).isNull();
    SessionVerdict v = o.verdict();
    assertThat(v.getSessionId()).isEqualTo("s-1");
    assertThat(v.getStage()).isEqualTo("phase2-llm@v1");
    assertThat(v.getSubstrate()).isEqualTo("teleport-recording");
    assertThat(v.hasFeatures()).isFalse();
    Map<String, Label> l = byKey(v);
    assertThat(l.get("agent.tool").getValue()).isEqualTo("claude-code");
    assertThat(l.get("confidence.agent-tool").getValue()).isEqualTo("0.8");
    assertThat(l.get("work.kind").getValue()).isEqualTo("deploy");
    assertThat(l.get("confidence.work-kind").getValue()).isEqualTo("0.7");
    assertThat(l.get("agent.suspected_model").getValue()).isEqualTo("opus-4.6");
    assertThat(l.get("confidence.agent-suspected-model").getValue()).isEqualTo("0.6");
    assertThat(l.get("phase2.rationale").getValue()).isEqualTo("fast bursts");
    assertThat(l.get("phase2.status").getValue()).isEqualTo("ok");
    assertThat(l).doesNotContainKey("phase2.error");
    assertThat(v.getLabelsList()).allSatisfy(x -> {
      assertThat(x.getSetBy()).isEqualTo("phase2-llm@v1");
      assertThat(x.getSetAtMs()).isEqualTo(CLOCK.millis());
    });
  }

  @Test
  void anAgentCliSeenOnTheNodeKeepsItsToolStamp() {
    var esc = Fixtures.escalation("s-bpf").toBuilder().addLabels(Label.newBuilder().setKey("agent.tool")
        .setValue("codex").setSetBy("phase1-classifier@v1").setSetAtMs(1)).build();
    Map<String, Label> l = byKey(scorer(Map.of()).score(esc).verdict());
    assertThat(l).doesNotContainKeys("agent.tool", "confidence.agent-tool");
    assertThat(l.get("work.kind").getValue()).isEqualTo("deploy");
  }

  @Test
  void malformedAnswerBecomesAnErrorStatusWithoutInventedLabels() {
    server.always(FakeChatServer.ok("Sure! The agent is probably Claude Code."));
    EscalationScorer.Outcome o = scorer(Map.of()).score(Fixtures.escalation("s-2"));

    assertThat(o.status()).isEqualTo(EscalationScorer.Status.INVALID_ANSWER);
    assertThat(o.modelAnswered()).isTrue();
    assertThat(o.deadLetterReason()).contains("not JSON");
    Map<String, Label> l = byKey(o.verdict());
    assertThat(l.keySet()).containsExactlyInAnyOrder("phase2.status", "phase2.error", "phase2.model");
    assertThat(l.get("phase2.status").getValue()).isEqualTo("error");
    assertThat(l.get("phase2.error").getValue()).contains("not JSON");
    assertThat(server.requests).hasSize(1);
  }

  @Test
  void unreachableModelIsRetriedLater() {
    server.always(FakeChatServer.status(500, Map.of()));
    EscalationScorer.Outcome o = scorer(Map.of(LlmConfig.RETRIES, "1")).score(Fixtures.escalation("s-3"));
    assertThat(o.status()).isEqualTo(EscalationScorer.Status.RETRY);
    assertThat(o.modelAnswered()).isFalse();
    assertThat(o.accessRefused()).isFalse();
    assertThat(byKey(o.verdict()).get("phase2.error").getValue()).contains("server_error", "2 attempts");
    assertThat(server.requests).hasSize(2);
  }

  @Test
  void terminalContentIsSentOnlyWhenBothAllowAndThenRedacted() throws Exception {
    Path cast = dir.resolve("s-4.cast");
    StringBuilder sb = new StringBuilder("{\"version\": 2, \"width\": 80, \"height\": 24}\n");
    for (String line : Fixtures.plantedText().split("\n")) {
      sb.append(FakeChatServer.JSON.writeValueAsString(new Object[] {0.5, "o", "\u001B[32m" + line + "\u001B[0m\r\n"}))
          .append('\n');
    }
    sb.append("[9.0, \"i\", \"typed-input-not-output\"]\n");
    Files.writeString(cast, sb.toString());
    Escalation allowed = Fixtures.escalation("s-4").toBuilder()
        .setRecordingUri(cast.toUri().toString()).setPtyContentAllowed(true).build();

    // default: no content leaves, even when the escalation allows it
    scorer(Map.of()).score(allowed);
    assertThat(server.requests.get(0).body()).contains("terminal_output: not provided").doesNotContain("export");

    // configured, but this escalation does not allow it
    scorer(Map.of(LlmConfig.PTY_CONTENT, "true")).score(allowed.toBuilder().setPtyContentAllowed(false).build());
    assertThat(server.requests.get(1).body()).contains("terminal_output: not provided");

    // both allow: content goes, redacted, without escape sequences or input events
    scorer(Map.of(LlmConfig.PTY_CONTENT, "true")).score(allowed);
    String sent = server.requests.get(2).body();
    assertThat(sent).contains("terminal_output (redacted", "git clone", "--env prod", "[REDACTED:")
        .doesNotContain("typed-input-not-output", "[32m");
    for (String secret : Fixtures.plantedSecrets()) {
      assertThat(sent).as("planted secret leaked: %s", secret).doesNotContain(secret);
    }
  }
}
