package dev.whodrove.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One identity on both substrates at once, and what must not be taken for it. Each instance places, in its own
 * 25-minute slot:
 *
 * <ul>
 *   <li>an agent driving an SSH session as Teleport user {@code frank<n>} (a model's cadence, 12 minutes) while
 *       running gcloud from its shell tool as {@code frank<n>@corp.example} — no terminal, a fresh invocation id per
 *       command, the agent's name in the user agent in every other instance: the pair to find;
 *   <li>another identity's agent ({@code heidi<n>@corp.example}) running gcloud in the same minutes, with no Teleport
 *       session: no pair;
 *   <li>{@code frank<n>@corp.example}'s agent on gcloud again four hours later: no pair with the SSH session;
 *   <li>a person ({@code ivan<n>}) typing in an SSH session and running gcloud at a terminal alongside: paired, and
 *       never a high-tier pair.
 * </ul>
 *
 * Teleport users are bare names and GCP principals emails, as in many organisations: the correlator pairs them only
 * with the identity rule {@link #IDENTITY_RULE}. The data of the other profiles never matches it.
 */
public final class CrossSubstrateScenario {
  public static final String DOMAIN = "corp.example";
  /** The identity-bridge rule that joins this scenario's Teleport users to their GCP principals. */
  public static final String IDENTITY_RULE = "teleport:{name} = {name}@" + DOMAIN;
  /** Truth profiles of the scenario's sessions and activities. */
  public static final String TELEPORT_AGENT = "xs-agent";
  public static final String TELEPORT_HUMAN = "xs-human";
  public static final String GCP_AGENT = "xs-agent-gcloud";
  public static final String GCP_CONFOUNDER = "xs-confounder-gcloud";
  public static final String GCP_HUMAN = "xs-human-gcloud";
  /** What the truth expects of a (Teleport session, GCP activity) combination. */
  public static final String EXPECT_AGENT = "agent";
  public static final String EXPECT_PERSON = "person";
  public static final String EXPECT_NONE = "none";

  private static final long SLOT_MS = Duration.ofMinutes(25).toMillis();
  private static final long LATER_MS = Duration.ofHours(4).toMillis();

  /**
   * A combination the truth has an expectation about: the Teleport session and a GCP principal's activity between
   * two times, and whether they should pair ({@code agent}, {@code person}) or not ({@code none}, with why).
   */
  public record Expected(String teleportSessionId, String gcpPrincipal, long gcpFromMs, long gcpToMs, String expect,
      String why) {}

  /** What was simulated. */
  public record Result(List<SimulatedSession> teleport, List<GcpSimulator.Activity> gcp, List<Expected> expected) {}

  private CrossSubstrateScenario() {}

  /**
   * @param startMs the first slot starts ten minutes after this
   * @param recordsUrlPrefix as for {@link TeleportSimulator}
   */
  public static Result generate(long seed, long startMs, int count, String recordsUrlPrefix) {
    TeleportSimulator teleport = new TeleportSimulator(seed ^ 0x5851F42D4C957F2DL, startMs, recordsUrlPrefix);
    GcpSimulator gcp = new GcpSimulator(seed ^ 0x2545F4914F6CDD1DL, startMs);
    List<SimulatedSession> sessions = new ArrayList<>();
    List<GcpSimulator.Activity> activities = new ArrayList<>();
    List<Expected> expected = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long base = startMs + Duration.ofMinutes(10).toMillis() + i * SLOT_MS;
      String model = CadenceModel.AGENT_NAMES.get(i % CadenceModel.AGENT_NAMES.size());
      String agentUser = "frank" + (i + 1);
      String agentPrincipal = agentUser + "@" + DOMAIN;
      SimulatedSession agentSsh = profiled(teleport.session(model, agentUser, base, 720), TELEPORT_AGENT);
      GcpSimulator.Activity agentGcloud = gcp.agentBetween(GCP_AGENT, agentPrincipal, base + 40_000,
          agentSsh.endMs() - 40_000, i % 2 == 0);
      GcpSimulator.Activity confounder = gcp.agentBetween(GCP_CONFOUNDER, "heidi" + (i + 1) + "@" + DOMAIN,
          base + 30_000, base + 600_000, true);
      GcpSimulator.Activity later = gcp.agentBetween(GCP_AGENT, agentPrincipal, base + LATER_MS,
          base + LATER_MS + 480_000, false);
      String person = "ivan" + (i + 1);
      SimulatedSession personSsh = profiled(teleport.session("human", person, base + 60_000, 600), TELEPORT_HUMAN);
      GcpSimulator.Activity personGcloud = gcp.humanBetween(GCP_HUMAN, person + "@" + DOMAIN, base + 90_000,
          personSsh.endMs() - 60_000);

      sessions.add(agentSsh);
      sessions.add(personSsh);
      activities.add(agentGcloud);
      activities.add(confounder);
      activities.add(later);
      activities.add(personGcloud);
      expected.add(expect(agentSsh, agentGcloud, EXPECT_AGENT, "the same identity's agent in both places"));
      expected.add(expect(agentSsh, confounder, EXPECT_NONE, "another identity in the same minutes"));
      expected.add(expect(agentSsh, later, EXPECT_NONE, "the same identity four hours later"));
      expected.add(expect(personSsh, personGcloud, EXPECT_PERSON, "a person in both places"));
    }
    return new Result(sessions, activities, expected);
  }

  private static SimulatedSession profiled(SimulatedSession s, String profile) {
    return new SimulatedSession(s.sessionId(), profile, s.expectedOperator(), s.expectedModel(), s.recording(),
        s.auditJsonLines(), s.startMs(), s.endMs());
  }

  private static Expected expect(SimulatedSession s, GcpSimulator.Activity a, String expect, String why) {
    return new Expected(s.sessionId(), a.principal(), a.startMs(), a.endMs(), expect, why);
  }
}
