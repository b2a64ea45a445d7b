package dev.whodrove.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.classifier.CadenceProfiles;
import dev.whodrove.classifier.CadenceTable;
import dev.whodrove.classifier.ClassifierConfig;
import dev.whodrove.classifier.ProfileEvaluation;
import dev.whodrove.sim.SimulatedDataset;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code profiles eval} and {@code profiles fit} on small simulated corpora with fixed seeds. */
class ProfilesCommandTest {
  static final List<String> PUBLISHED = List.of("human", "kimi-k2.6", "gemini-3.1", "opus-4.6", "gpt-5.5");
  @TempDir Path tmp;

  record Run(int status, String out, String err) {}

  static Run run(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    int status;
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      status = Main.commandLine().execute(args);
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
    return new Run(status, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
  }

  static ProfileEvaluation.Report eval(CadenceTable t, List<ProfileEvaluation.Case> cases) {
    return ProfileEvaluation.evaluate(ClassifierConfig.defaults().withCadence(t), cases);
  }

  @Test
  void v2MeetsTheTargetsAtSpreadHalfAndDoesNotRegressAtZero() {
    List<ProfileEvaluation.Case> spread = SimulatedCorpus.cases(PUBLISHED, 16, 0.5, 42);
    ProfileEvaluation.Report v1 = eval(CadenceProfiles.V1, spread);
    ProfileEvaluation.Report v2 = eval(CadenceProfiles.V2, spread);
    assertThat(v2.operatorAccuracy()).isGreaterThanOrEqualTo(0.99);
    assertThat(v2.modelAttribution()).isGreaterThanOrEqualTo(0.9);
    assertThat(v2.humansCalledAgents()).isZero();
    // the spread is what v1 cannot take: it loses sessions to people and to the wrong model
    assertThat(v1.modelAttribution()).isLessThan(v2.modelAttribution());

    List<ProfileEvaluation.Case> flat = SimulatedCorpus.cases(PUBLISHED, 12, 0.0, 43);
    assertThat(eval(CadenceProfiles.V2, flat).operatorAccuracy()).isGreaterThanOrEqualTo(
        eval(CadenceProfiles.V1, flat).operatorAccuracy());
    assertThat(eval(CadenceProfiles.V2, flat).modelAttribution()).isGreaterThanOrEqualTo(
        eval(CadenceProfiles.V1, flat).modelAttribution());
  }

  @Test
  void evalReadsRecordingsWithTheirTruth() throws Exception {
    SimulatedDataset.Summary data = SimulatedDataset.write(tmp.resolve("sim"), 5,
        Map.of("human", 2, "opus-4.6", 2, "gpt-5.5", 2, "exec", 1), Map.of(), 0.5);
    Run r = run("profiles", "eval", "--table", "v2", "--truth", data.truthFile().toString(),
        data.recordsDir().toString());
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out()).contains("table cadence@v2: 6 sessions", "human/agent accuracy 100.0%",
        "model attribution 100.0% of 4", "ECE");
    assertThat(r.out().lines().filter(l -> l.startsWith("opus-4.6 ")).findFirst().orElseThrow())
        .matches("opus-4.6\\s+0\\s+0\\s+2.*");
    assertThat(r.err()).contains("1 recording(s) without a human or agent truth record skipped");
  }

  @Test
  void aProfileFittedOnTenRecordingsOfAnUnseenModelAttributesItAndKeepsTheOthers() throws Exception {
    SimulatedDataset.Summary train = SimulatedDataset.write(tmp.resolve("train"), 21, Map.of("model-x", 10),
        Map.of(), 0.5);
    Path table = tmp.resolve("fitted.json");
    Run r = run("profiles", "fit", "--model", "model-x", "--out", table.toString(), "--against", "12",
        train.recordsDir().toString());
    assertThat(r.status()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("leave-one-out", "cadence@v2-model-x");
    CadenceTable fitted = CadenceProfiles.resolve(table.toString());
    assertThat(fitted.stage()).isEqualTo("cadence@v2-model-x");

    List<ProfileEvaluation.Case> unseen = SimulatedCorpus.cases(List.of("model-x"), 20, 0.5, 77);
    ProfileEvaluation.Report x = eval(fitted, unseen);
    long attributed = x.outcomes().stream().filter(o -> o.predictedClass().equals("model-x")).count();
    assertThat(attributed).as(x.render()).isGreaterThanOrEqualTo(18);

    ProfileEvaluation.Report others = eval(fitted, SimulatedCorpus.cases(PUBLISHED, 12, 0.5, 78));
    assertThat(others.modelAttribution()).as(others.render()).isGreaterThanOrEqualTo(0.9);
    assertThat(others.humanAccuracy()).as(others.render()).isEqualTo(1.0);
  }

  @Test
  void fitRefusesTooFewRecordingsAndAModelItCannotTellApart() throws Exception {
    SimulatedDataset.Summary few = SimulatedDataset.write(tmp.resolve("few"), 3, Map.of("model-x", 3), Map.of());
    Run r = run("profiles", "fit", "--model", "model-x", "--out", tmp.resolve("a.json").toString(), "--against", "4",
        few.recordsDir().toString());
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("refused", "3 usable recording(s) of model-x");
    assertThat(tmp.resolve("a.json")).doesNotExist();

    // opus under another name: the shipped opus profile wins every tie, so the copy separates nothing
    SimulatedDataset.Summary opus = SimulatedDataset.write(tmp.resolve("opus"), 4, Map.of("opus-4.6", 6), Map.of());
    r = run("profiles", "fit", "--model", "opus-copy", "--out", tmp.resolve("b.json").toString(), "--against", "6",
        opus.recordsDir().toString());
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("refused", "indistinguishable");
    assertThat(tmp.resolve("b.json")).doesNotExist();
    assertThat(Files.exists(tmp.resolve("b.json"))).isFalse();
  }
}
