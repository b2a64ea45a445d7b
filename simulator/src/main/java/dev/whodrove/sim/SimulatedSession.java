package dev.whodrove.sim;

import dev.whodrove.schemas.teleport.OneOf;
import java.util.List;

/**
 * A simulated Teleport session: its recording events and the audit events Teleport would log for it, plus the truth
 * (who drove) for scoring a classifier.
 *
 * @param expectedOperator human, agent or unknown
 * @param expectedModel the agent model for model profiles, else empty
 * @param expectedTool the coding-agent CLI the node ran ({@code agent.tool}), else empty
 */
public record SimulatedSession(String sessionId, String profile, String expectedOperator, String expectedModel,
    List<OneOf> recording, List<String> auditJsonLines, long startMs, long endMs, String expectedTool) {}
