package dev.whodrove.featurizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.whodrove.schemas.v1.BpfActivity;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import dev.whodrove.sim.SimulatedSession;
import dev.whodrove.sim.TeleportSimulator;
import dev.whodrove.testkit.TeleportAuditFixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The simulator's enhanced-recording sessions through the BPF features: a person who starts claude leaves every
 * command of the agent under the agent's process; a person running ordinary programs leaves none.
 */
class SimulatedNodeSessionsTest {
  private static List<TeleportAuditEvent> bpfEvents(SimulatedSession s) {
    return s.auditJsonLines().stream().map(TeleportAuditFixtures::parse)
        .filter(o -> o.get("event").asText().startsWith("session.") && o.has("pid"))
        .map((ObjectNode o) -> BpfFeaturesTest.event(o)).toList();
  }

  @Test
  void claudeOnTheNodeAndAPersonAtBash() {
    TeleportSimulator sim = new TeleportSimulator(21, Recordings.T0, "file:///records");
    for (int i = 0; i < 20; i++) {
      SimulatedSession claude = sim.next("claude-on-node");
      List<TeleportAuditEvent> events = bpfEvents(claude);
      BpfActivity b = BpfFeaturesTest.featurize(events).getTeleport().getBpf();
      long commands = events.stream().filter(e -> e.getType().equals("session.command")).count();
      assertThat(b.getCommands()).isEqualTo(commands);
      assertThat(b.getAgentCli().getTool()).isEqualTo("claude-code");
      assertThat(b.getAgentCli().getMatchedBy()).isEqualTo("program:claude");
      // everything but the person's git pull, claude itself, its node re-exec and the person's closing git diff
      assertThat(b.getAgentCli().getDescendantCommands()).isEqualTo(commands - 4);
      assertThat(b.getAgentCli().getOtherCommandsAfter()).isEqualTo(1);
      assertThat(b.getAgentCli().getDescendantShellWrappers()).isEqualTo(b.getShellWrappers()).isPositive();
      assertThat(b.getAgentCli().getProviderConnections()).isEqualTo(b.getConnections()).isPositive();
      assertThat(claude.expectedTool()).isEqualTo("claude-code");

      SimulatedSession person = sim.next("human-bpf");
      BpfActivity p = BpfFeaturesTest.featurize(bpfEvents(person)).getTeleport().getBpf();
      assertThat(p.hasAgentCli()).isFalse();
      assertThat(p.getShellWrappers()).isZero();
      assertThat(p.getProviderConnections()).isZero();
      assertThat(p.getCommands()).isPositive();
      assertThat(person.expectedTool()).isEmpty();
    }
  }
}
