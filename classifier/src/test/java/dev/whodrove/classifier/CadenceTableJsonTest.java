package dev.whodrove.classifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.ServiceConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CadenceTableJsonTest {
  private static final String GOOD = """
      {"version": "v9-test", "threshold": 0.5, "min_events": 30, "absence_gap_s": 300,
       "derived": ["bytes_per_event"],
       "profiles": [
         {"name": "m", "kind": "model", "rules": [{"weight": 0.6, "when": ["gap_p90_s < 0.1", "bytes_per_event > 30"]}]},
         {"name": "human", "kind": "human", "rules": [{"weight": 0.6, "when": ["0.05 < gap_p50_s < 0.6"]}]}]}
      """;

  static CadenceTable read(String json) {
    return CadenceTableJson.read(json.getBytes(StandardCharsets.UTF_8), "t.json");
  }

  @Test
  void shippedTablesRoundTripThroughTheWriter() {
    for (CadenceTable t : CadenceProfiles.all()) {
      assertThat(read(CadenceTableJson.write(t, "x"))).isEqualTo(t);
    }
  }

  @Test
  void aValidTableLoadsWithItsOwnVersion() {
    CadenceTable t = read(GOOD);
    assertThat(t.stage()).isEqualTo("cadence@v9-test");
    assertThat(t.profiles()).extracting(Profile::name).containsExactly("m", "human");
    assertThat(t.profiles().get(1).rules().get(0).when().get(0).op()).isEqualTo(Condition.Op.BETWEEN);
  }

  /** Original text, its replacement, the message expected. */
  static Stream<Arguments> badEntries() {
    return Stream.of(
        Arguments.of("\"gap_p90_s < 0.1\"", "\"gap_p95_s < 0.1\"",
            "profiles[0] \"m\" rules[0] when[0]: 'gap_p95_s < 0.1': unknown feature 'gap_p95_s'"),
        Arguments.of("\"gap_p90_s < 0.1\"", "\"gap_p90_s ~ 0.1\"",
            "profiles[0] \"m\" rules[0] when[0]: 'gap_p90_s ~ 0.1' is not"),
        Arguments.of("\"0.05 < gap_p50_s < 0.6\"", "\"0.6 < gap_p50_s < 0.05\"",
            "profiles[1] \"human\" rules[0] when[0]: '0.6 < gap_p50_s < 0.05': the range is empty"),
        Arguments.of("\"bytes_per_event > 30\"", "\"edit_rate > 30\"",
            "'edit_rate > 30': derived feature 'edit_rate' is not listed"),
        Arguments.of("\"weight\": 0.6, \"when\": [\"gap_p90", "\"weight\": 1.6, \"when\": [\"gap_p90",
            "profiles[0] \"m\" rules[0]: weight 1.6 is not in [-1, 1]"),
        Arguments.of("\"kind\": \"model\"", "\"kind\": \"robot\"",
            "profiles[0] \"m\": kind 'robot' is not model, agent or human"),
        Arguments.of("\"name\": \"m\"", "\"name\": \"human\"", "profiles[1]: duplicate profile name 'human'"),
        Arguments.of("\"name\": \"m\"", "\"name\": \"ambiguous\"",
            "profiles[0] \"ambiguous\": name 'ambiguous' is reserved"),
        Arguments.of("\"threshold\": 0.5", "\"threshold\": 0", "threshold: 0.0 is not in (0, 1]"),
        Arguments.of("\"min_events\": 30", "\"min_events\": 2.5", "min_events: expected a whole number"),
        Arguments.of("\"absence_gap_s\": 300", "\"absence_gap_s\": -1", "absence_gap_s: expected seconds > 0"),
        Arguments.of("\"derived\": [\"bytes_per_event\"]", "\"derived\": [\"gap_p50_s\"]",
            "derived[0]: 'gap_p50_s' is not a derived feature"),
        Arguments.of("\"version\": \"v9-test\"", "\"version\": \"v 9\"", "version: 'v 9' is not a version"),
        Arguments.of("\"version\": \"v9-test\"", "\"version\": \"v9\", \"thresold\": 1", "unknown key 'thresold'"),
        Arguments.of("\"kind\": \"human\"", "\"kind\": \"agent\"", "no profile of kind human"));
  }

  @ParameterizedTest(name = "{2}")
  @MethodSource("badEntries")
  void aBadEntryIsNamed(String original, String replacement, String message) {
    assertThat(GOOD).contains(original);
    assertThatThrownBy(() -> read(GOOD.replace(original, replacement)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("cadence table t.json: ")
        .hasMessageContaining(message);
  }

  @Test
  void notJsonIsOneLine() {
    assertThatThrownBy(() -> read("{\"version\": ")).hasMessageStartingWith("cadence table t.json: not JSON")
        .hasMessageNotContaining("\n");
  }

  @Test
  void configNamesAShippedVersionOrAFile(@TempDir Path dir) throws Exception {
    Map<String, String> base = Map.of("kafka.bootstrap.servers", "localhost:9092");
    assertThat(ClassifierConfig.from(ServiceConfig.of(base).with(Map.of("classifier.cadence.table", "cadence@v0")))
        .cadence()).isEqualTo(CadenceProfiles.V0);
    Path file = dir.resolve("mine.json");
    Files.writeString(file, GOOD);
    ClassifierConfig c = ClassifierConfig.from(ServiceConfig.of(base).with(Map.of("classifier.cadence.table",
        file.toString())));
    assertThat(c.cadence().stage()).isEqualTo("cadence@v9-test");
    Files.writeString(file, GOOD.replace("gap_p90_s", "gap_p9_s"));
    assertThatThrownBy(() -> ClassifierConfig.from(ServiceConfig.of(base).with(Map.of("classifier.cadence.table",
        file.toString())))).isInstanceOf(ConfigException.class).hasMessageContaining("classifier.cadence.table")
        .hasMessageContaining("unknown feature 'gap_p9_s'");
  }

  @Test
  void aCalibrationMapsScoresAndIsChecked() {
    String cal = GOOD.replace("\"profiles\":", "\"calibration\": {\"operator\": [[0.5, 0.6], [1, 0.9]], "
        + "\"suspicion\": [[0.5, 0.2]]}, \"profiles\":");
    CadenceTable t = read(cal);
    assertThat(t.calibration().operator(0.4)).isEqualTo(0.6);
    assertThat(t.calibration().operator(0.75)).isCloseTo(0.75, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(t.calibration().operator(1.0)).isEqualTo(0.9);
    assertThat(t.calibration().suspicion(0.9)).isEqualTo(0.2);
    assertThat(read(CadenceTableJson.write(t, ""))).isEqualTo(t);
    assertThatThrownBy(() -> read(cal.replace("[1, 0.9]", "[1, 0.5]"))).hasMessageContaining(
        "calibration.operator[1]: scores must increase and probabilities must not decrease");
    assertThatThrownBy(() -> read(cal.replace("[[0.5, 0.2]]", "[[0.5]]"))).hasMessageContaining(
        "calibration.suspicion[0]: expected [score, probability]");
    // uncalibrated tables stamp raw scores
    assertThat(CadenceProfiles.V1.calibration().isNone()).isTrue();
    assertThat(CadenceProfiles.V2.calibration().isNone()).isFalse();
  }
}
