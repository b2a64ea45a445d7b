package dev.whodrove.classifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.v1.DatabaseActivity;
import dev.whodrove.schemas.v1.EventRhythm;
import dev.whodrove.schemas.v1.NameCount;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.TeleportFeatures;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Interactive kubectl exec sessions are scored by their terminal cadence; database sessions by the rhythm of their
 * statements; everything else of kind kube or db keeps the single-shot cohort.
 */
class KubeDatabaseRulesTest {
  private static final ClassifierConfig CFG = ClassifierConfig.defaults();

  private static SessionFeatures asKube(SessionFeatures f, boolean interactive) {
    return f.toBuilder().setTeleport(f.getTeleport().toBuilder().setKind("kube").setInteractive(interactive)).build();
  }

  @Test
  void anInteractiveKubectlExecIsATerminal() throws Exception {
    SessionFeatures person = AgentCliRuleTest.people().get(0);
    Map<String, String> l = FixtureRegressionTest.labels(CFG, asKube(person, true));
    assertThat(l).containsEntry("routing.cohort", "phase1-cadence").containsEntry("operator.type", "human")
        .containsEntry("cadence.label", "human");
    // the same output without an interactive terminal (kubectl exec pod -- cmd) stays in its cohort
    assertThat(FixtureRegressionTest.labels(CFG, asKube(person, false)))
        .containsEntry("routing.cohort", "single-shot-non-pty").containsEntry("operator.type", "unknown")
        .doesNotContainKey("cadence.label");
    // API calls only: no terminal at all
    SessionFeatures api = SessionFeatures.newBuilder().setSessionId("k").setSubstrate("teleport-recording")
        .setTeleport(TeleportFeatures.newBuilder().setKind("kube").setRecordingPresent(false)).build();
    assertThat(FixtureRegressionTest.labels(CFG, api)).containsEntry("routing.cohort", "single-shot-non-pty");
  }

  /** A database session whose statement bursts are separated by these gap counts (bins <2, 2–10, 10–40, 40–120, ≥120 s). */
  private static SessionFeatures db(long lt2, long s2to10, long s10to40, long s40to120, long ge120, double mean,
      double cv, int kinds) {
    DatabaseActivity.Builder d = DatabaseActivity.newBuilder().setSource("recording").setProtocol("postgres")
        .setQueries(lt2 + s2to10 + s10to40 + s40to120 + ge120 + 1)
        .setQueryRhythm(EventRhythm.newBuilder().setGapsLt2S(lt2).setGaps210S(s2to10).setGaps1040S(s10to40)
            .setGaps40120S(s40to120).setGapsGe120S(ge120).setGapMeanS(mean).setGapCv(cv));
    for (int i = 0; i < kinds; i++) {
      d.addStatementKinds(NameCount.newBuilder().setName("K" + i).setCount(1));
    }
    return SessionFeatures.newBuilder().setSessionId("d").setSubstrate("teleport-recording")
        .setTeleport(TeleportFeatures.newBuilder().setKind("db").setRecordingPresent(true).setDb(d)).build();
  }

  @Test
  void databaseStatementRhythm() {
    assertThat(FixtureRegressionTest.labels(CFG, db(1, 8, 7, 1, 0, 11, 0.7, 4)))
        .containsEntry("operator.type", "agent").containsEntry("operator.evidence", "db.tool-loop")
        .containsEntry("cadence.label", "agent").containsEntry("routing.cohort", "phase1-cadence");
    assertThat(FixtureRegressionTest.labels(CFG, db(0, 1, 6, 5, 2, 48, 0.9, 4)))
        .containsEntry("operator.type", "human").containsEntry("operator.evidence", "db.think-time")
        .containsEntry("cadence.label", "human");
    // a quick person: every gap 10-40 s as a tool loop's could be, but a person's mean (22 s), not a model turn's
    assertThat(FixtureRegressionTest.labels(CFG, db(0, 0, 10, 1, 0, 22, 0.4, 4)))
        .containsEntry("operator.type", "human");
    assertThat(FixtureRegressionTest.labels(CFG, db(9, 1, 0, 0, 0, 1.3, 0.4, 3)))
        .containsEntry("operator.type", "unknown").containsEntry("operator.reason", "scripted");
    assertThat(FixtureRegressionTest.labels(CFG, db(0, 12, 0, 0, 0, 5, 0.05, 1)))
        .containsEntry("operator.type", "unknown").containsEntry("operator.reason", "polling")
        .containsEntry("cadence.label", "polling");
    // four gaps: too few to read; the cohort as before
    assertThat(FixtureRegressionTest.labels(CFG, db(0, 2, 2, 0, 0, 10, 0.5, 2)))
        .containsEntry("operator.type", "unknown").containsEntry("routing.cohort", "single-shot-non-pty")
        .containsEntry("cadence.label", "insufficient_data").doesNotContainKey("operator.evidence");
    // no database features (an older featurizer): the cohort
    SessionFeatures old = SessionFeatures.newBuilder().setSessionId("o").setSubstrate("teleport-recording")
        .setTeleport(TeleportFeatures.newBuilder().setKind("db")).build();
    assertThat(FixtureRegressionTest.labels(CFG, old)).containsEntry("routing.cohort", "single-shot-non-pty")
        .doesNotContainKey("cadence.label");
  }
}
