package dev.whodrove.classifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.v1.AgentCliEvidence;
import dev.whodrove.schemas.v1.BpfActivity;
import dev.whodrove.schemas.v1.Escalation;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.TeleportFeatures;
import dev.whodrove.testkit.Asciicast;
import dev.whodrove.testkit.AsciicastFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * An agent CLI on the node decides the operator, over a person's terminal cadence; ordinary programs leave the verdict
 * alone.
 */
class AgentCliRuleTest {
  private static final ClassifierConfig CFG = ClassifierConfig.defaults();

  /** The real recordings of people at a terminal: cadence@v1 calls every one of them human. */
  static List<SessionFeatures> people() throws Exception {
    try (Stream<Path> files = Files.list(AsciicastFixtures.directory().resolve("human"))) {
      return files.sorted().map(p -> {
        try {
          return AsciicastCadence.session(p.getFileName().toString(), Asciicast.read(p));
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).toList();
    }
  }

  static SessionFeatures withBpf(SessionFeatures f, BpfActivity bpf) {
    TeleportFeatures t = f.getTeleport().toBuilder().setBpf(bpf).setBpfPresent(true).setCommandCount(bpf.getCommands())
        .build();
    return f.toBuilder().setTeleport(t).build();
  }

  static BpfActivity agent(String tool, long descendants, long providerConnections) {
    return BpfActivity.newBuilder().setSource("audit").setCommands(descendants + 3)
        .setAgentCli(AgentCliEvidence.newBuilder().setTool(tool).setMatchedBy("program:claude").setPid(200)
            .setDescendantCommands(descendants).setProviderConnections(providerConnections))
        .build();
  }

  @Test
  void anAgentCliWithDescendantsIsAnAgentOverAPersonsCadence() throws Exception {
    for (SessionFeatures person : people()) {
      Map<String, String> before = FixtureRegressionTest.labels(CFG, person);
      assertThat(before).containsEntry("operator.type", "human").doesNotContainKey("agent.tool");

      Map<String, String> after = FixtureRegressionTest.labels(CFG, withBpf(person, agent("claude-code", 4, 1)));
      assertThat(after).as(person.getSessionId())
          .containsEntry("operator.type", "agent")
          .containsEntry("agent.tool", "claude-code")
          .containsEntry("operator.evidence", "agent-cli.provider-endpoint")
          .containsEntry("confidence.operator-type", "0.98")
          .containsEntry("confidence.agent-tool", "0.98")
          // the cadence labels still say what the terminal looked like
          .containsEntry("cadence.label", before.get("cadence.label"))
          .containsEntry("routing.cohort", "phase1-cadence");

      Map<String, String> uncorroborated = FixtureRegressionTest.labels(CFG, withBpf(person, agent("codex", 1, 0)));
      assertThat(uncorroborated).containsEntry("operator.type", "agent").containsEntry("agent.tool", "codex")
          .containsEntry("operator.evidence", "agent-cli").containsEntry("confidence.operator-type", "0.95");
    }
  }

  @Test
  void ordinaryProgramsOrAnIdleAgentCliLeaveThePersonHuman() throws Exception {
    SessionFeatures person = people().get(0);
    BpfActivity ordinary = BpfActivity.newBuilder().setSource("audit").setCommands(40).setShellWrappers(2).build();
    assertThat(FixtureRegressionTest.labels(CFG, withBpf(person, ordinary)))
        .containsEntry("operator.type", "human").doesNotContainKey("agent.tool").doesNotContainKey("operator.evidence");
    // claude started, but nothing ran under it (claude --version, or a chat only)
    assertThat(FixtureRegressionTest.labels(CFG, withBpf(person, agent("claude-code", 0, 3))))
        .containsEntry("operator.type", "human").doesNotContainKey("agent.tool");
  }

  @Test
  void anAgentCliInAPtyLessSingleShotIsAnAgentInItsCohort() {
    SessionFeatures exec = SessionFeatures.newBuilder().setSessionId("x").setSubstrate("teleport-recording")
        .setTeleport(TeleportFeatures.newBuilder().setKind("ssh").setSingleShot(true).setRecordingPresent(true)
            .addInitialCommand("claude").addInitialCommand("-p").addInitialCommand("fix the build"))
        .build();
    assertThat(FixtureRegressionTest.labels(CFG, exec)).containsEntry("operator.type", "unknown");
    Map<String, String> l = FixtureRegressionTest.labels(CFG, withBpf(exec, agent("claude-code", 12, 0)));
    assertThat(l).containsEntry("routing.cohort", "single-shot-non-pty").containsEntry("operator.type", "agent")
        .containsEntry("agent.tool", "claude-code");
  }

  @Test
  void everyShippedTableLetsTheAgentCliDecideWithItsOwnConfidence() throws Exception {
    // a bound of 1 sends every calibrated call below certainty to phase 2 as low-confidence
    EscalationPolicy strict = new EscalationPolicy(true, true, true, false, true, true, 1.0);
    SessionFeatures person = people().get(0);
    SessionFeatures claude = withBpf(person, agent("claude-code", 4, 1));
    for (CadenceTable table : CadenceProfiles.all()) {
      ClassifierConfig cfg = CFG.withCadence(table).withEscalation(strict);
      Map<String, String> l = FixtureRegressionTest.labels(cfg, claude);
      assertThat(l).as(table.version()).containsEntry("operator.type", "agent")
          .containsEntry("agent.tool", "claude-code").containsEntry("operator.evidence", "agent-cli.provider-endpoint")
          .containsEntry("confidence.operator-type", "0.98");
      // the rule's 0.98 is not a probability from the table's calibration: no low-confidence escalation for it
      List<String> reasons = reasons(new Classifier(cfg).classify(claude));
      assertThat(reasons).as(table.version()).contains(EscalationPolicy.AGENT_PTY_SSH)
          .doesNotContain(EscalationPolicy.LOW_CONFIDENCE);
    }
    // the bound does work under a calibrated table: the person's own cadence call is sent on
    ClassifierConfig v2 = CFG.withCadence(CadenceProfiles.V2).withEscalation(strict);
    assertThat(reasons(new Classifier(v2).classify(person))).contains(EscalationPolicy.LOW_CONFIDENCE);
  }

  private static List<String> reasons(Classifier.Result r) {
    return r.escalation().map(e -> List.copyOf(e.getReasonsList())).orElse(List.of());
  }

  @Test
  void aPtySshAgentVerdictIsEscalatedWithItsEvidence() throws Exception {
    SessionFeatures f = withBpf(people().get(0), agent("claude-code", 4, 0));
    Optional<Escalation> esc = new Classifier(CFG).classify(f).escalation();
    assertThat(esc).isPresent();
    assertThat(esc.get().getReasonsList()).contains(EscalationPolicy.AGENT_PTY_SSH);
    assertThat(esc.get().getFeatures().getTeleport().getBpf().getAgentCli().getTool()).isEqualTo("claude-code");
  }
}
