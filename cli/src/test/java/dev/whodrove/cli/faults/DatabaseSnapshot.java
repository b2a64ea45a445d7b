package dev.whodrove.cli.faults;

import dev.whodrove.sink.SessionDatabase;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * The content of a {@code sessions.sqlite}, every table, without the columns stamped from the wall clock when a row is
 * written or counting the corrections it took — what two runs over the same input must agree on whatever happened to
 * the services on the way. Rows are
 * compared as multisets, so a row written twice shows.
 */
record DatabaseSnapshot(Map<String, List<String>> rowsByTable) {
  static final List<String> TABLES = List.of("sessions", "session_labels", "notable_events", "gcp_minute_features",
      "cadence_segments");
  /** When the sink wrote a row or the featurizer computed it: differs between any two runs. */
  static final Set<String> WALL_CLOCK_COLUMNS = Set.of("parsed_at", "updated_at", "features_computed_at", "set_at",
      "set_at_ms",
      // how many corrections a session's features went through: audit events (BPF, upload) that reach the featurizer
      // after the recording correct it, which depends on how the two input topics interleave, not on the content
      "parser_version", "features_revision");

  /**
   * Reads {@code db}; every value naming a path under {@code runDir} (the recordings' URIs) names it relative to it,
   * so runs in different directories compare.
   */
  static DatabaseSnapshot of(Path db, Path runDir) throws SQLException {
    String root = runDir.toUri().toString();
    Map<String, List<String>> tables = new LinkedHashMap<>();
    try (SessionDatabase store = SessionDatabase.openReadOnly(db);
        Statement st = store.connection().createStatement()) {
      for (String table : TABLES) {
        List<String> rows = new ArrayList<>();
        try (ResultSet rs = st.executeQuery("SELECT * FROM " + table)) {
          ResultSetMetaData md = rs.getMetaData();
          while (rs.next()) {
            StringJoiner row = new StringJoiner(", ", "{", "}");
            for (int i = 1; i <= md.getColumnCount(); i++) {
              String column = md.getColumnName(i);
              if (!WALL_CLOCK_COLUMNS.contains(column)) {
                String v = rs.getString(i);
                row.add(column + "=" + (v == null ? null : v.replace(root, "<run>/")));
              }
            }
            rows.add(row.toString());
          }
        }
        Collections.sort(rows);
        tables.put(table, List.copyOf(rows));
      }
    }
    return new DatabaseSnapshot(tables);
  }

  /** Rows per table. */
  Map<String, Integer> counts() {
    Map<String, Integer> m = new LinkedHashMap<>();
    rowsByTable.forEach((t, rows) -> m.put(t, rows.size()));
    return m;
  }

  /** What this snapshot has that {@code other} lacks and the reverse, a few rows per table; empty when equal. */
  String differencesFrom(DatabaseSnapshot other) {
    StringBuilder out = new StringBuilder();
    for (String table : TABLES) {
      List<String> extra = minus(rowsByTable.get(table), other.rowsByTable.get(table));
      List<String> missing = minus(other.rowsByTable.get(table), rowsByTable.get(table));
      if (!extra.isEmpty() || !missing.isEmpty()) {
        out.append(table).append(": ").append(extra.size()).append(" rows not in the other run, ")
            .append(missing.size()).append(" rows missing\n");
        extra.stream().limit(3).forEach(r -> out.append("  + ").append(r).append('\n'));
        missing.stream().limit(3).forEach(r -> out.append("  - ").append(r).append('\n'));
      }
    }
    return out.toString();
  }

  private static List<String> minus(List<String> a, List<String> b) {
    Map<String, Integer> left = new HashMap<>();
    b.forEach(r -> left.merge(r, 1, Integer::sum));
    List<String> out = new ArrayList<>();
    for (String r : a) {
      Integer n = left.get(r);
      if (n == null || n == 0) {
        out.add(r);
      } else {
        left.put(r, n - 1);
      }
    }
    return out;
  }
}
