package dev.whodrove.sink;

import static dev.whodrove.sink.Verdicts.T0;
import static dev.whodrove.sink.Verdicts.label;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrationTest {
  @TempDir
  Path dir;

  /** A file as the study CLIs' first, Teleport-only release left it, with one session and one label. */
  private Path whodroveTeleportOnlyFile() throws SQLException, IOException {
    Path file = dir.resolve("old.sqlite");
    String ddl;
    try (InputStream in = getClass().getResourceAsStream("/whodrove/schema-teleport-only.sql")) {
      ddl = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
      for (String stmt : ddl.replaceAll("(?m)^--.*$", "").split(";")) {
        if (!stmt.isBlank()) {
          st.execute(stmt);
        }
      }
      st.execute("INSERT INTO sessions (session_id, user, kind, uploaded_at, pty_present, print_chunks, parsed_at, "
          + "parser_version, recording_bytes) VALUES ('old-1', 'bob', 'ssh', '2025-06-01T10:00:00Z', 1, 42, "
          + "'2025-06-01T10:05:00Z', 'v0.1', 12345)");
      st.execute("INSERT INTO session_labels VALUES ('old-1', 'operator.type', 'human', 'manual:cli', "
          + "'2025-06-01T11:00:00Z')");
      st.execute("INSERT INTO notable_events VALUES ('old-1', '2025-06-01T10:01:00Z', 'session.command', '{}')");
    }
    return file;
  }

  @Test
  void migratesAWhodroveFileInPlace() throws Exception {
    Path file = whodroveTeleportOnlyFile();
    try (SessionDatabase store = SessionDatabase.open(file)) {
      Connection c = store.connection();
      Set<String> cols = DatabaseLayout.columnsOf(c, "sessions");
      for (DatabaseLayout.Column col : DatabaseLayout.ADDED_COLUMNS) {
        assertThat(DatabaseLayout.columnsOf(c, col.table())).as(col.table()).contains(col.name());
      }
      assertThat(cols).contains("substrate", "gcp_principal", "gcp_median_call_gap_ms", "gap_p50_s",
          "local_gap_std", "insufficient_data", "recording_present", "coverage_gap");
      Map<String, String> types = columnTypes(c, "sessions");
      assertThat(types).containsEntry("substrate", "TEXT").containsEntry("gcp_call_count", "INTEGER")
          .containsEntry("gcp_median_call_gap_ms", "REAL").containsEntry("duration_seconds", "REAL");
      assertThat(DatabaseLayout.columnsOf(c, "gcp_minute_features")).contains("top_services_json", "minute_bucket");
      assertThat(DatabaseLayout.columnsOf(c, "cadence_segments")).contains("segment_index", "gap_p50_s");
      assertThat(indexes(c)).contains("idx_sessions_substrate", "idx_sessions_gcp_principal",
          "idx_gcp_minute_session", "idx_sessions_user", "idx_labels_kv");
      // Backfill: pre-split rows are Teleport rows; their label time becomes exact.
      SessionDetail old = store.showSession("old-1").orElseThrow();
      assertThat(old.column("substrate")).isEqualTo("teleport-recording");
      assertThat(scalar(c, "SELECT set_at_ms FROM session_labels WHERE session_id = 'old-1'"))
          .isEqualTo(1_748_775_600_000L);
      // The old manual label still outranks our automated stages, and old rows keep what we cannot know.
      store.apply(Verdicts.teleport("old-1", 1, 1, label("operator.type", "agent", "phase1-classifier@v1", T0)));
      SessionDetail after = store.showSession("old-1").orElseThrow();
      assertThat(after.labels().get(0).value()).isEqualTo("human");
      assertThat(after.column("recording_bytes")).isEqualTo(12345);
      assertThat(after.notableEvents()).hasSize(1);
    }
    // Reopening is a no-op, and a label-only row of ours is not mistaken for a pre-split Teleport row.
    try (SessionDatabase store = SessionDatabase.open(file)) {
      store.apply(Verdicts.labels("gcp-x", label("review.note", "x", "manual:a", T0)));
    }
    try (SessionDatabase store = SessionDatabase.open(file)) {
      assertThat(store.showSession("gcp-x").orElseThrow().column("substrate")).isNull();
      assertThat(store.showSession("old-1").orElseThrow().column("substrate")).isEqualTo("teleport-recording");
    }
  }

  @Test
  void readsAnUnmigratedWhodroveFileReadOnlyWithoutTouchingIt() throws Exception {
    Path file = whodroveTeleportOnlyFile();
    try (SessionDatabase reader = SessionDatabase.openReadOnly(file)) {
      SessionSummary s = reader.listSessions(LabelSelector.parse("operator.type=human")).get(0);
      assertThat(s.sessionId()).isEqualTo("old-1");
      assertThat(s.substrate()).isNull();
      assertThat(s.printChunks()).isEqualTo(42);
      assertThat(s.label("operator.type")).isEqualTo("human");
      assertThat(reader.showSession("old-1").orElseThrow().segments()).isEmpty();
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
      assertThat(DatabaseLayout.columnsOf(c, "sessions")).doesNotContain("substrate");
    }
  }

  @Test
  void migratesAnOlderFileOfOursMissingNewColumns() throws Exception {
    Path file = dir.resolve("ours.sqlite");
    try (SessionDatabase store = SessionDatabase.open(file)) {
      store.apply(Verdicts.teleport("s1", 1, 1));
    }
    // Simulate an older layout: drop a column we added later.
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
      st.execute("ALTER TABLE sessions DROP COLUMN coverage_gap");
      st.execute("ALTER TABLE cadence_segments DROP COLUMN bytes_dropped");
    }
    try (SessionDatabase store = SessionDatabase.open(file)) {
      assertThat(DatabaseLayout.columnsOf(store.connection(), "sessions")).contains("coverage_gap");
      assertThat(DatabaseLayout.columnsOf(store.connection(), "cadence_segments")).contains("bytes_dropped");
      assertThat(store.showSession("s1").orElseThrow().column("n_events")).isEqualTo(900);
    }
  }

  @Test
  void aFreshFileHasWhodrovesExactColumnsAndTypes() throws Exception {
    try (SessionDatabase store = SessionDatabase.open(dir.resolve("new.sqlite"))) {
      Map<String, String> s = columnTypes(store.connection(), "sessions");
      String[][] whodrove = {{"session_id", "TEXT"}, {"user", "TEXT"}, {"cluster", "TEXT"}, {"kind", "TEXT"},
          {"started_at", "TEXT"}, {"ended_at", "TEXT"}, {"uploaded_at", "TEXT"}, {"duration_seconds", "REAL"},
          {"recording_uri", "TEXT"}, {"recording_bytes", "INTEGER"}, {"pty_present", "INTEGER"},
          {"print_chunks", "INTEGER"}, {"print_bytes", "INTEGER"}, {"median_chunk_gap_ms", "REAL"},
          {"idle_gap_count", "INTEGER"}, {"edit_char_count", "INTEGER"}, {"command_count", "INTEGER"},
          {"bpf_present", "INTEGER"}, {"single_shot", "INTEGER"}, {"join_count", "INTEGER"}, {"parsed_at", "TEXT"},
          {"parser_version", "TEXT"}, {"parse_error", "TEXT"}, {"substrate", "TEXT"}, {"gcp_principal", "TEXT"},
          {"gcp_ua_sample", "TEXT"}, {"gcp_caller_ip", "TEXT"}, {"gcp_call_count", "INTEGER"},
          {"gcp_distinct_services", "INTEGER"}, {"gcp_distinct_methods", "INTEGER"},
          {"gcp_impersonation_calls", "INTEGER"}, {"gcp_denied_calls", "INTEGER"}, {"gcp_minute_buckets", "INTEGER"},
          {"gcp_median_call_gap_ms", "REAL"}};
      for (String[] col : whodrove) {
        assertThat(s).containsEntry(col[0], col[1]);
      }
      assertThat(columnTypes(store.connection(), "session_labels")).containsEntry("set_at", "TEXT")
          .containsEntry("set_by", "TEXT").containsEntry("value", "TEXT");
      assertThat(columnTypes(store.connection(), "notable_events")).containsEntry("payload", "TEXT");
      assertThat(columnTypes(store.connection(), "gcp_minute_features")).containsEntry("denied_calls", "INTEGER");
    }
  }

  private static Map<String, String> columnTypes(Connection c, String table) throws SQLException {
    Map<String, String> m = new HashMap<>();
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT name, type FROM pragma_table_info('" + table + "')")) {
      while (rs.next()) {
        m.put(rs.getString(1), rs.getString(2));
      }
    }
    return m;
  }

  private static Set<String> indexes(Connection c) throws SQLException {
    Set<String> names = new TreeSet<>();
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT name FROM sqlite_master WHERE type = 'index'")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }

  private static Object scalar(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getObject(1);
    }
  }
}
