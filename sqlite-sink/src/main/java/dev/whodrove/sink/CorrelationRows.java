package dev.whodrove.sink;

import dev.whodrove.schemas.v1.CorrelatedSession;
import dev.whodrove.schemas.v1.Correlation;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;

/**
 * {@code session_correlations}: the cross-substrate correlations the correlator lists in its verdicts, one row per
 * (session, correlation), so each side of a pair has its own row and goes with its session. A newer or equal
 * {@code computed_at_ms} replaces a row (a replay re-applies); a correlation marked withdrawn deletes it.
 */
final class CorrelationRows implements AutoCloseable {
  static final String TABLE = """
      CREATE TABLE IF NOT EXISTS session_correlations (
        session_id TEXT NOT NULL REFERENCES sessions(session_id) ON DELETE CASCADE,
        correlation_id TEXT NOT NULL,
        peer_session_id TEXT NOT NULL,
        peer_substrate TEXT,
        identity TEXT NOT NULL,
        tier TEXT NOT NULL,
        joint_score REAL NOT NULL,
        overlap_s REAL,
        overlap_fraction REAL,
        model_agreement INTEGER,
        teleport_segment INTEGER,
        set_by TEXT NOT NULL,
        computed_at TEXT NOT NULL,
        computed_at_ms INTEGER NOT NULL,
        PRIMARY KEY (session_id, correlation_id)
      )""";

  static final List<String> INDEXES = List.of(
      "CREATE INDEX IF NOT EXISTS idx_correlations_id ON session_correlations(correlation_id)",
      "CREATE INDEX IF NOT EXISTS idx_correlations_tier ON session_correlations(tier)");

  private static final String UPSERT = """
      INSERT INTO session_correlations (session_id, correlation_id, peer_session_id, peer_substrate, identity, tier,
        joint_score, overlap_s, overlap_fraction, model_agreement, teleport_segment, set_by, computed_at, computed_at_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(session_id, correlation_id) DO UPDATE SET
        peer_session_id = excluded.peer_session_id, peer_substrate = excluded.peer_substrate,
        identity = excluded.identity, tier = excluded.tier, joint_score = excluded.joint_score,
        overlap_s = excluded.overlap_s, overlap_fraction = excluded.overlap_fraction,
        model_agreement = excluded.model_agreement, teleport_segment = excluded.teleport_segment,
        set_by = excluded.set_by, computed_at = excluded.computed_at, computed_at_ms = excluded.computed_at_ms
      WHERE excluded.computed_at_ms >= session_correlations.computed_at_ms""";

  private final PreparedStatement upsert;
  private final PreparedStatement delete;

  CorrelationRows(Connection conn) throws SQLException {
    upsert = conn.prepareStatement(UPSERT);
    delete = conn.prepareStatement("DELETE FROM session_correlations WHERE session_id = ? AND correlation_id = ? "
        + "AND computed_at_ms <= ?");
  }

  /** Applies the correlations a verdict lists for session {@code sid}; returns the rows written or deleted. */
  int write(String sid, String setBy, List<Correlation> correlations) throws SQLException {
    int rows = 0;
    for (Correlation c : correlations) {
      boolean teleportSide = c.getTeleport().getSessionId().equals(sid);
      if (!teleportSide && !c.getGcp().getSessionId().equals(sid)) {
        continue; // names neither side as this session: not this session's correlation
      }
      if (c.getWithdrawn()) {
        delete.setString(1, sid);
        delete.setString(2, c.getCorrelationId());
        delete.setLong(3, c.getComputedAtMs());
        rows += delete.executeUpdate();
        continue;
      }
      CorrelatedSession peer = teleportSide ? c.getGcp() : c.getTeleport();
      upsert.setString(1, sid);
      upsert.setString(2, c.getCorrelationId());
      upsert.setString(3, peer.getSessionId());
      setText(upsert, 4, peer.getSubstrate());
      upsert.setString(5, c.getIdentity());
      upsert.setString(6, c.getTier());
      upsert.setDouble(7, c.getJointScore());
      upsert.setDouble(8, c.getOverlapS());
      upsert.setDouble(9, c.getOverlapFraction());
      upsert.setInt(10, c.getModelAgreement() ? 1 : 0);
      if (c.getTeleport().hasSegmentIndex()) {
        upsert.setInt(11, c.getTeleport().getSegmentIndex());
      } else {
        upsert.setNull(11, Types.INTEGER);
      }
      upsert.setString(12, !c.getStage().isEmpty() ? c.getStage() : setBy);
      upsert.setString(13, Rfc3339.seconds(c.getComputedAtMs()));
      upsert.setLong(14, c.getComputedAtMs());
      rows += upsert.executeUpdate();
    }
    return rows;
  }

  private static void setText(PreparedStatement ps, int p, String s) throws SQLException {
    if (s == null || s.isEmpty()) {
      ps.setNull(p, Types.VARCHAR);
    } else {
      ps.setString(p, s);
    }
  }

  @Override
  public void close() throws SQLException {
    upsert.close();
    delete.close();
  }
}
