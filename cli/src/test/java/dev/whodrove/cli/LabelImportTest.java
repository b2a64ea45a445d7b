package dev.whodrove.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.classifier.Classifier;
import dev.whodrove.classifier.ClassifierConfig;
import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import dev.whodrove.sim.SimulatedDataset;
import dev.whodrove.sink.LabelSelector;
import dev.whodrove.sink.SessionDatabase;
import dev.whodrove.sink.SessionLabel;
import dev.whodrove.sink.SessionSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code label import} into a real sessions.sqlite, and {@code profiles eval --db} / {@code fit --db} reading it. */
class LabelImportTest {
  @TempDir Path tmp;

  @Test
  void truthIsStoredApartFromVerdictsAndSurvivesAutomation() throws Exception {
    SimulatedDataset.Summary data = SimulatedDataset.write(tmp.resolve("sim"), 9,
        Map.of("human", 3, "gemini-3.1", 3, "model-x", 6), Map.of(), 0.5);
    Path db = tmp.resolve("sessions.sqlite");
    List<Path> recordings;
    try (Stream<Path> s = Files.list(data.recordsDir())) {
      recordings = s.filter(p -> p.toString().endsWith(".tar")).sorted().toList();
    }
    // one session's truth comes as a harvester sidecar instead
    String sidecarSid = OfflineRecording.sessionId(recordings.get(0));
    Path sidecar = tmp.resolve(sidecarSid + ".labels.json");
    Files.writeString(sidecar, """
        {
          "session_id": "%s",
          "recording_path": "/runs/r1/t1/recordings/%s.tar",
          "labels": {
            "operator.type": "agent",
            "agent.tool": "terminus",
            "agent.model": "model-y",
            "fixture.source": "terminal-bench",
            "fixture.task_id": "hello-world"
          }
        }
        """.formatted(sidecarSid, sidecarSid));

    Run r = run("label", "import", "--set-by", "fixture:sim", "--db", db.toString(), data.truthFile().toString());
    assertThat(r.status()).as(r.err()).isZero();
    r = run("label", "import", "--set-by", "fixture:tbench", "--db", db.toString(), sidecar.toString());
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(run("label", "import", "--set-by", "phase1-classifier@v1", "--db", db.toString(),
        sidecar.toString()).err()).contains("must be fixture:<name>");

    // the pipeline's verdicts, as the sink writes them; then an automated stage stamping a truth key
    Classifier classifier = new Classifier(ClassifierConfig.defaults());
    try (SessionDatabase store = SessionDatabase.open(db)) {
      for (Path p : recordings) {
        SessionFeatures f = OfflineRecording.featurize(p, OfflineRecording.NO_PRINTS);
        store.apply(classifier.classify(f.toBuilder().setRevision(1).setComputedAtMs(f.getEndedMs()).build())
            .verdict());
      }
      store.apply(SessionVerdict.newBuilder().setSessionId(sidecarSid).setStage("phase1-classifier@v9")
          .addLabels(Label.newBuilder().setKey("truth.operator").setValue("human").setSetBy("phase1-classifier@v9")
              .setSetAtMs(Long.MAX_VALUE / 2)).build());
    }

    try (SessionDatabase store = SessionDatabase.openReadOnly(db)) {
      Map<String, SessionLabel> side = store.listSessions(LabelSelector.parse("truth.fixture.task_id=hello-world"))
          .get(0).labels();
      assertThat(side.get("truth.operator").value()).isEqualTo("agent");
      assertThat(side.get("truth.operator").setBy()).isEqualTo("fixture:tbench");
      assertThat(side.get("truth.model").value()).isEqualTo("model-y");
      assertThat(side.get("truth.agent.tool").value()).isEqualTo("terminus");
      assertThat(side.get("operator.type").setBy()).startsWith("phase1-classifier@");
      for (SessionSummary s : store.listSessions(LabelSelector.ALL)) {
        s.labels().forEach((k, l) -> assertThat(k.startsWith("truth.")).as(k + " " + l.setBy())
            .isEqualTo(l.setBy().startsWith("fixture:")));
      }
    }

    r = run("profiles", "eval", "--db", db.toString());
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out()).contains("stored verdicts in sessions.sqlite: 12 sessions", "human/agent accuracy",
        "people called agents 0");

    Path table = tmp.resolve("x.json");
    r = run("profiles", "fit", "--model", "model-x", "--db", db.toString(), "--out", table.toString(), "--against",
        "8");
    assertThat(r.status()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("wrote", "leave-one-out", "cadence@v2-model-x");
  }

  private static Run run(String... args) {
    ProfilesCommandTest.Run r = ProfilesCommandTest.run(args);
    return new Run(r.status(), r.out(), r.err());
  }

  record Run(int status, String out, String err) {}
}
