package dev.whodrove.classifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.v1.GcpBurstFeatures;
import dev.whodrove.schemas.v1.GcpCallEvidence;
import dev.whodrove.schemas.v1.GcpSessionFeatures;
import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.SessionFeatures;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import dev.whodrove.schemas.v1.Escalation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The GCP operator rules on call evidence of the shapes each kind of driver leaves (docs/classifier.md). */
class GcpRulesTest {
  private static final String GCLOUD = "google-cloud-sdk gcloud/500.0.0 environment/None environment-version/None "
      + "python/3.12.3 term/xterm-256color (Linux 6.8.0)";
  private static final String USER = "dev@example.com";
  private static final String SA = "ci-deployer@demo-proj.iam.gserviceaccount.com";

  /** gcloud evidence: calls, how many had a terminal / came from a script, and the invocation gaps per bin. */
  private static GcpCallEvidence.Builder gcloud(long calls, long tty, long script, int commands, double meanGapS,
      double cv, long lt2, long b2to10, long b10to40, long b40to120, long ge120) {
    long gaps = lt2 + b2to10 + b10to40 + b40to120 + ge120;
    return GcpCallEvidence.newBuilder().setCalls(calls).setGcloudCalls(calls).setFlaggedCalls(calls).setTtyCalls(tty)
        .setScriptCalls(script).setInvocations(gaps + 1).setDistinctCommands(commands)
        .setCommandChanges(commands > 1 ? gaps / 2 : 0).setInvocationGapMeanS(meanGapS).setInvocationGapCv(cv)
        .setInvocationGapsLt2S(lt2).setInvocationGaps210S(b2to10).setInvocationGaps1040S(b10to40)
        .setInvocationGaps40120S(b40to120).setInvocationGapsGe120S(ge120);
  }

  static GcpCallEvidence.Builder personAtTerminal() {
    return gcloud(40, 40, 0, 9, 48, 0.6, 0, 1, 8, 6, 0);
  }

  static GcpCallEvidence.Builder agentShell() {
    return gcloud(70, 0, 0, 9, 12, 0.7, 2, 12, 15, 1, 0);
  }

  static GcpCallEvidence.Builder ciScript() {
    return gcloud(60, 0, 60, 12, 0.8, 0.4, 28, 1, 0, 0, 0);
  }

  static GcpCallEvidence.Builder pollingLoop() {
    return gcloud(144, 0, 144, 1, 5.6, 0.05, 0, 143, 0, 0, 0);
  }

  static SessionFeatures session(String principal, String ua, GcpCallEvidence.Builder e) {
    return SessionFeatures.newBuilder().setSessionId("gcp-test").setSubstrate("gcp-cloud-audit").setUser(principal)
        .setStartedMs(Reference.T0).setEndedMs(Reference.T0 + 1_800_000).setComputedAtMs(Reference.T0 + 2_400_000)
        .setGcp(GcpSessionFeatures.newBuilder().setPrincipal(principal).setCallCount(e.getCalls())
            .setSampleUserAgent(ua).addUserAgents(ua)
            .addBuckets(Reference.bucket(Reference.T0, e.getCalls() / 2, "v1.compute.instances.list"))
            .addBuckets(Reference.bucket(Reference.T0 + 60_000, e.getCalls() / 2, "v1.compute.instances.get"))
            .setEvidence(e))
        .build();
  }

  static SessionFeatures burst(String principal, String ua, double dominantShare, GcpCallEvidence.Builder e) {
    return Reference.burst("gcpburst-test", principal, ua, dominantShare, Reference.scaled(Reference.OPUS)).toBuilder()
        .setBurst(GcpBurstFeatures.newBuilder().setPrincipal(principal).setCallerIp("10.0.0.7").setUserAgent(ua)
            .setEntryCount(e.getCalls()).setDominantMethod("v1.compute.instances.get")
            .setDominantMethodShare(dominantShare).setScaleFactor(0.125).setEvidence(e))
        .build();
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("person at a terminal", session(USER, GCLOUD, personAtTerminal()),
            Map.of("operator.type", "human", "confidence.operator-type", "0.85", "operator.evidence", "tty.think-time",
                "cadence.label", "human")),
        Arguments.of("person at a terminal, burst", burst(USER, GCLOUD, 0.3, personAtTerminal()),
            Map.of("operator.type", "human", "operator.evidence", "tty.think-time", "cadence.label", "human")),
        Arguments.of("agent through its shell", session(USER, GCLOUD, agentShell()),
            Map.of("operator.type", "agent", "confidence.operator-type", "0.85", "operator.evidence",
                "no-tty.tool-loop", "cadence.label", "agent")),
        Arguments.of("agent through its shell, burst, early denials", burst(USER, GCLOUD, 0.2,
                agentShell().setEarlyDeniedCalls(2)),
            Map.of("operator.type", "agent", "confidence.operator-type", "0.9", "cadence.label", "agent",
                "substrate.kind", "gcp-gcloud-burst")),
        Arguments.of("no terminal, tool-loop rhythm, two commands", session(USER, GCLOUD,
                agentShell().setDistinctCommands(2)),
            Map.of("operator.type", "unknown", "operator.reason", "insufficient-evidence", "operator.evidence",
                "no-tty.tool-loop")),
        Arguments.of("named agent, invocations agree", session(USER, "claude-code/2.0.14 " + GCLOUD, agentShell()),
            Map.of("operator.type", "agent", "confidence.operator-type", "0.95", "operator.evidence",
                "ua-agent-name.no-tty.tool-loop", "gcp.ua.tool", "claude-code")),
        Arguments.of("named agent without invocations", session(USER, "claude-code/2.0.14 " + GCLOUD,
                GcpCallEvidence.newBuilder().setCalls(12)),
            Map.of("operator.type", "agent", "confidence.operator-type", "0.9", "operator.evidence", "ua-agent-name")),
        Arguments.of("named agent, a person's terminal and think time", session(USER, "claude-code/2.0.14 " + GCLOUD,
                personAtTerminal()),
            Map.of("operator.type", "unknown", "operator.reason", "conflicting-evidence", "operator.evidence",
                "ua-agent-name.tty.think-time")),
        Arguments.of("named agent, polling burst", burst(USER, "claude-code/2.0.14 " + GCLOUD, 1.0, pollingLoop()),
            Map.of("operator.type", "unknown", "operator.reason", "polling", "cadence.label", "polling")),
        Arguments.of("CI script under a service account", session(SA, GCLOUD, ciScript()),
            Map.of("operator.type", "unknown", "operator.reason", "scripted", "operator.evidence", "from-script",
                "routing.cohort", "sa-only", "cadence.label", "scripted")),
        Arguments.of("back to back without the script flag", session(USER, GCLOUD, ciScript().setScriptCalls(0)),
            Map.of("operator.type", "unknown", "operator.reason", "scripted", "operator.evidence", "back-to-back")),
        Arguments.of("polling loop, session", session(USER, GCLOUD, pollingLoop().setScriptCalls(0)),
            Map.of("operator.type", "unknown", "operator.reason", "polling", "operator.evidence", "fixed-interval",
                "cadence.label", "polling")),
        Arguments.of("polling loop, burst", burst(USER, GCLOUD, 1.0, pollingLoop()),
            Map.of("operator.type", "unknown", "operator.reason", "polling", "operator.evidence", "dominant-method",
                "cadence.label", "polling")),
        Arguments.of("Cloud Console", session(USER, "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36",
                GcpCallEvidence.newBuilder().setCalls(50).setBrowserCalls(50)),
            Map.of("operator.type", "unknown", "operator.reason", "console", "operator.evidence", "browser-ua")),
        Arguments.of("Terraform", session(USER, "Terraform/1.9.5 terraform-provider-google/5.40.0",
                GcpCallEvidence.newBuilder().setCalls(80).setIacCalls(80)),
            Map.of("operator.type", "unknown", "operator.reason", "scripted", "operator.evidence", "iac-ua")),
        Arguments.of("service account, nothing to go on", session(SA, "client-go/v0.28.0",
                GcpCallEvidence.newBuilder().setCalls(30)),
            Map.of("operator.type", "unknown", "operator.reason", "sa-only", "operator.evidence", "none")),
        Arguments.of("service account impersonated by a person at a terminal", session(SA, GCLOUD,
                personAtTerminal().setImpersonationCalls(40).setPersonDelegatedCalls(40)),
            Map.of("operator.type", "human", "routing.cohort", "phase1-cadence", "gcp.principal.type",
                "service-account")),
        Arguments.of("no terminal but a person's think time", session(USER, GCLOUD, personAtTerminal().setTtyCalls(0)),
            Map.of("operator.type", "unknown", "operator.reason", "conflicting-evidence", "operator.evidence",
                "no-tty.think-time")),
        Arguments.of("a terminal with a tool-loop rhythm", session(USER, GCLOUD, agentShell().setTtyCalls(70)),
            Map.of("operator.type", "unknown", "operator.reason", "conflicting-evidence", "operator.evidence",
                "tty.tool-loop")),
        Arguments.of("terminal on half the calls", session(USER, GCLOUD, agentShell().setTtyCalls(35)),
            Map.of("operator.type", "unknown", "operator.reason", "conflicting-evidence", "operator.evidence",
                "mixed-tty")),
        Arguments.of("a terminal, two commands", session(USER, GCLOUD, gcloud(3, 3, 0, 2, 30, 0, 0, 0, 1, 0, 0)),
            Map.of("operator.type", "human", "confidence.operator-type", "0.6", "operator.evidence", "tty",
                "cadence.label", "insufficient_data")),
        Arguments.of("one invocation", session(USER, GCLOUD, gcloud(2, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0)),
            Map.of("operator.type", "unknown", "operator.reason", "insufficient-evidence")),
        Arguments.of("GKE exec without evidence", session(USER, "kubectl/v1.28.2 (darwin/amd64) kubernetes/89a4ea3",
                GcpCallEvidence.newBuilder().setCalls(4)).toBuilder().setGcp(session(USER, "kubectl/v1.28.2",
                    GcpCallEvidence.newBuilder().setCalls(4)).getGcp().toBuilder()
                .addBuckets(Reference.bucket(Reference.T0 + 120_000, 4, "io.k8s.core.v1.pods.exec.create"))).build(),
            Map.of("operator.type", "unknown", "operator.reason", "gke-exec-opaque")));
  }

  private static Map<String, String> labels(SessionFeatures f) {
    return new Classifier(ClassifierConfig.defaults()).classify(f).verdict().getLabelsList().stream()
        .collect(Collectors.toMap(Label::getKey, Label::getValue, (a, b) -> b, LinkedHashMap::new));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void caseTable(String name, SessionFeatures f, Map<String, String> expected) {
    Map<String, String> l = labels(f);
    assertThat(l).as(name).containsAllEntriesOf(expected);
    assertThat(l).as(name).containsKey("operator.evidence");
    if (l.get("operator.type").equals("unknown")) {
      assertThat(l).as(name + ": an unknown says why").containsKey("operator.reason");
    } else {
      assertThat(l).as(name).doesNotContainKey("operator.reason");
    }
  }

  /** Whatever the thresholds: none of these drivers is ever called an agent. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("neverAgents")
  void neverCalledAnAgent(String name, SessionFeatures f) {
    assertThat(labels(f).get("operator.type")).as(name).isNotEqualTo("agent");
  }

  static Stream<Arguments> neverAgents() {
    List<GcpCallEvidence.Builder> people = List.of(personAtTerminal(), personAtTerminal().setInvocationGapMeanS(15)
        .setInvocationGaps210S(6).setInvocationGaps1040S(9).setInvocationGaps40120S(0),
        gcloud(40, 40, 0, 9, 6, 0.3, 1, 14, 0, 0, 0));
    return Stream.concat(people.stream().map(e -> Arguments.of("person at a terminal " + e.getInvocationGapMeanS(),
            session(USER, GCLOUD, e))),
        Stream.of(Arguments.of("CI script", burst(SA, GCLOUD, 0.3, ciScript())),
            Arguments.of("CI script with pauses", session(SA, GCLOUD, agentShell().setScriptCalls(70))),
            Arguments.of("Terraform", session(USER, "Terraform/1.9.5", agentShell().clearFlaggedCalls()
                .setIacCalls(70))),
            Arguments.of("Console", session(USER, "Mozilla/5.0", agentShell().clearFlaggedCalls().setBrowserCalls(70))),
            Arguments.of("polling", burst(USER, GCLOUD, 0.99, agentShell()))));
  }

  private static List<String> escalation(ClassifierConfig cfg, SessionFeatures f) {
    return new Classifier(cfg).classify(f).escalation().<List<String>>map(Escalation::getReasonsList).orElse(List.of());
  }

  private static List<String> escalation(SessionFeatures f) {
    return escalation(ClassifierConfig.defaults(), f);
  }

  /** notes-gcp/06 phase 2: a person's privileged session and sessions the rules could not settle. */
  @Test
  void privilegedAndAmbiguousSessionsOfPeopleGoToPhaseTwo() {
    GcpCallEvidence.Builder privileged = personAtTerminal().setPrivilegedCalls(2).addPrivilegedMethods("SetIamPolicy");
    assertThat(escalation(session(USER, GCLOUD, privileged))).containsExactly("gcp-privileged");
    assertThat(escalation(session(SA, GCLOUD, privileged.clone().setImpersonationCalls(40)
        .setPersonDelegatedCalls(40)))).as("a person through a service account").containsExactly("gcp-privileged");
    assertThat(escalation(session(SA, GCLOUD, ciScript().setPrivilegedCalls(3)))).as("a CI service account").isEmpty();
    assertThat(escalation(session(USER, GCLOUD, personAtTerminal()))).as("nothing privileged").isEmpty();
    assertThat(escalation(burst(USER, GCLOUD, 0.3, privileged))).as("bursts: their session escalates").isEmpty();

    Escalation esc = new Classifier(ClassifierConfig.defaults()).classify(session(USER, GCLOUD,
        agentShell().setTtyCalls(70))).escalation().orElseThrow();
    assertThat(esc.getReasonsList()).containsExactly("gcp-ambiguous");
    assertThat(esc.getFeatures().getGcp().getEvidence().getInvocations()).isEqualTo(31);
    assertThat(escalation(session(USER, GCLOUD, gcloud(40, 0, 0, 9, 30, 0.9, 3, 6, 5, 3, 3))))
        .as("flags but no clear rhythm").containsExactly("gcp-ambiguous");
    assertThat(escalation(session(USER, GCLOUD, pollingLoop()))).as("polling is settled").isEmpty();

    ClassifierConfig off = ClassifierConfig.defaults().withEscalation(
        new EscalationPolicy(true, true, true, false, false, false));
    assertThat(escalation(off, session(USER, GCLOUD, privileged))).isEmpty();
    assertThat(escalation(off, session(USER, GCLOUD, agentShell().setTtyCalls(70)))).isEmpty();
  }
}
