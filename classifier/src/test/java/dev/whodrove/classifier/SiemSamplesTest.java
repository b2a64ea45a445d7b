package dev.whodrove.classifier;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.whodrove.schemas.v1.NotableEvent;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Renders the documented samples (target/samples) so docs/siem-json.md can be refreshed from real output. */
class SiemSamplesTest {
  @Test
  void renderSamples() throws Exception {
    SessionFeatures f = Reference.teleport("3f1c9a52-6d1e-4f0b-9a43-0c2b7e5d8a11", Reference.ssh(), Reference.KIMI)
        .toBuilder().addNotableEvents(NotableEvent.newBuilder().setTimeMs(Reference.T0 + 5_000).setKind("command")
            .setSummary("/usr/bin/kubectl get pods -A").setRef("42"))
        .build();
    SessionVerdict v = new Classifier(ClassifierConfig.defaults()).classify(f).verdict();
    ObjectMapper m = new ObjectMapper();
    Path dir = Files.createDirectories(Path.of("target", "samples"));
    String json = VerdictJson.render(v);
    SessionFeatures gcp = Reference.gcpSession("gcp-5b0e2f4c9d1a7e3b6c8f0a21", "dev@example.com",
        "claude-code/1.0.3 google-cloud-sdk/482.0.0 command/gcloud.compute.instances.list");
    String ocsf = OcsfFinding.render(new Classifier(ClassifierConfig.defaults()).classify(gcp).verdict(),
        "phase1-classifier@v1");
    Files.writeString(dir.resolve("session.labels.json.json"),
        m.writerWithDefaultPrettyPrinter().writeValueAsString(m.readTree(json)));
    Files.writeString(dir.resolve("session.findings.ocsf.json"),
        m.writerWithDefaultPrettyPrinter().writeValueAsString(m.readTree(ocsf)));
    assertThat(m.readTree(json).path("labels").path("cadence.label").asText()).isEqualTo("kimi-k2.6");
  }
}
