package dev.whodrove.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.whodrove.sim.SimulatedDataset;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code whodrove parse}: offline decode → features → classify, one JSON line per input, clear errors. */
class ParseCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  private record Run(int status, List<JsonNode> lines, String err) {}

  private static Run run(String... args) throws Exception {
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
    List<JsonNode> lines = new ArrayList<>();
    for (String l : o.toString(StandardCharsets.UTF_8).split("\n")) {
      if (!l.isBlank()) {
        lines.add(JSON.readTree(l));
      }
    }
    return new Run(status, lines, e.toString(StandardCharsets.UTF_8));
  }

  @Test
  void recordingsPrintOneVerdictEachAndABadFileOneErrorLine() throws Exception {
    SimulatedDataset.Summary data = SimulatedDataset.write(tmp.resolve("sim"), 3,
        Map.of("opus-4.6", 2, "human", 1), Map.of());
    Path bad = data.recordsDir().resolve("zz-broken.tar");
    Files.write(bad, new byte[] {0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x7f, 0});
    Run r = run("parse", "--json", data.recordsDir().toString());

    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err().lines()).hasSize(1).first().asString().contains("zz-broken.tar").doesNotContain("Exception");
    assertThat(r.lines()).hasSize(3).allSatisfy(n -> {
      assertThat(n.get("file").asText()).endsWith(".tar");
      assertThat(n.get("features").get("substrate").asText()).isEqualTo("teleport-recording");
      assertThat(n.get("labels").get("operator.type").asText()).isIn("human", "agent");
    });
    assertThat(r.lines()).filteredOn(n -> "opus-4.6".equals(n.get("labels").path("cadence.label").asText()))
        .hasSize(2);
    // the same input gives the same output
    assertThat(run("parse", "--json", data.recordsDir().toString()).lines()).isEqualTo(r.lines());
  }

  @Test
  void decodingAheadOnASecondThreadPrintsTheSameAsOneThread() throws Exception {
    SimulatedDataset.Summary data = SimulatedDataset.write(tmp.resolve("threads"), 5,
        Map.of("opus-4.6", 1, "human", 1), Map.of());
    Path bad = data.recordsDir().resolve("zz-broken.tar");
    Files.write(bad, new byte[] {0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x7f, 0});
    Run one = run("parse", "--json", "--threads", "1", data.recordsDir().toString());
    Run two = run("parse", "--json", "--threads", "2", data.recordsDir().toString());
    assertThat(one.lines()).hasSize(2);
    assertThat(two.lines()).isEqualTo(one.lines());
    assertThat(two.err()).isEqualTo(one.err()).contains("zz-broken.tar");
    assertThat(two.status()).isEqualTo(one.status()).isEqualTo(1);
    assertThat(run("parse", "--threads", "0", data.recordsDir().toString()).err())
        .contains("--threads must be at least 1, not 0");
  }

  @Test
  void gcpArchivesPrintSyntheticSessionsWithWhodroveIds() throws Exception {
    SimulatedDataset.Summary data = SimulatedDataset.write(tmp.resolve("gcp"), 4, Map.of(),
        Map.of("agent-gcloud", 1, "polling-script", 1));
    Run r = run("parse", "--gcp", "--json", data.gcpDir().toString());
    assertThat(r.status()).isZero();
    assertThat(r.lines()).isNotEmpty().allSatisfy(n ->
        assertThat(n.get("session_id").asText()).matches("gcp(burst)?-[0-9a-f]{24}"));
    assertThat(r.lines()).anySatisfy(n -> assertThat(n.get("labels").path("cadence.label").asText())
        .isEqualTo("polling"));
    assertThat(r.lines()).anySatisfy(n -> assertThat(n.get("labels").path("gcp.ua.tool").asText())
        .isEqualTo("claude-code"));
  }

  @Test
  void aTableFileClassifiesAndStampsItsOwnVersion() throws Exception {
    SimulatedDataset.Summary data = SimulatedDataset.write(tmp.resolve("t"), 3, Map.of("opus-4.6", 1), Map.of());
    String v1 = dev.whodrove.classifier.CadenceTableJson.write(dev.whodrove.classifier.CadenceProfiles.V1, "");
    Path table = tmp.resolve("mine.json");
    Files.writeString(table, v1.replace("\"version\": \"v1\"", "\"version\": \"v1-local\""));
    Run shipped = run("parse", "--json", data.recordsDir().toString());
    Run mine = run("parse", "--json", "--cadence-table", table.toString(), data.recordsDir().toString());
    assertThat(mine.status()).isZero();
    assertThat(mine.lines().get(0).get("labels")).isEqualTo(shipped.lines().get(0).get("labels"));

    Files.writeString(table, v1.replace("gap_max_s > 60", "gap_maximum > 60"));
    Run bad = run("parse", "--json", "--cadence-table", table.toString(), data.recordsDir().toString());
    assertThat(bad.status()).isEqualTo(1);
    assertThat(bad.err().strip()).contains("unknown feature 'gap_maximum'").doesNotContain("\n");
  }
}
