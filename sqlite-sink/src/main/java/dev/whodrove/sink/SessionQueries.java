package dev.whodrove.sink;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The read side: label-selector listing and single-session detail. Works on any file the study CLIs or this sink
 * wrote,
 * migrated or not — columns a file lacks read as null.
 */
final class SessionQueries {
  private final Connection conn;

  SessionQueries(Connection conn) {
    this.conn = conn;
  }

  /** Sessions matching every requirement, newest upload first, each with all its labels. */
  List<SessionSummary> listSessions(LabelSelector selector) throws SQLException {
    Set<String> cols = DatabaseLayout.columnsOf(conn, "sessions");
    StringBuilder where = new StringBuilder();
    List<String> params = new ArrayList<>();
    for (LabelSelector.Requirement r : selector.requirements()) {
      where.append(where.length() == 0 ? " WHERE " : " AND ")
          .append("EXISTS (SELECT 1 FROM session_labels l WHERE l.session_id = s.session_id AND l.key = ? AND l.value = ?)");
      params.add(r.key());
      params.add(r.value());
    }
    String select = "SELECT s.session_id, s.user, " + col(cols, "substrate") + ", s.kind, s.started_at, s.ended_at, "
        + "s.uploaded_at, s.pty_present, s.print_chunks, s.parse_error, " + col(cols, "coverage_gap")
        + " FROM sessions s" + where + " ORDER BY s.uploaded_at DESC, s.session_id";
    Map<String, Map<String, SessionLabel>> labels = new HashMap<>();
    String labelSql = "SELECT session_id, key, value, set_by, set_at FROM session_labels WHERE session_id IN "
        + "(SELECT s.session_id FROM sessions s" + where + ") ORDER BY session_id, key";
    try (PreparedStatement ps = conn.prepareStatement(labelSql)) {
      bindAll(ps, params);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          labels.computeIfAbsent(rs.getString(1), k -> new TreeMap<>())
              .put(rs.getString(2), new SessionLabel(rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)));
        }
      }
    }
    List<SessionSummary> out = new ArrayList<>();
    try (PreparedStatement ps = conn.prepareStatement(select)) {
      bindAll(ps, params);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String sid = rs.getString(1);
          Object pty = rs.getObject(8);
          Object chunks = rs.getObject(9);
          out.add(new SessionSummary(sid, rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
              rs.getString(6), rs.getString(7), pty == null ? null : ((Number) pty).longValue() != 0,
              chunks == null ? null : ((Number) chunks).longValue(), rs.getString(10), rs.getString(11),
              java.util.Collections.unmodifiableMap(labels.getOrDefault(sid, new TreeMap<>()))));
        }
      }
    }
    return out;
  }

  /** Everything stored about one session, or empty if there is no such session. */
  Optional<SessionDetail> showSession(String sessionId) throws SQLException {
    Map<String, Object> columns;
    try (PreparedStatement ps = conn.prepareStatement("SELECT * FROM sessions WHERE session_id = ?")) {
      ps.setString(1, sessionId);
      List<Map<String, Object>> rows = rows(ps);
      if (rows.isEmpty()) {
        return Optional.empty();
      }
      columns = rows.get(0);
    }
    List<SessionLabel> labels = new ArrayList<>();
    try (PreparedStatement ps = conn.prepareStatement(
        "SELECT key, value, set_by, set_at FROM session_labels WHERE session_id = ? ORDER BY key")) {
      ps.setString(1, sessionId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          labels.add(new SessionLabel(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
        }
      }
    }
    List<SessionDetail.NotableEventRow> events = new ArrayList<>();
    try (PreparedStatement ps = conn.prepareStatement(
        "SELECT event_time, event_type, payload FROM notable_events WHERE session_id = ? ORDER BY rowid")) {
      ps.setString(1, sessionId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          events.add(new SessionDetail.NotableEventRow(rs.getString(1), rs.getString(2), rs.getString(3)));
        }
      }
    }
    List<Map<String, Object>> segments = List.of();
    if (!DatabaseLayout.columnsOf(conn, "cadence_segments").isEmpty()) {
      try (PreparedStatement ps = conn.prepareStatement(
          "SELECT * FROM cadence_segments WHERE session_id = ? ORDER BY segment_index")) {
        ps.setString(1, sessionId);
        segments = rows(ps);
      }
    }
    List<Map<String, Object>> minutes = List.of();
    if (!DatabaseLayout.columnsOf(conn, "gcp_minute_features").isEmpty()) {
      try (PreparedStatement ps = conn.prepareStatement(
          "SELECT * FROM gcp_minute_features WHERE session_id = ? ORDER BY minute_bucket")) {
        ps.setString(1, sessionId);
        minutes = rows(ps);
      }
    }
    return Optional.of(new SessionDetail(sessionId, columns, List.copyOf(labels), List.copyOf(events), segments,
        minutes));
  }

  /**
   * The cross-substrate correlations of one session (rows of {@code session_correlations}), best first; empty for a
   * file without the table.
   */
  List<Map<String, Object>> correlationsOf(String sessionId) throws SQLException {
    if (DatabaseLayout.columnsOf(conn, "session_correlations").isEmpty()) {
      return List.of();
    }
    try (PreparedStatement ps = conn.prepareStatement("SELECT * FROM session_correlations WHERE session_id = ? "
        + "ORDER BY CASE tier WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, joint_score DESC, correlation_id")) {
      ps.setString(1, sessionId);
      return rows(ps);
    }
  }

  /** Every correlation once (its Teleport side's row), best first: for reports over a whole file. */
  List<Map<String, Object>> correlations() throws SQLException {
    if (DatabaseLayout.columnsOf(conn, "session_correlations").isEmpty()) {
      return List.of();
    }
    try (PreparedStatement ps = conn.prepareStatement("SELECT c.*, s.user AS user, s.substrate AS substrate "
        + "FROM session_correlations c JOIN sessions s ON s.session_id = c.session_id "
        + "WHERE s.substrate = 'teleport-recording' "
        + "ORDER BY CASE c.tier WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, c.joint_score DESC, "
        + "c.correlation_id")) {
      return rows(ps);
    }
  }

  private static String col(Set<String> present, String name) {
    return present.contains(name) ? "s." + name : "NULL AS " + name;
  }

  private static void bindAll(PreparedStatement ps, List<String> params) throws SQLException {
    for (int i = 0; i < params.size(); i++) {
      ps.setString(i + 1, params.get(i));
    }
  }

  private static List<Map<String, Object>> rows(PreparedStatement ps) throws SQLException {
    List<Map<String, Object>> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      ResultSetMetaData md = rs.getMetaData();
      while (rs.next()) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
          row.put(md.getColumnName(i), rs.getObject(i));
        }
        out.add(java.util.Collections.unmodifiableMap(row));
      }
    }
    return out;
  }
}
