package dev.whodrove.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.whodrove.sim.SimulatedDataset;
import dev.whodrove.testkit.TeleportAuditFixtures;
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
    Raw raw = raw(args);
    List<JsonNode> lines = new ArrayList<>();
    for (String l : raw.out().split("\n")) {
      if (!l.isBlank()) {
        lines.add(JSON.readTree(l));
      }
    }
    return new Run(raw.status(), lines, raw.err());
  }

  private record Raw(int status, String out, String err) {}

  private static Raw raw(String... args) {
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
    return new Raw(status, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
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

  @Test
  void auditLogsJoinBpfEventsToTheirRecordings() throws Exception {
    SimulatedDataset.Summary data = SimulatedDataset.write(tmp.resolve("bpf"), 6,
        Map.of("claude-on-node", 3, "human-bpf", 3), Map.of());
    Path log = data.teleportDataDir().resolve("log");
    String records = data.recordsDir().toString();
    Map<String, String> profile = new java.util.HashMap<>();
    for (String l : Files.readAllLines(data.truthFile())) {
      JsonNode t = JSON.readTree(l);
      profile.put(t.get("session_id").asText(), t.get("profile").asText());
    }

    Run without = run("parse", "--json", records);
    assertThat(without.lines()).hasSize(6).allSatisfy(n -> {
      // the terminal alone: the person typing the prompt dominates, so claude's sessions look human too
      assertThat(n.get("labels").get("operator.type").asText()).isEqualTo("human");
      assertThat(n.get("labels").has("agent.tool")).isFalse();
    });

    Run with = run("parse", "--audit", log.toString(), "--json", records);
    assertThat(with.status()).isZero();
    assertThat(with.err()).isEmpty();
    assertThat(with.lines()).hasSize(6).allSatisfy(n -> {
      JsonNode labels = n.get("labels");
      JsonNode bpf = n.at("/features/teleport/bpf");
      assertThat(bpf.get("source").asText()).isEqualTo("audit");
      if (profile.get(n.get("session_id").asText()).equals("claude-on-node")) {
        assertThat(labels.get("operator.type").asText()).isEqualTo("agent");
        assertThat(labels.get("agent.tool").asText()).isEqualTo("claude-code");
        assertThat(labels.get("operator.evidence").asText()).isEqualTo("agent-cli.provider-endpoint");
        assertThat(labels.get("cadence.label").asText()).isEqualTo("human");
        assertThat(bpf.at("/agent_cli/descendant_commands").asLong()).isGreaterThan(5);
        assertThat(n.get("features").get("notable_events").findValuesAsText("kind")).contains("agent-cli");
      } else {
        assertThat(labels.get("operator.type").asText()).isEqualTo("human");
        assertThat(labels.has("agent.tool")).isFalse();
        assertThat(bpf.has("agent_cli")).isFalse();
        assertThat(bpf.get("commands").asLong()).isGreaterThan(5);
      }
    });

    // an audit log of other sessions changes nothing: the same bytes as without --audit
    Path other = Files.writeString(tmp.resolve("other.log"), String.join("\n", samplesOfUnendedSessions()));
    assertThat(raw("parse", "--audit", other.toString(), "--json", records).out())
        .isEqualTo(raw("parse", "--json", records).out());
  }

  @Test
  void realBpfSamplesJoinARecordingOfTheirSession() throws Exception {
    // a recording without BPF events of its own (Teleport emits them to the audit log)
    SimulatedDataset.Summary data = SimulatedDataset.write(tmp.resolve("one"), 7, Map.of("human-bpf", 1), Map.of());
    Path tar;
    try (var files = Files.list(data.recordsDir())) {
      tar = files.filter(f -> f.toString().endsWith(".tar")).findFirst().orElseThrow();
    }
    // the real samples' nmap session (two session.command events and a session.network), given a recording
    String sid = "a3562a0e-e57f-4273-9f69-eedb6cd029cb";
    Path dir = Files.createDirectories(tmp.resolve("rec"));
    Files.copy(tar, dir.resolve(sid + ".tar"));
    Path audit = Files.writeString(tmp.resolve("audit.log"), String.join("\n", samplesOfUnendedSessions()) + "\n");
    Run r = run("parse", "--audit", audit.toString(), "--json", dir.toString());
    assertThat(r.status()).isZero();
    assertThat(r.lines()).singleElement().satisfies(n -> {
      assertThat(n.get("session_id").asText()).isEqualTo(sid);
      JsonNode bpf = n.at("/features/teleport/bpf");
      assertThat(bpf.get("commands").asInt()).isEqualTo(2);
      assertThat(bpf.get("connections").asInt()).isEqualTo(1);
      assertThat(bpf.at("/top_programs/0/name").asText()).isEqualTo("nmap");
      assertThat(n.get("labels").has("agent.tool")).isFalse();
      assertThat(n.get("features").get("notable_events").findValuesAsText("path")).contains("/bin/nmap");
    });
  }

  @Test
  void interactiveKubeExecAndDatabaseSessionsGetCadenceVerdicts() throws Exception {
    SimulatedDataset.Summary data = SimulatedDataset.write(tmp.resolve("svc"), 8,
        Map.of("kube-it-human", 4, "kube-it-opus-4.6", 4, "db-human", 4, "db-agent", 4, "kube-exec", 2), Map.of());
    Map<String, String> profile = new java.util.HashMap<>();
    for (String l : Files.readAllLines(data.truthFile())) {
      JsonNode t = JSON.readTree(l);
      profile.put(t.get("session_id").asText(), t.get("profile").asText());
    }
    Run r = run("parse", "--audit", data.teleportDataDir().resolve("log").toString(), "--json",
        data.recordsDir().toString());
    assertThat(r.status()).isZero();
    assertThat(r.lines()).hasSize(18).allSatisfy(n -> {
      JsonNode l = n.get("labels");
      String p = profile.get(n.get("session_id").asText());
      String verdict = l.path("operator.type").asText() + "/" + l.path("routing.cohort").asText() + "/"
          + l.path("cadence.label").asText();
      switch (p) {
        case "kube-it-human", "db-human" -> assertThat(verdict).as(p).startsWith("human/phase1-cadence/human");
        case "kube-it-opus-4.6" -> assertThat(verdict).as(p).isEqualTo("agent/phase1-cadence/opus-4.6");
        case "db-agent" -> assertThat(verdict).as(p).isEqualTo("agent/phase1-cadence/agent");
        default -> assertThat(verdict).as(p).isEqualTo("unknown/single-shot-non-pty/"); // non-interactive exec
      }
      if (p.startsWith("db-")) {
        JsonNode db = n.at("/features/teleport/db");
        assertThat(db.get("source").asText()).isEqualTo("recording");
        assertThat(db.get("protocol").asText()).isEqualTo("postgres");
        // statement kinds, never statement text, in the features and the notable events
        assertThat(n.toString()).doesNotContain("FROM orders").doesNotContain("information_schema");
      }
      if (p.startsWith("kube-it")) {
        assertThat(n.at("/features/teleport/kube/requests").asInt()).isEqualTo(1);
        assertThat(n.at("/features/teleport/kube/execs").asInt()).isEqualTo(1);
      }
    });
  }

  /** The real SSH audit samples without their session.end events (whose sessions would print on their own). */
  private static List<String> samplesOfUnendedSessions() {
    return TeleportAuditFixtures.lines("ssh-sessions.jsonl").stream().filter(l -> !l.contains("\"session.end\""))
        .toList();
  }
}
