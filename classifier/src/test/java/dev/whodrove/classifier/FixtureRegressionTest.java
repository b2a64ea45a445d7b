package dev.whodrove.classifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import dev.whodrove.testkit.Asciicast;
import dev.whodrove.testkit.AsciicastFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real recordings (7 people, 3 agent harnesses) through the phase-1 classifier: under cadence@v1 no person is called an
 * agent and every agent is. Also writes the v0-vs-v1 table docs/classifier.md quotes to target/fixture-cadence.md.
 */
class FixtureRegressionTest {
  record Row(String name, boolean human, SessionFeatures features) {}

  static final List<Row> ROWS = new ArrayList<>();

  @BeforeAll
  static void load() throws IOException {
    Path root = AsciicastFixtures.directory();
    for (String dir : List.of("human", "agent")) {
      try (Stream<Path> files = Files.list(root.resolve(dir))) {
        for (Path p : files.sorted().toList()) {
          String name = p.getFileName().toString().replace(".cast", "");
          ROWS.add(new Row(name, dir.equals("human"), AsciicastCadence.session(name, Asciicast.read(p))));
        }
      }
    }
    assertThat(ROWS).hasSize(10);
  }

  static Map<String, String> labels(ClassifierConfig cfg, SessionFeatures f) {
    SessionVerdict v = new Classifier(cfg).classify(f).verdict();
    Map<String, String> m = new TreeMap<>();
    v.getLabelsList().forEach(l -> m.put(l.getKey(), l.getValue()));
    return m;
  }

  @Test
  void v1CallsNoPersonAnAgentAndEveryAgentAnAgent() {
    ClassifierConfig v1 = ClassifierConfig.defaults();
    for (Row r : ROWS) {
      Map<String, String> l = labels(v1, r.features());
      if (r.human()) {
        assertThat(l.get("operator.type")).as(r.name() + " " + l).isEqualTo("human");
      } else {
        assertThat(l.get("operator.type")).as(r.name() + " " + l).isEqualTo("agent");
        // none of these harnesses runs a profiled model: an agent without a model name
        assertThat(l).as(r.name()).doesNotContainKey("agent.suspected_model");
      }
    }
  }

  @Test
  void everyLaterTableCallsNoPersonAnAgentAndEveryAgentAnAgent() throws IOException {
    StringBuilder sb = new StringBuilder("| fixture | truth | table | cadence.label | operator.type | confidence |\n"
        + "|---|---|---|---|---|---|\n");
    for (CadenceTable t : CadenceProfiles.all().subList(1, CadenceProfiles.all().size())) {
      ClassifierConfig cfg = ClassifierConfig.defaults().withCadence(t);
      for (Row r : ROWS) {
        Map<String, String> l = labels(cfg, r.features());
        assertThat(l.get("operator.type")).as(t.stage() + " " + r.name() + " " + l)
            .isEqualTo(r.human() ? "human" : "agent");
        sb.append(String.format("| %s | %s | %s | %s | %s | %s |%n", r.name(), r.human() ? "human" : "agent",
            t.stage(), l.get("cadence.label"), l.get("operator.type"), l.get("confidence.operator-type")));
      }
    }
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target", "fixture-cadence-tables.md"), sb.toString());
  }

  @Test
  void v1HoldsWithOnlyTheNotes10FeaturesToo() {
    ClassifierConfig v1 = ClassifierConfig.defaults();
    for (Row r : ROWS) {
      Map<String, String> l = labels(v1, AsciicastCadence.withoutV1Evidence(r.features()));
      assertThat(l.get("operator.type")).as(r.name() + " " + l).isEqualTo(r.human() ? "human" : "agent");
    }
  }

  @Test
  void v0ReproducesTheKnownMistakes() {
    ClassifierConfig v0 = ClassifierConfig.defaults().withCadence(CadenceProfiles.V0);
    long humansCalledAgents = ROWS.stream().filter(Row::human)
        .filter(r -> "agent".equals(labels(v0, r.features()).get("operator.type"))).count();
    assertThat(humansCalledAgents).isEqualTo(3);
  }

  @Test
  void writesTheBeforeAfterTable() throws IOException {
    ClassifierConfig v0 = ClassifierConfig.defaults().withCadence(CadenceProfiles.V0);
    ClassifierConfig v1 = ClassifierConfig.defaults();
    StringBuilder sb = new StringBuilder(
        "| fixture | truth | events | e/s | gap p50 | gap max | echo | edits | v0 cadence.label (score) | v0 operator"
            + " | v1 cadence.label (score) | v1 operator | v1 without the new fields: label (score), operator |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Row r : ROWS) {
      var c = r.features().getCadence();
      Map<String, String> a = labels(v0, r.features());
      Map<String, String> b = labels(v1, r.features());
      Map<String, String> b0 = labels(v1, AsciicastCadence.withoutV1Evidence(r.features()));
      sb.append(String.format("| %s | %s | %d | %.2f | %.3f | %.1f | %.2f | %d | %s (%s) | %s | %s (%s) | %s | %s (%s), %s |%n",
          r.name(), r.human() ? "human" : "agent", c.getNEvents(), c.getEventsPerSec(), c.getGapP50S(),
          c.getGapMaxS(), c.getKeystrokeEchoFrac(), c.getEditChars(),
          a.get("cadence.label"), top(v0, r.features()), a.get("operator.type"),
          b.get("cadence.label"), top(v1, r.features()), b.get("operator.type"),
          b0.get("cadence.label"), top(v1, AsciicastCadence.withoutV1Evidence(r.features())),
          b0.get("operator.type")));
    }
    Path out = Path.of("target", "fixture-cadence.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, sb.toString());
  }

  private static String top(ClassifierConfig cfg, SessionFeatures f) {
    SessionVerdict v = new Classifier(cfg).classify(f).verdict();
    return LabelSet.decimal(v.getCadenceScoresMap().values().stream().mapToDouble(Double::doubleValue).max().orElse(0));
  }
}
