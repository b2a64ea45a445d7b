package dev.whodrove.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.whodrove.classifier.Classifier;
import dev.whodrove.classifier.ClassifierConfig;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import dev.whodrove.sim.SimulatedDataset;
import dev.whodrove.sink.SessionDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An analyst without a cluster: {@code parse --db} writes the offline verdicts into a sessions.sqlite with the sink's
 * code, which {@code label ls} and {@code sessions show} then query; {@code export} copies a database the sink is
 * writing, WAL included. Real SQLite files throughout.
 */
class OfflineDatabaseTest {
  @TempDir Path tmp;

  @Test
  void parseWritesTheVerdictsWhereLabelLsAndSessionsShowFindThem() throws Exception {
    SimulatedDataset.Summary data = SimulatedDataset.write(tmp.resolve("sim"), 3,
        Map.of("opus-4.6", 2, "human", 1), Map.of("agent-gcloud", 1, "polling-script", 1));
    Path db = tmp.resolve("offline.sqlite");

    CliRun parse = CliRun.of("parse", "--json", "--db", db.toString(), data.recordsDir().toString());
    assertThat(parse.exit()).as(parse.err()).isZero();
    List<JsonNode> printed = parse.json();
    assertThat(printed).hasSize(3);
    assertThat(parse.err()).contains("3 verdict(s) written to " + db);

    CliRun ls = CliRun.of("label", "ls", "--db", db.toString(), "--json");
    assertThat(ls.exit()).as(ls.err()).isZero();
    assertThat(ls.json()).hasSize(3).allSatisfy(n -> {
      assertThat(n.get("substrate").asText()).isEqualTo("teleport-recording");
      assertThat(n.get("labels").get("operator.type").asText()).isIn("human", "agent");
    });
    // the database holds what parse printed, label for label
    for (JsonNode p : printed) {
      JsonNode row = ls.json().stream().filter(n -> n.get("session_id").equals(p.get("session_id"))).findFirst()
          .orElseThrow();
      assertThat(row.get("labels").get("operator.type")).isEqualTo(p.get("labels").get("operator.type"));
      assertThat(row.get("labels").path("cadence.label")).isEqualTo(p.get("labels").path("cadence.label"));
    }
    assertThat(CliRun.of("label", "ls", "--db", db.toString(), "--selector", "cadence.label=opus-4.6", "--json")
        .json()).hasSize(2);

    String sid = printed.get(0).get("session_id").asText();
    CliRun show = CliRun.of("sessions", "show", sid, "--db", db.toString(), "--json");
    assertThat(show.exit()).as(show.err()).isZero();
    JsonNode detail = show.json().get(0);
    assertThat(detail.get("session_id").asText()).isEqualTo(sid);
    assertThat(detail.get("columns").get("substrate").asText()).isEqualTo("teleport-recording");
    assertThat(detail.get("labels").get("operator.type").get("set_by").asText()).startsWith("phase1");
    assertThat(detail.get("segments").isArray()).isTrue();
    assertThat(detail.get("columns").has("parse_error")).as("NULL columns are left out").isFalse();

    // GCP archives into the same file; parsing again changes nothing
    assertThat(CliRun.of("parse", "--gcp", "--db", db.toString(), data.gcpDir().toString()).exit()).isZero();
    int withGcp = CliRun.of("label", "ls", "--db", db.toString(), "--json").json().size();
    assertThat(withGcp).isGreaterThan(3);
    assertThat(CliRun.of("parse", "--db", db.toString(), data.recordsDir().toString()).exit()).isZero();
    assertThat(CliRun.of("label", "ls", "--db", db.toString(), "--json").json()).hasSize(withGcp);
  }

  @Test
  void exportCopiesWhatIsStillInTheWriteAheadLog() throws Exception {
    SimulatedDataset.Summary data = SimulatedDataset.write(tmp.resolve("sim"), 5, Map.of("human", 3), Map.of());
    Classifier classifier = new Classifier(ClassifierConfig.defaults());
    List<SessionVerdict> verdicts = new ArrayList<>();
    try (Stream<Path> files = Files.list(data.recordsDir())) {
      for (Path f : files.sorted().toList()) {
        SessionFeatures features = OfflineRecording.featurize(f, OfflineRecording.NO_PRINTS);
        verdicts.add(classifier.classify(features).verdict());
      }
    }
    Path db = tmp.resolve("live.sqlite");
    Path export = tmp.resolve("out/copy.sqlite");
    // the sink's connection stays open, as while the sink runs: the commits are in the WAL, not the main file
    try (SessionDatabase sink = SessionDatabase.open(db)) {
      sink.apply(verdicts);
      assertThat(Path.of(db + "-wal")).as("the WAL holds the commits").isNotEmptyFile();

      Path naive = tmp.resolve("naive.sqlite");
      Files.copy(db, naive);
      assertThat(sessionsIn(naive)).as("a copy of the main file alone").isLessThan(verdicts.size());

      CliRun run = CliRun.of("export", "--db", db.toString(), "--out", export.toString());
      assertThat(run.exit()).as(run.err()).isZero();
      assertThat(run.out()).contains(verdicts.size() + " session(s)");
      CliRun again = CliRun.of("export", "--db", db.toString(), "--out", export.toString());
      assertThat(again.exit()).isEqualTo(1);
      assertThat(again.err()).contains("exists").contains("--force");
    }
    assertThat(Path.of(export + "-wal")).doesNotExist();
    assertThat(sessionsIn(export)).isEqualTo(verdicts.size());
    assertThat(CliRun.of("label", "ls", "--db", export.toString(), "--json").json()).hasSize(verdicts.size());
  }

  /** Sessions in a database file on its own; -1 when it has no sessions table. */
  private static long sessionsIn(Path file) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM sessions")) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      if (String.valueOf(e.getMessage()).contains("no such table")) {
        return -1;
      }
      throw e;
    }
  }
}
