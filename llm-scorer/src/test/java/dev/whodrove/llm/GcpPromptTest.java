package dev.whodrove.llm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.redact.SecretRedactor;
import dev.whodrove.schemas.v1.Escalation;
import dev.whodrove.schemas.v1.GcpCallEvidence;
import dev.whodrove.schemas.v1.GcpCallStep;
import dev.whodrove.schemas.v1.GcpSessionFeatures;
import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.NameCount;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** A GCP escalation's prompt: the call evidence and the call graph, no identity. */
class GcpPromptTest {
  private final PromptBuilder builder = new PromptBuilder(new SecretRedactor(), 25, 4000);

  static Escalation privilegedSession() {
    GcpCallEvidence e = GcpCallEvidence.newBuilder().setCalls(14).setGcloudCalls(14).setFlaggedCalls(14)
        .setTtyCalls(14).setInvocations(9).setDistinctCommands(5).setCommandChanges(6).setInvocationGaps1040S(5)
        .setInvocationGaps40120S(3).setInvocationGapMeanS(41.5).setInvocationGapCv(0.6).setInvocationGapMaxS(95)
        .setWithinInvocationGapMeanS(0.3)
        .addTopCommands(NameCount.newBuilder().setName("gcloud.projects.add-iam-policy-binding").setCount(2))
        .setReadCalls(10).setWriteCalls(4).setDeniedCalls(1).setEarlyDeniedCalls(1).setDistinctServices(3)
        .setDistinctMethods(6).setMaxServicesPerMinute(2).setPrivilegedCalls(2).addPrivilegedMethods("SetIamPolicy")
        .addCallSequence(GcpCallStep.newBuilder().setOffsetS(0).setMethod("GetIamPolicy")
            .setResourcePattern("projects/*").setCommand("gcloud.projects.add-iam-policy-binding").setCalls(1))
        .addCallSequence(GcpCallStep.newBuilder().setOffsetS(0.4).setMethod("SetIamPolicy")
            .setResourcePattern("projects/*").setCommand("gcloud.projects.add-iam-policy-binding").setCalls(1)
            .setDenied(1))
        .build();
    return Escalation.newBuilder().setSessionId("gcp-0123456789abcdef01234567")
        .setEscalationVersion("phase1-classifier@v1").addReasons("gcp-privileged")
        .addLabels(Label.newBuilder().setKey("operator.type").setValue("human"))
        .addLabels(Label.newBuilder().setKey("operator.evidence").setValue("tty.think-time"))
        .setFeatures(SessionFeatures.newBuilder().setSessionId("gcp-0123456789abcdef01234567")
            .setSubstrate("gcp-cloud-audit").setUser("alice@example.test").setStartedMs(1_000_000).setEndedMs(1_600_000)
            .setGcp(GcpSessionFeatures.newBuilder().setPrincipal("alice@example.test").setCallCount(14)
                .setSampleCallerIp("198.51.100.23").addUserAgents("google-cloud-sdk gcloud/548.0.0 python/3.12.3")
                .setEvidence(e)))
        .build();
  }

  @Test
  void theCallEvidenceAndCallGraphGoToTheModelWithoutIdentity() {
    PromptBuilder.Prompt p = builder.build(privilegedSession(), null);
    assertThat(p.user())
        .contains("reasons=gcp-privileged", "operator.evidence=tty.think-time")
        .contains("gcp_calls: calls=14 gcloud=14 with_terminal_flag=14 terminal=14 from_script=0")
        .contains("gcloud_invocations: n=9 distinct_commands=5", "gaps_10_40s=5", "gap_mean_s=41.5")
        .contains("gcloud_commands: gcloud.projects.add-iam-policy-bindingx2")
        .contains("privileged=2 privileged_methods=SetIamPolicy", "denied_in_first_20=1")
        .contains("call_graph (2 steps", "+0.4s SetIamPolicy projects/* x1 denied=1 "
            + "[gcloud.projects.add-iam-policy-binding]")
        .doesNotContain("alice@example.test", "198.51.100.23");
    assertThat(p.system()).contains("gcloud invocations");
    assertThat(builder.build(privilegedSession(), null)).isEqualTo(p);
  }

  /** Phase 2 scores a GCP escalation as it does a Teleport one: the call graph in the request, tool and work kind out. */
  @Test
  void theScorerStampsToolAndWorkKindOnAGcpSession() throws Exception {
    try (FakeChatServer server = new FakeChatServer()) {
      LlmConfig cfg = Fixtures.config(server.baseUrl(), Map.of());
      TokenBudget budget = new TokenBudget(cfg.tokensPerMinute(), TokenBudget.Clock.SYSTEM);
      LlmMetrics metrics = LlmMetrics.noop(budget);
      EscalationScorer scorer = new EscalationScorer(cfg, new ChatCompletionsClient(cfg, budget, metrics, d -> { }),
          new FileRecordingTextSource(), metrics, Clock.fixed(Instant.parse("2026-11-02T12:00:00Z"), ZoneOffset.UTC));
      EscalationScorer.Outcome o = scorer.score(privilegedSession());
      assertThat(o.status()).isEqualTo(EscalationScorer.Status.OK);
      SessionVerdict v = o.verdict();
      assertThat(v.getSubstrate()).isEqualTo("gcp-cloud-audit");
      Map<String, String> labels = v.getLabelsList().stream()
          .collect(Collectors.toMap(Label::getKey, Label::getValue));
      assertThat(labels).containsKeys("agent.tool", "work.kind", "phase2.status");
      assertThat(server.requestsMentioning("call_graph (2 steps")).isEqualTo(1);
      assertThat(server.requestsMentioning("alice@example.test")).isZero();
    }
  }
}
