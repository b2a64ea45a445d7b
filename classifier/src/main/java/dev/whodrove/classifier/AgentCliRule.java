package dev.whodrove.classifier;

import dev.whodrove.schemas.v1.AgentCliEvidence;
import dev.whodrove.schemas.v1.SessionFeatures;

/**
 * The strongest Teleport evidence: a coding-agent CLI ran on the node inside the session (its BPF execve events) and
 * commands descend from it in the process tree. That session was driven, at least in part, by the agent, whatever
 * the terminal cadence says — a person typing the prompt leaves a person's keystrokes — so this rule runs after the
 * cadence and PTY rules and overrides their operator call; their cadence labels stay as they are. It stamps
 * {@code agent.tool}, {@code operator.type=agent} and {@code operator.evidence} ({@code agent-cli}, or
 * {@code agent-cli.provider-endpoint} when the agent's process tree also connected to a model-provider endpoint).
 */
final class AgentCliRule {
  /** Commands that must descend from the agent CLI: an agent that ran none drove nothing on the node. */
  static final long MIN_DESCENDANTS = 1;
  static final double CONFIDENCE = 0.95;
  static final double CONFIDENCE_CORROBORATED = 0.98;

  private AgentCliRule() {}

  /** @return whether the rule decided the operator */
  static boolean apply(SessionFeatures f, Assessment a) {
    if (!f.getTeleport().getBpf().hasAgentCli()) {
      return false;
    }
    AgentCliEvidence e = f.getTeleport().getBpf().getAgentCli();
    if (e.getTool().isEmpty() || e.getDescendantCommands() < MIN_DESCENDANTS) {
      return false;
    }
    boolean corroborated = e.getProviderConnections() > 0;
    double confidence = corroborated ? CONFIDENCE_CORROBORATED : CONFIDENCE;
    a.phase1(LabelKeys.AGENT_TOOL, e.getTool());
    a.phase1(LabelKeys.CONFIDENCE_AGENT_TOOL, LabelSet.decimal(confidence));
    a.operator(LabelKeys.AGENT, confidence);
    a.calibrated = false; // the rule's own confidence, not a probability from the cadence table's calibration
    a.operatorEvidence = corroborated ? LabelKeys.EVIDENCE_AGENT_CLI_PROVIDER : LabelKeys.EVIDENCE_AGENT_CLI;
    return true;
  }
}
