package dev.whodrove.sink;

import dev.whodrove.schemas.labels.LabelMerge;
import dev.whodrove.schemas.redact.FeatureRedactor;
import dev.whodrove.schemas.v1.CadenceSegment;
import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.MinuteBucket;
import dev.whodrove.schemas.v1.NotableEvent;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes verdicts through prepared statements on one connection; the caller owns the transaction. Every write is
 * an idempotent upsert or a delete-and-reinsert of a session's child rows, so applying the same verdict twice leaves
 * the file as applying it once. Every verdict passes through the {@link FeatureRedactor} before it is bound: the
 * featurizer and classifier redact already, but whatever else wrote to {@code session.labels} is cleaned here too.
 */
final class SessionWriter implements AutoCloseable {
  /** Label stamps that start with this prefix come from a person and outrank every automated stage. */
  static final String MANUAL_PREFIX = LabelMerge.MANUAL_PREFIX;

  /**
   * Writes the stamp {@link LabelMerge} decided wins its key. Which stamp wins (a person's over an automated stage's,
   * imported truth over automated stages, otherwise the newer set_at, an equal one letting the later delivery win)
   * and which stamps a producer's newer
   * verdict takes away are decided there, in the rules siem-export shares; rows written by the study CLIs lack
   * set_at_ms, and their text set_at is converted when they are read.
   */
  static final String LABEL_UPSERT = """
      INSERT INTO session_labels (session_id, key, value, set_by, set_at, set_at_ms) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT(session_id, key) DO UPDATE SET
        value = excluded.value, set_by = excluded.set_by, set_at = excluded.set_at, set_at_ms = excluded.set_at_ms""";

  /** A stamp its producer no longer claims ({@link LabelMerge.Outcome#removed()}). */
  static final String LABEL_DELETE = "DELETE FROM session_labels WHERE session_id = ? AND key = ?";

  /** A session's stored stamps as {@link LabelMerge} compares them: set_at_ms, or the text set_at converted. */
  static final String LABELS_OF_SESSION = "SELECT key, value, set_by, COALESCE(set_at_ms, %s) FROM session_labels "
      .formatted(DatabaseLayout.SET_AT_MS_FROM_TEXT.formatted("set_at")) + "WHERE session_id = ?";

  /** Label-only verdicts need a session row for the labels to hang on (foreign key); features fill it in later. */
  static final String PLACEHOLDER_UPSERT = """
      INSERT INTO sessions (session_id, user, parsed_at, parser_version, substrate, written_by, updated_at)
      VALUES (?, '', ?, '%s', ?, '%s', ?)
      ON CONFLICT(session_id) DO UPDATE SET substrate = COALESCE(sessions.substrate, excluded.substrate)
      """.formatted(SessionRows.LABELS_ONLY, SessionRows.WRITTEN_BY);

  /** First delivery of a session's features: a plain insert, which also tells whether the row is new. */
  static final String SESSION_INSERT = "INSERT INTO sessions (" + String.join(", ", SessionRows.FEATURE_COLUMNS)
      + ") VALUES (" + "?, ".repeat(SessionRows.FEATURE_COLUMNS.size() - 1) + "?) ON CONFLICT(session_id) DO NOTHING";

  /** Later deliveries: the newest feature revision wins; an equal one is re-applied (replays converge). */
  static final String SESSION_UPDATE = sessionUpdate();

  private static String sessionUpdate() {
    List<String> sets = new ArrayList<>();
    for (String c : SessionRows.FEATURE_COLUMNS.subList(1, SessionRows.FEATURE_COLUMNS.size())) {
      // recording_bytes is not in the features: keep what the study CLIs may have written.
      sets.add(c.equals("recording_bytes") ? c + " = COALESCE(?, " + c + ")" : c + " = ?");
    }
    return "UPDATE sessions SET " + String.join(", ", sets)
        + " WHERE session_id = ? AND (features_revision IS NULL OR features_revision <= ?)";
  }

  /** Counts of what one verdict changed. */
  record Written(int sessions, int labelsApplied, int labelsOutranked, int childRows) {}

  private final PreparedStatement insertSession;
  private final PreparedStatement updateSession;
  private final PreparedStatement placeholder;
  private final PreparedStatement label;
  private final PreparedStatement unlabel;
  private final PreparedStatement storedLabels;
  private final PreparedStatement coverage;
  private final PreparedStatement deleteNotable;
  private final PreparedStatement insertNotable;
  private final PreparedStatement deleteMinutes;
  private final PreparedStatement insertMinute;
  private final PreparedStatement deleteSegments;
  private final PreparedStatement insertSegment;
  private final PreparedStatement adoptLabels;
  private final PreparedStatement deleteSession;
  private final CorrelationRows correlations;
  private final FeatureRedactor redactor = new FeatureRedactor();
  /** Formatting caches: a batch shares one clock reading, a verdict's stamps usually share one time. */
  private long nowMs = Long.MIN_VALUE;
  private String nowText;
  private long lastSetAtMs;
  private String lastSetAtText;

  SessionWriter(Connection conn) throws SQLException {
    insertSession = conn.prepareStatement(SESSION_INSERT);
    updateSession = conn.prepareStatement(SESSION_UPDATE);
    placeholder = conn.prepareStatement(PLACEHOLDER_UPSERT);
    label = conn.prepareStatement(LABEL_UPSERT);
    unlabel = conn.prepareStatement(LABEL_DELETE);
    storedLabels = conn.prepareStatement(LABELS_OF_SESSION);
    coverage = conn.prepareStatement("UPDATE sessions SET coverage_gap = (SELECT value FROM session_labels "
        + "WHERE session_id = ? AND key = 'coverage.gap') WHERE session_id = ?");
    deleteNotable = conn.prepareStatement("DELETE FROM notable_events WHERE session_id = ?");
    insertNotable = conn.prepareStatement(
        "INSERT INTO notable_events (session_id, event_time, event_type, payload, ref) VALUES (?, ?, ?, ?, ?)");
    deleteMinutes = conn.prepareStatement("DELETE FROM gcp_minute_features WHERE session_id = ?");
    insertMinute = conn.prepareStatement("INSERT INTO gcp_minute_features (session_id, minute_bucket, call_count, "
        + "distinct_services, distinct_methods, impersonation_calls, denied_calls, top_services_json, "
        + "top_methods_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    deleteSegments = conn.prepareStatement("DELETE FROM cadence_segments WHERE session_id = ?");
    StringBuilder seg = new StringBuilder("INSERT INTO cadence_segments (session_id, segment_index, start_at, end_at");
    for (String[] c : DatabaseLayout.CADENCE_BLOCK) {
      seg.append(", ").append(c[0]);
    }
    seg.append(") VALUES (?, ?, ?, ?").append(", ?".repeat(DatabaseLayout.CADENCE_BLOCK.size())).append(')');
    insertSegment = conn.prepareStatement(seg.toString());
    // As the study's whodrove-gcp CLI merges overlapping GCP sessions: the surviving session keeps its own labels and
    // adopts the
    // absorbed session's other keys; the absorbed row and its child rows go (its buckets are in the survivor's).
    adoptLabels = conn.prepareStatement("INSERT OR IGNORE INTO session_labels (session_id, key, value, set_by, set_at, "
        + "set_at_ms) SELECT ?, key, value, set_by, set_at, set_at_ms FROM session_labels WHERE session_id = ?");
    deleteSession = conn.prepareStatement("DELETE FROM sessions WHERE session_id = ?");
    correlations = new CorrelationRows(conn);
  }

  /** Why a verdict cannot be stored, or null when it can. */
  static String invalidReason(SessionVerdict v) {
    return LabelMerge.invalidReason(v);
  }

  /** Formats a label time, reusing the previous result: stamps of one verdict usually share their time. */
  private String setAtText(long atMs) {
    if (atMs != lastSetAtMs || lastSetAtText == null) {
      lastSetAtMs = atMs;
      lastSetAtText = Rfc3339.seconds(atMs);
    }
    return lastSetAtText;
  }

  Written write(SessionVerdict verdict, long now) throws SQLException {
    SessionVerdict v = redactor.redact(verdict);
    if (now != nowMs) {
      nowMs = now;
      nowText = Rfc3339.millis(now);
    }
    String sid = v.getSessionId();
    int sessions;
    int children = 0;
    if (v.hasFeatures()) {
      Object[] row = SessionRows.sessionRow(v, nowMs, nowText);
      bind(insertSession, row);
      if (insertSession.executeUpdate() > 0) {
        sessions = 1;
        children = writeChildren(sid, v.getFeatures(), false); // a new session has no child rows to replace
      } else {
        // SET values are the row without session_id, then the WHERE parameters.
        Object[] update = new Object[row.length + 1];
        System.arraycopy(row, 1, update, 0, row.length - 1);
        update[row.length - 1] = sid;
        update[row.length] = v.getFeatures().getRevision();
        bind(updateSession, update);
        sessions = updateSession.executeUpdate();
        if (sessions > 0) {
          children = writeChildren(sid, v.getFeatures(), true);
        }
      }
    } else {
      placeholder.setString(1, sid);
      placeholder.setString(2, Rfc3339.seconds(v.getEmittedAtMs() > 0 ? v.getEmittedAtMs() : nowMs));
      setNullable(placeholder, 3, substrateHint(v));
      placeholder.setString(4, nowText);
      sessions = placeholder.executeUpdate();
    }
    if (v.getCorrelationsCount() > 0) {
      children += correlations.write(sid, v.getStage(), v.getCorrelationsList());
    }
    int applied = 0;
    int outranked = 0;
    if (v.getLabelsCount() > 0) {
      LabelMerge.Outcome merged = LabelMerge.apply(storedLabels(sid), v, nowMs);
      for (String key : merged.written()) {
        Label l = merged.labels().get(key);
        label.setString(1, sid);
        label.setString(2, key);
        label.setString(3, l.getValue());
        label.setString(4, l.getSetBy());
        label.setString(5, setAtText(l.getSetAtMs()));
        label.setLong(6, l.getSetAtMs());
        label.addBatch();
      }
      if (!merged.written().isEmpty()) {
        label.executeBatch();
      }
      for (String key : merged.removed()) {
        unlabel.setString(1, sid);
        unlabel.setString(2, key);
        unlabel.addBatch();
      }
      if (!merged.removed().isEmpty()) {
        unlabel.executeBatch();
      }
      applied = merged.applied();
      outranked = merged.outranked();
      boolean coverageTouched = !merged.removed().isEmpty()
          || v.getLabelsList().stream().anyMatch(l -> l.getKey().equals("coverage.gap"));
      if (coverageTouched) {
        coverage.setString(1, sid);
        coverage.setString(2, sid);
        coverage.executeUpdate();
      }
    }
    // after this verdict's own stamps: the survivor keeps them and adopts only the absorbed sessions' other keys
    if (v.hasFeatures() && sessions > 0 && v.getFeatures().hasGcp()) {
      absorb(sid, v.getFeatures().getGcp().getMergedSessionIdsList());
    }
    return new Written(sessions, applied, outranked, children);
  }

  /** The session's stored stamps. */
  private List<Label> storedLabels(String sid) throws SQLException {
    List<Label> out = new ArrayList<>();
    storedLabels.setString(1, sid);
    try (ResultSet rs = storedLabels.executeQuery()) {
      while (rs.next()) {
        out.add(Label.newBuilder().setKey(rs.getString(1)).setValue(rs.getString(2)).setSetBy(rs.getString(3))
            .setSetAtMs(rs.getLong(4)).build());
      }
    }
    return out;
  }

  /** Removes sessions merged into {@code sid}, carrying over label keys {@code sid} does not have. */
  private void absorb(String sid, List<String> merged) throws SQLException {
    for (String other : merged) {
      if (other.isEmpty() || other.equals(sid)) {
        continue;
      }
      adoptLabels.setString(1, sid);
      adoptLabels.setString(2, other);
      adoptLabels.executeUpdate();
      deleteSession.setString(1, other);
      deleteSession.executeUpdate();
    }
  }

  /** The substrate a label-only verdict tells us about, if any. */
  private static String substrateHint(SessionVerdict v) {
    if (!v.getSubstrate().isEmpty()) {
      return v.getSubstrate();
    }
    for (Label l : v.getLabelsList()) {
      if (l.getKey().equals("substrate.kind") && !l.getValue().isEmpty()) {
        return l.getValue();
      }
    }
    return null;
  }

  /** Replaces notable events, minute buckets and segments of the session with those of these features. */
  private int writeChildren(String sid, SessionFeatures f, boolean replace) throws SQLException {
    int rows = 0;
    if (replace) {
      for (PreparedStatement delete : List.of(deleteNotable, deleteMinutes, deleteSegments)) {
        delete.setString(1, sid);
        delete.executeUpdate();
      }
    }
    if (f.getNotableEventsCount() > 0) {
      for (NotableEvent e : f.getNotableEventsList()) {
        insertNotable.setString(1, sid);
        insertNotable.setString(2, Rfc3339.millis(e.getTimeMs()));
        insertNotable.setString(3, SessionRows.eventType(e.getKind()));
        insertNotable.setString(4, SessionRows.payload(e));
        setNullable(insertNotable, 5, SessionRows.text(e.getRef()));
        insertNotable.addBatch();
      }
      rows += insertNotable.executeBatch().length;
    }
    if (f.hasGcp() && f.getGcp().getBucketsCount() > 0) {
      for (MinuteBucket mb : f.getGcp().getBucketsList()) {
        bind(insertMinute, SessionRows.minuteRow(sid, mb));
        insertMinute.addBatch();
      }
      rows += insertMinute.executeBatch().length;
    }
    if (f.getSegmentsCount() > 0) {
      for (CadenceSegment s : f.getSegmentsList()) {
        Object[] row = new Object[4 + DatabaseLayout.CADENCE_BLOCK.size()];
        row[0] = sid;
        row[1] = s.getIndex();
        row[2] = Rfc3339.secondsOrNull(s.getStartMs());
        row[3] = Rfc3339.secondsOrNull(s.getEndMs());
        SessionRows.cadence(s.hasCadence() ? s.getCadence() : null, row, 4);
        bind(insertSegment, row);
        insertSegment.addBatch();
      }
      rows += insertSegment.executeBatch().length;
    }
    return rows;
  }

  static void bind(PreparedStatement ps, Object[] values) throws SQLException {
    for (int i = 0; i < values.length; i++) {
      Object v = values[i];
      int p = i + 1;
      if (v == null) {
        ps.setNull(p, Types.NULL);
      } else if (v instanceof String s) {
        ps.setString(p, s);
      } else if (v instanceof Integer n) {
        ps.setInt(p, n);
      } else if (v instanceof Long n) {
        ps.setLong(p, n);
      } else if (v instanceof Double d) {
        ps.setDouble(p, d);
      } else {
        throw new IllegalArgumentException("unsupported value type " + v.getClass() + " at parameter " + p);
      }
    }
  }

  private static void setNullable(PreparedStatement ps, int p, String s) throws SQLException {
    if (s == null) {
      ps.setNull(p, Types.VARCHAR);
    } else {
      ps.setString(p, s);
    }
  }

  @Override
  public void close() throws SQLException {
    for (PreparedStatement ps : List.of(insertSession, updateSession, placeholder, label, unlabel, storedLabels, coverage, deleteNotable, insertNotable,
        deleteMinutes, insertMinute, deleteSegments, insertSegment, adoptLabels, deleteSession)) {
      ps.close();
    }
    correlations.close();
  }
}
