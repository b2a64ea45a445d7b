package dev.whodrove.cli;

import dev.whodrove.schemas.v1.CadenceFeatures;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.TeleportFeatures;
import dev.whodrove.sink.LabelSelector;
import dev.whodrove.sink.SessionDatabase;
import dev.whodrove.sink.SessionSummary;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/**
 * The cadence features sessions.sqlite keeps for a session (the notes/10 block and the edit count), back as a feature
 * record. The store has no keystroke-echo share, so rules on it do not fire for these.
 */
final class StoredFeatures {
  private static final String QUERY = "SELECT n_events, duration_s, total_bytes, events_per_sec, gap_p50_s, gap_p90_s,"
      + " gap_p99_s, gap_max_s, pauses_gt_1s, pauses_gt_5s, pauses_gt_30s, burst_frac, think_frac, local_gap_std,"
      + " insufficient_data, edit_char_count, pty_present, kind FROM sessions WHERE session_id = ?";

  private StoredFeatures() {}

  /** Features of the sessions matching {@code selector} that have a cadence block. */
  static List<SessionFeatures> select(Path db, LabelSelector selector) throws Exception {
    List<SessionFeatures> out = new ArrayList<>();
    try (SessionDatabase store = SessionDatabase.openReadOnly(LabelCommand.requireDb(db));
        PreparedStatement st = store.connection().prepareStatement(QUERY)) {
      for (SessionSummary s : store.listSessions(selector)) {
        st.setString(1, s.sessionId());
        try (ResultSet rs = st.executeQuery()) {
          if (!rs.next() || rs.getObject(1) == null) {
            continue;
          }
          CadenceFeatures c = CadenceFeatures.newBuilder().setNEvents(rs.getLong(1)).setDurationS(rs.getDouble(2))
              .setTotalBytes(rs.getLong(3)).setEventsPerSec(rs.getDouble(4)).setGapP50S(rs.getDouble(5))
              .setGapP90S(rs.getDouble(6)).setGapP99S(rs.getDouble(7)).setGapMaxS(rs.getDouble(8))
              .setPausesGt1S(rs.getLong(9)).setPausesGt5S(rs.getLong(10)).setPausesGt30S(rs.getLong(11))
              .setBurstFrac(rs.getDouble(12)).setThinkFrac(rs.getDouble(13)).setLocalGapStd(rs.getDouble(14))
              .setInsufficientData(rs.getInt(15) != 0).setGapScale(1.0).build();
          out.add(SessionFeatures.newBuilder().setSessionId(s.sessionId()).setSubstrate("teleport-recording")
              .setCadence(c).setTeleport(TeleportFeatures.newBuilder().setEditCharCount(rs.getLong(16))
                  .setPtyPresent(rs.getInt(17) != 0).setKind(rs.getString(18) == null ? "ssh" : rs.getString(18))
                  .setRecordingPresent(true).setInteractive(true))
              .build());
        }
      }
    }
    return out;
  }
}
