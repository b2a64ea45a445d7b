package dev.whodrove.siem;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.whodrove.schemas.v1.MergedVerdict;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Renders the samples schemas/README.md shows (target/samples), from real output: a Teleport session stamped by phase
 * 1, then phase 2, then a person, as the JSON feed and the OCSF feed carry its last change.
 */
class SiemSamplesTest {
  @Test
  void renderSamples() throws Exception {
    String sid = "3f1c9a52-6d1e-4f0b-9a43-0c2b7e5d8a11";
    MergedVerdict view = null;
    int activity = 0;
    for (var v : java.util.List.of(Verdicts.phase1(sid, "agent", "kimi-k2.6", Verdicts.T0 + 601_000),
        Verdicts.stamps(sid, Verdicts.P2, Verdicts.T0 + 700_000, "agent.tool", "claude-code", "work.kind", "deploy"),
        Verdicts.stamps(sid, "manual:analyst-7", Verdicts.T0 + 900_000, "review.verdict", "agent"))) {
      SiemUpdate u = MergeProcessor.next(view, v, Verdicts.T0, true, false).orElseThrow();
      view = u.view();
      activity = u.findingActivity();
    }
    ObjectMapper m = new ObjectMapper();
    JsonNode json = m.readTree(SiemJson.render(view));
    JsonNode ocsf = m.readTree(OcsfFinding.render(view, activity, "0.1.0"));
    Path dir = Files.createDirectories(Path.of("target", "samples"));
    Files.writeString(dir.resolve("session.labels.json.json"), m.writerWithDefaultPrettyPrinter().writeValueAsString(json));
    Files.writeString(dir.resolve("session.findings.ocsf.json"),
        m.writerWithDefaultPrettyPrinter().writeValueAsString(ocsf));
    assertThat(json.path("labels").path("agent.tool").asText()).isEqualTo("claude-code");
    assertThat(ocsf.path("activity_id").asInt()).isEqualTo(OcsfFinding.ACTIVITY_UPDATE);
  }
}
