package dev.whodrove.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.whodrove.cli.embedded.EmbeddedPipeline;
import dev.whodrove.runtime.ServiceFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which services {@code up} runs: the whole pipeline unless told otherwise, and a warning where it cannot work. */
class PipelineSelectionTest {
  private static UpCommand.Routing route(Map<String, String> keys) {
    Map<String, String> prefixes = new LinkedHashMap<>();
    for (String name : EmbeddedPipeline.SERVICE_ORDER) {
      prefixes.put(name, ServiceFactory.named(name).orElseThrow().keyPrefix());
    }
    return UpCommand.route(keys, prefixes, w -> { });
  }

  @Test
  void aConfigWithoutClassifierOrSinkKeysStillRunsThemAndProducesVerdicts() {
    PipelineSelection s = PipelineSelection.choose(route(Map.of(
        "teleport.file.enabled", "true", "teleport.file.data.dir", "/var/lib/teleport",
        "decoder.store.file.roots", "/var/lib/teleport/log/records")), Set.of(), Set.of());
    assertThat(s.run()).containsExactly("sqlite-sink", "correlator", "classifier", "featurizer", "recording-decoder",
        "ingest-teleport");
    assertThat(s.skipped()).containsOnlyKeys("siem-export", "llm-scorer", "ingest-gcp");
    assertThat(s.skipped().get("siem-export")).contains("siem.");
    assertThat(s.skipped().get("llm-scorer")).contains("llm.model");
    assertThat(s.skipped().get("ingest-gcp")).contains("gcp.");
    assertThat(s.warnings()).isEmpty();
  }

  @Test
  void phaseTwoRunsWithAModelAndIngestWithASource() {
    PipelineSelection s = PipelineSelection.choose(route(Map.of(
        "gcp.archive.paths", "/archive", "llm.model", "qwen3:8b")), Set.of(), Set.of());
    assertThat(s.run()).contains("llm-scorer", "ingest-gcp").doesNotContain("ingest-teleport");
    assertThat(s.warnings()).isEmpty();
  }

  @Test
  void leavingOutWhatVerdictsNeedIsWarnedAbout() {
    PipelineSelection without = PipelineSelection.choose(route(Map.of("gcp.archive.paths", "/archive")), Set.of(),
        Set.of("classifier", "sqlite-sink"));
    assertThat(without.run()).doesNotContain("classifier", "sqlite-sink");
    assertThat(without.warnings()).hasSize(2).anySatisfy(w -> assertThat(w).contains("classifier does not run")
        .contains("--without").contains("no verdicts")).anySatisfy(w -> assertThat(w).contains("sessions.sqlite"));

    PipelineSelection nothingIn = PipelineSelection.choose(route(Map.of("sink.db.path", "/data/s.sqlite")),
        Set.of(), Set.of());
    assertThat(nothingIn.warnings()).singleElement().asString().contains("no ingest service runs");

    PipelineSelection only = PipelineSelection.choose(route(Map.of("teleport.file.enabled", "true")),
        Set.of("ingest-teleport", "featurizer"), Set.of());
    assertThat(only.run()).containsExactly("featurizer", "ingest-teleport");
    assertThat(only.warnings()).hasSize(3).anySatisfy(w -> assertThat(w).contains("recording-decoder"));
  }

  @Test
  void theCorrelatorRunsBesideTheClassifierOrWhenAKeyNamesItAndSiemExportWhenAKeyNamesIt() {
    Map<String, String> gcp = Map.of("gcp.archive.paths", "/archive");
    // the classifier runs: the correlator beside it, unless left out
    assertThat(PipelineSelection.choose(route(gcp), Set.of(), Set.of()).run()).contains("classifier", "correlator")
        .doesNotContain("siem-export");
    PipelineSelection noCorrelator = PipelineSelection.choose(route(gcp), Set.of(), Set.of("correlator"));
    assertThat(noCorrelator.run()).contains("classifier").doesNotContain("correlator");
    assertThat(noCorrelator.skipped()).containsEntry("correlator", "--without");
    // no classifier here: the correlator only when a key names it
    PipelineSelection noClassifier = PipelineSelection.choose(route(gcp), Set.of(), Set.of("classifier"));
    assertThat(noClassifier.run()).doesNotContain("correlator");
    assertThat(noClassifier.skipped().get("correlator")).contains("classifier does not run");
    assertThat(PipelineSelection.choose(route(Map.of("gcp.archive.paths", "/archive",
        "correlator.identity.rules", "teleport:{name} = {name}@example.com")), Set.of(), Set.of("classifier")).run())
        .contains("correlator");
    // --only is just those: the classifier alone, without the correlator
    assertThat(PipelineSelection.choose(route(gcp), Set.of("classifier"), Set.of()).run())
        .containsExactly("classifier");
    // siem-export with a key of its own, or named by --only
    assertThat(PipelineSelection.choose(route(Map.of("gcp.archive.paths", "/archive", "siem.ocsf.enabled", "true")),
        Set.of(), Set.of()).run()).contains("siem-export", "correlator");
    assertThat(PipelineSelection.choose(route(Map.of()), Set.of("siem-export"), Set.of()).run())
        .containsExactly("siem-export");
  }

  @Test
  void onlyNamesAServiceEvenWithoutItsKeysAndUnknownNamesAreRefused() {
    PipelineSelection s = PipelineSelection.choose(route(Map.of()), Set.of("ingest-gcp"), Set.of());
    assertThat(s.run()).containsExactly("ingest-gcp"); // which then says which key it needs
    assertThatThrownBy(() -> PipelineSelection.choose(route(Map.of()), Set.of(), Set.of("clasifier")))
        .hasMessageContaining("unknown service clasifier").hasMessageContaining("classifier");
  }

  @Test
  void environmentVariablesAreConfigKeysButTheClisOwnAreNot() {
    assertThat(UpCommand.environmentKeys(Map.of(
        "WHODROVE_KAFKA_SASL_MECHANISM", "PLAIN",
        "WHODROVE_SINK_DB_PATH", "/data/s.sqlite",
        "WHODROVE_JAVA_OPTS", "-Xmx2g",
        "WHODROVE_CONFIG_FILE", "/etc/whodrove.properties",
        "PATH", "/usr/bin"))).containsOnly(Map.entry("kafka.sasl.mechanism", "PLAIN"),
        Map.entry("sink.db.path", "/data/s.sqlite"));
  }
}
