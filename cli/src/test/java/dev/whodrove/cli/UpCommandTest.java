package dev.whodrove.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.cli.embedded.EmbeddedPipeline;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UpCommandTest {
  private static Map<String, String> prefixes() {
    Map<String, String> p = new LinkedHashMap<>();
    for (String name : EmbeddedPipeline.SERVICE_ORDER) {
      p.put(name, ServiceFactory.named(name).orElseThrow().keyPrefix());
    }
    return p;
  }

  @Test
  void everyServiceOwnsOneHyphenFreePrefix() {
    assertThat(prefixes()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "ingest-teleport", "teleport.", "ingest-gcp", "gcp.", "recording-decoder", "decoder.",
        "featurizer", "featurizer.", "classifier", "classifier.", "correlator", "correlator.", "llm-scorer", "llm.",
        "sqlite-sink", "sink.", "siem-export", "siem."));
  }

  @Test
  void theBigQuerySourceKeysGoToIngestGcp() {
    UpCommand.Routing r = UpCommand.route(Map.of(
        "gcp.bigquery.dataset", "my-logging-project.org_audit_logs",
        "gcp.bigquery.maximum.bytes.billed", "1073741824",
        "ingest-gcp.state.dir", "/var/lib/whodrove/gcp"), prefixes(), w -> { });
    assertThat(r.perService()).containsOnlyKeys("ingest-gcp");
    assertThat(r.perService().get("ingest-gcp")).containsOnly(
        Map.entry("gcp.bigquery.dataset", "my-logging-project.org_audit_logs"),
        Map.entry("gcp.bigquery.maximum.bytes.billed", "1073741824"),
        Map.entry("state.dir", "/var/lib/whodrove/gcp"));
  }

  @Test
  void ownKeysGoToTheirServiceAndServiceNamesOverrideSharedKeys() {
    List<String> warnings = new ArrayList<>();
    UpCommand.Routing r = UpCommand.route(Map.of(
        "featurizer.recording.wait", "10m",
        "featurizer.state.dir", "/var/lib/whodrove/featurizer",
        "decoder.store.file.roots", "/var/lib/teleport/log/records",
        "teleport.file.enabled", "true",
        "gcp.archive.paths", "/archive",
        "siem.ocsf.enabled", "true",
        "classifier.application.id", "whodrove-classifier-v1-replay",
        "sqlite-sink.kafka.max.poll.records", "50",
        "sink.db.path", "/data/sessions.sqlite",
        "topics.partitions", "3"), prefixes(), warnings::add);

    assertThat(r.common()).containsOnly(Map.entry("topics.partitions", "3"));
    assertThat(r.perService()).containsOnlyKeys("featurizer", "recording-decoder", "ingest-teleport", "ingest-gcp",
        "classifier", "sqlite-sink", "siem-export");
    assertThat(r.perService().get("featurizer")).containsOnly(Map.entry("featurizer.recording.wait", "10m"),
        Map.entry("state.dir", "/var/lib/whodrove/featurizer"));
    assertThat(r.perService().get("recording-decoder"))
        .containsOnly(Map.entry("decoder.store.file.roots", "/var/lib/teleport/log/records"));
    assertThat(r.perService().get("ingest-teleport")).containsOnly(Map.entry("teleport.file.enabled", "true"));
    assertThat(r.perService().get("ingest-gcp")).containsOnly(Map.entry("gcp.archive.paths", "/archive"));
    assertThat(r.perService().get("classifier")).containsOnly(
        Map.entry("application.id", "whodrove-classifier-v1-replay"));
    assertThat(r.perService().get("siem-export")).containsOnly(Map.entry("siem.ocsf.enabled", "true"));
    assertThat(r.perService().get("sqlite-sink")).containsOnly(Map.entry("kafka.max.poll.records", "50"),
        Map.entry("sink.db.path", "/data/sessions.sqlite"));
    assertThat(warnings).isEmpty();
  }

  @Test
  void oldSpellingsStillRouteWithOneWarningEach() {
    List<String> warnings = new ArrayList<>();
    UpCommand.Routing r = UpCommand.route(Map.of(
        "featurizer.featurizer.recording.wait", "10m",
        "sqlite-sink.sink.db.path", "/old.sqlite",
        "sink.db.path", "/new.sqlite",
        "ingest-gcp.gcp.archive.paths", "/archive",
        "recording-decoder.store.file.roots", "/records"), prefixes(), warnings::add);

    assertThat(r.perService().get("featurizer")).containsOnly(Map.entry("featurizer.recording.wait", "10m"));
    assertThat(r.perService().get("sqlite-sink")).containsOnly(Map.entry("sink.db.path", "/new.sqlite"));
    assertThat(r.perService().get("ingest-gcp")).containsOnly(Map.entry("gcp.archive.paths", "/archive"));
    assertThat(warnings).containsExactly(
        "key featurizer.featurizer.recording.wait is deprecated, write featurizer.recording.wait"
            + " (WHODROVE_FEATURIZER_RECORDING_WAIT in the service's environment); the old spelling is accepted until"
            + " the next release",
        "key ingest-gcp.gcp.archive.paths is deprecated, write gcp.archive.paths (WHODROVE_GCP_ARCHIVE_PATHS in the"
            + " service's environment); the old spelling is accepted until the next release",
        "key sqlite-sink.sink.db.path is deprecated, write sink.db.path (WHODROVE_SINK_DB_PATH in the service's"
            + " environment); the old spelling is accepted until the next release");

    // a key from before the service's prefix reaches the service, whose rename table moves it when its context is
    // created, with the warning naming the new key
    Map<String, String> decoder = r.perService().get("recording-decoder");
    assertThat(decoder).containsOnly(Map.entry("store.file.roots", "/records"));
    ServiceFactory f = ServiceFactory.named("recording-decoder").orElseThrow();
    ServiceConfig cfg = ServiceConfig.of(decoder).withRenamedKeys(f.name(), f.renamedKeys());
    assertThat(cfg.asMap()).containsOnly(Map.entry("decoder.store.file.roots", "/records"));
  }
}
