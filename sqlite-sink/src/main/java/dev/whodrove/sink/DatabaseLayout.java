package dev.whodrove.sink;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The layout of {@code sessions.sqlite}: the four tables of the study CLIs with their exact column names and types,
 * plus the columns and the {@code cadence_segments} and {@code session_correlations} tables only this project writes. Opening a file brings it to this layout
 * in place: tables created if missing, missing columns added, indexes created, {@code substrate} backfilled. Every
 * step is idempotent, so a file of the study CLIs, an older file of ours and a current one all take the same path.
 */
public final class DatabaseLayout {
  /** Our schema revision, kept in {@code PRAGMA user_version} (the study CLIs leave it 0). */
  public static final int VERSION = 1;

  public static final String SUBSTRATE_TELEPORT = "teleport-recording";
  public static final String SUBSTRATE_GCP = "gcp-cloud-audit";
  public static final String SUBSTRATE_GCP_BURST = "gcp-gcloud-burst";

  /** A column added to an existing table when missing. */
  public record Column(String table, String name, String type) {}

  /** The study CLIs' schema.sql (the version with GCP columns), verbatim in names, types and constraints. */
  static final List<String> WHODROVE_TABLES = List.of("""
      CREATE TABLE IF NOT EXISTS sessions (
        session_id TEXT PRIMARY KEY,
        user TEXT NOT NULL,
        cluster TEXT,
        kind TEXT,
        started_at TEXT,
        ended_at TEXT,
        uploaded_at TEXT,
        duration_seconds REAL,
        recording_uri TEXT,
        recording_bytes INTEGER,
        pty_present INTEGER,
        print_chunks INTEGER,
        print_bytes INTEGER,
        median_chunk_gap_ms REAL,
        idle_gap_count INTEGER,
        edit_char_count INTEGER,
        command_count INTEGER,
        bpf_present INTEGER,
        single_shot INTEGER,
        join_count INTEGER,
        parsed_at TEXT NOT NULL,
        parser_version TEXT NOT NULL,
        parse_error TEXT,
        substrate TEXT,
        gcp_principal TEXT,
        gcp_ua_sample TEXT,
        gcp_caller_ip TEXT,
        gcp_call_count INTEGER,
        gcp_distinct_services INTEGER,
        gcp_distinct_methods INTEGER,
        gcp_impersonation_calls INTEGER,
        gcp_denied_calls INTEGER,
        gcp_minute_buckets INTEGER,
        gcp_median_call_gap_ms REAL
      )""",
      "CREATE INDEX IF NOT EXISTS idx_sessions_user ON sessions(user)",
      "CREATE INDEX IF NOT EXISTS idx_sessions_uploaded ON sessions(uploaded_at)",
      "CREATE INDEX IF NOT EXISTS idx_sessions_kind ON sessions(kind)",
      """
      CREATE TABLE IF NOT EXISTS session_labels (
        session_id TEXT NOT NULL REFERENCES sessions(session_id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        set_by TEXT NOT NULL,
        set_at TEXT NOT NULL,
        PRIMARY KEY (session_id, key)
      )""",
      "CREATE INDEX IF NOT EXISTS idx_labels_kv ON session_labels(key, value)",
      "CREATE INDEX IF NOT EXISTS idx_labels_session ON session_labels(session_id)",
      """
      CREATE TABLE IF NOT EXISTS notable_events (
        session_id TEXT NOT NULL REFERENCES sessions(session_id) ON DELETE CASCADE,
        event_time TEXT NOT NULL,
        event_type TEXT NOT NULL,
        payload TEXT NOT NULL
      )""",
      "CREATE INDEX IF NOT EXISTS idx_notable_session ON notable_events(session_id)",
      """
      CREATE TABLE IF NOT EXISTS gcp_minute_features (
        session_id TEXT NOT NULL REFERENCES sessions(session_id) ON DELETE CASCADE,
        minute_bucket TEXT NOT NULL,
        call_count INTEGER NOT NULL,
        distinct_services INTEGER NOT NULL,
        distinct_methods INTEGER NOT NULL,
        impersonation_calls INTEGER NOT NULL,
        denied_calls INTEGER NOT NULL,
        top_services_json TEXT,
        top_methods_json TEXT,
        PRIMARY KEY (session_id, minute_bucket)
      )""",
      "CREATE INDEX IF NOT EXISTS idx_gcp_minute_session ON gcp_minute_features(session_id)");

  /** The cadence block of notes/10, shared by {@code sessions} and {@code cadence_segments}. */
  static final List<String[]> CADENCE_BLOCK = List.of(
      new String[] {"insufficient_data", "INTEGER"},
      new String[] {"duration_s", "REAL"},
      new String[] {"n_events", "INTEGER"},
      new String[] {"total_bytes", "INTEGER"},
      new String[] {"events_per_sec", "REAL"},
      new String[] {"gap_p50_s", "REAL"},
      new String[] {"gap_p90_s", "REAL"},
      new String[] {"gap_p99_s", "REAL"},
      new String[] {"gap_max_s", "REAL"},
      new String[] {"pauses_gt_1s", "INTEGER"},
      new String[] {"pauses_gt_5s", "INTEGER"},
      new String[] {"pauses_gt_30s", "INTEGER"},
      new String[] {"burst_frac", "REAL"},
      new String[] {"think_frac", "REAL"},
      new String[] {"local_gap_std", "REAL"},
      new String[] {"stripped_leading_gap_s", "REAL"},
      new String[] {"stripped_trailing_gap_s", "REAL"},
      new String[] {"gap_scale", "REAL"},
      new String[] {"bytes_dropped", "INTEGER"});

  static final String CADENCE_SEGMENTS_TABLE = """
      CREATE TABLE IF NOT EXISTS cadence_segments (
        session_id TEXT NOT NULL REFERENCES sessions(session_id) ON DELETE CASCADE,
        segment_index INTEGER NOT NULL,
        start_at TEXT,
        end_at TEXT,
        PRIMARY KEY (session_id, segment_index)
      )""";

  /**
   * Columns added when missing, in order: the study CLIs' post-launch columns first (their migrate.go order), then
   * ours.
   */
  public static final List<Column> ADDED_COLUMNS = addedColumns();

  /** Indexes that need columns added by migration, so they come after the ALTERs. */
  static final List<String> LATE_INDEXES = List.of(
      "CREATE INDEX IF NOT EXISTS idx_sessions_substrate ON sessions(substrate)",
      "CREATE INDEX IF NOT EXISTS idx_sessions_gcp_principal ON sessions(gcp_principal)",
      "CREATE INDEX IF NOT EXISTS idx_sessions_started ON sessions(started_at)",
      "CREATE INDEX IF NOT EXISTS idx_cadence_segments_session ON cadence_segments(session_id)");

  private DatabaseLayout() {}

  private static List<Column> addedColumns() {
    List<Column> c = new ArrayList<>();
    // The study CLIs' migrate.go, in its order.
    for (String[] col : new String[][] {
        {"substrate", "TEXT"}, {"gcp_principal", "TEXT"}, {"gcp_ua_sample", "TEXT"}, {"gcp_caller_ip", "TEXT"},
        {"gcp_call_count", "INTEGER"}, {"gcp_distinct_services", "INTEGER"}, {"gcp_distinct_methods", "INTEGER"},
        {"gcp_impersonation_calls", "INTEGER"}, {"gcp_denied_calls", "INTEGER"}, {"gcp_minute_buckets", "INTEGER"},
        {"gcp_median_call_gap_ms", "REAL"}}) {
      c.add(new Column("sessions", col[0], col[1]));
    }
    // Ours: provenance, Teleport extras, coverage, cadence block, GCP and gcloud-burst extras.
    for (String[] col : new String[][] {
        {"written_by", "TEXT"}, {"updated_at", "TEXT"}, {"features_revision", "INTEGER"},
        {"features_computed_at", "TEXT"}, {"features_stage", "TEXT"},
        {"login", "TEXT"}, {"server_id", "TEXT"}, {"server_hostname", "TEXT"}, {"server_labels_json", "TEXT"},
        {"remote_addr", "TEXT"}, {"interactive", "INTEGER"}, {"recording_present", "INTEGER"},
        {"recording_format", "TEXT"}, {"input_events", "INTEGER"}, {"coverage_gap", "TEXT"}}) {
      c.add(new Column("sessions", col[0], col[1]));
    }
    for (String[] col : CADENCE_BLOCK) {
      c.add(new Column("sessions", col[0], col[1]));
    }
    for (String[] col : new String[][] {
        {"segment_count", "INTEGER"}, {"cadence_scores_json", "TEXT"},
        {"gcp_max_impersonation_depth", "INTEGER"}, {"gcp_idle_threshold_s", "INTEGER"},
        {"gcp_user_agents_json", "TEXT"}, {"gcp_merged_session_ids_json", "TEXT"},
        {"burst_entry_count", "INTEGER"}, {"burst_dominant_method", "TEXT"},
        {"burst_dominant_method_share", "REAL"}, {"burst_method_examples_json", "TEXT"},
        {"burst_scale_factor", "REAL"}}) {
      c.add(new Column("sessions", col[0], col[1]));
    }
    // Exact label time, so precedence does not depend on how set_at was formatted.
    c.add(new Column("session_labels", "set_at_ms", "INTEGER"));
    // Source reference of a notable event (Teleport event index or GCP insert id).
    c.add(new Column("notable_events", "ref", "TEXT"));
    for (String[] col : CADENCE_BLOCK) {
      c.add(new Column("cadence_segments", col[0], col[1]));
    }
    return List.copyOf(c);
  }

  /** Brings the file behind {@code conn} to the current layout; one transaction, idempotent. */
  static void migrate(Connection conn) throws SQLException {
    boolean auto = conn.getAutoCommit();
    conn.setAutoCommit(false);
    try (Statement st = conn.createStatement()) {
      for (String ddl : WHODROVE_TABLES) {
        st.execute(ddl);
      }
      st.execute(CADENCE_SEGMENTS_TABLE);
      st.execute(CorrelationRows.TABLE);
      for (String ddl : CorrelationRows.INDEXES) {
        st.execute(ddl);
      }
      for (String table : List.of("sessions", "session_labels", "notable_events", "cadence_segments")) {
        Set<String> present = columnsOf(conn, table);
        for (Column c : ADDED_COLUMNS) {
          if (c.table().equals(table) && !present.contains(c.name())) {
            try {
              st.execute("ALTER TABLE " + table + " ADD COLUMN " + c.name() + " " + c.type());
            } catch (SQLException e) {
              throw new SQLException("alter " + table + " add " + c.name() + ": " + e.getMessage(), e);
            }
          }
        }
      }
      for (String ddl : LATE_INDEXES) {
        st.execute(ddl);
      }
      // Rows that predate the substrate column and were not written by this sink can only be Teleport rows.
      st.execute("UPDATE sessions SET substrate = '" + SUBSTRATE_TELEPORT
          + "' WHERE substrate IS NULL AND written_by IS NULL");
      st.execute("UPDATE session_labels SET set_at_ms = " + SET_AT_MS_FROM_TEXT.formatted("set_at")
          + " WHERE set_at_ms IS NULL");
      st.execute("PRAGMA user_version = " + VERSION);
      conn.commit();
    } catch (SQLException e) {
      conn.rollback();
      throw e;
    } finally {
      conn.setAutoCommit(auto);
    }
  }

  /** Epoch ms of an RFC 3339 text column (0 when it does not parse); {@code %s} is the column. */
  static final String SET_AT_MS_FROM_TEXT = "COALESCE(CAST(ROUND(unixepoch(%s, 'subsec') * 1000) AS INTEGER), 0)";

  /** Column names of a table, empty if the table does not exist. */
  public static Set<String> columnsOf(Connection conn, String table) throws SQLException {
    Set<String> names = new HashSet<>();
    try (Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery("SELECT name FROM pragma_table_info('" + table + "')")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }
}
