package dev.whodrove.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.whodrove.sim.CrossSubstrateScenario;
import dev.whodrove.sim.SimulatedDataset;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code whodrove correlate} over what {@code whodrove parse} prints for the simulated cross-substrate scenario: the
 * agent pair found, the person pair never high, the confounders left alone, and nothing without the identity rule.
 */
class CorrelateCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path tmp;
  private static Path teleport;
  private static Path gcp;
  private static List<JsonNode> truth;

  private record Run(int status, String out, String err) {
    List<JsonNode> json() throws Exception {
      List<JsonNode> lines = new ArrayList<>();
      for (String l : out.split("\n")) {
        if (!l.isBlank()) {
          lines.add(JSON.readTree(l));
        }
      }
      return lines;
    }
  }

  private static Run run(String... args) {
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

  @BeforeAll
  static void parseTheScenario() throws Exception {
    SimulatedDataset.Summary data = SimulatedDataset.write(tmp.resolve("sim"), 21, Map.of(), Map.of(), 2);
    Run t = run("parse", "--json", data.recordsDir().toString());
    Run g = run("parse", "--gcp", "--json", data.gcpDir().toString());
    assertThat(t.status()).isZero();
    assertThat(g.status()).isZero();
    teleport = Files.writeString(tmp.resolve("T.jsonl"), t.out());
    gcp = Files.writeString(tmp.resolve("G.jsonl"), g.out());
    truth = new ArrayList<>();
    for (String l : Files.readAllLines(data.correlationTruthFile())) {
      truth.add(JSON.readTree(l));
    }
  }

  /** The truth expectation a pair answers to: its Teleport session, and a GCP side inside the activity's window. */
  private static JsonNode expectationOf(JsonNode pair) {
    long started = Instant.parse(pair.get("gcp").get("started_at").asText()).toEpochMilli();
    return truth.stream().filter(t -> t.get("teleport_session_id").asText()
            .equals(pair.get("teleport_session_id").asText())
        && t.get("gcp_principal").asText().equals(pair.get("gcp").get("user").asText())
        && started >= t.get("gcp_from_ms").asLong() - 120_000 && started <= t.get("gcp_to_ms").asLong() + 120_000)
        .findFirst().orElse(null);
  }

  @Test
  void theScenarioPairsAsTheTruthSays() throws Exception {
    Run r = run("correlate", "--teleport", teleport.toString(), "--gcp", gcp.toString(), "--identity-rule",
        CrossSubstrateScenario.IDENTITY_RULE, "--json");
    assertThat(r.status()).as(r.err()).isZero();
    List<JsonNode> pairs = r.json();
    assertThat(pairs).isNotEmpty().allSatisfy(p -> {
      assertThat(p.get("correlation_id").asText()).matches("xcorr-[0-9a-f]{24}");
      for (String field : List.of("teleport_session_id", "gcp_session_id", "identity", "overlap_s",
          "model_agreement", "joint_score", "tier")) {
        assertThat(p.has(field)).as(field).isTrue();
      }
      JsonNode expected = expectationOf(p);
      assertThat(expected).as("pair %s answers to an expectation", p).isNotNull();
      assertThat(expected.get("expect").asText()).as(expected.get("why").asText()).isNotEqualTo("none");
      if (expected.get("expect").asText().equals("person")) {
        assertThat(p.get("tier").asText()).isNotEqualTo("high");
      }
    });
    for (JsonNode t : truth) {
      List<JsonNode> found = pairs.stream().filter(p -> expectationOf(p) == t).toList();
      switch (t.get("expect").asText()) {
        case "agent" -> assertThat(found).as(t.get("why").asText()).isNotEmpty()
            .anySatisfy(p -> assertThat(p.get("tier").asText()).isIn("high", "medium"));
        case "person" -> assertThat(found).as(t.get("why").asText()).isNotEmpty();
        default -> assertThat(found).as(t.get("why").asText()).isEmpty();
      }
    }
    // the same input gives the same pairs and ids
    assertThat(run("correlate", "--teleport", teleport.toString(), "--gcp", gcp.toString(), "--identity-rule",
        CrossSubstrateScenario.IDENTITY_RULE, "--json").json()).isEqualTo(pairs);
  }

  @Test
  void withoutTheIdentityRuleBareTeleportNamesMeetNoEmailAndTheTableSaysSo() throws Exception {
    Path map = Files.writeString(tmp.resolve("identities.map"), "# nobody\n");
    Run r = run("correlate", "--teleport", teleport.toString(), "--gcp", gcp.toString(), "--identity-map",
        map.toString());
    assertThat(r.status()).isZero();
    assertThat(r.out()).contains("CORRELATION").contains("0 correlation(s)");

    Path broken = Files.writeString(tmp.resolve("broken.jsonl"), "{\"features\": 3}\nnot json\n");
    Run bad = run("correlate", "--teleport", broken.toString(), "--gcp", gcp.toString());
    assertThat(bad.status()).isEqualTo(1);
    assertThat(bad.err().lines()).hasSize(2).allSatisfy(l -> assertThat(l).contains("broken.jsonl:"));
  }
}
