package dev.whodrove.sink;

import static dev.whodrove.sink.Verdicts.T0;
import static dev.whodrove.sink.Verdicts.label;
import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.v1.CorrelatedSession;
import dev.whodrove.schemas.v1.Correlation;
import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The correlator's verdicts beside the classifier's: both producers' labels kept, one row per side of a pair. */
class CorrelationRowsTest {
  static final String CORR = "cadence-correlator@v1";
  static final String ID = "xcorr-0123456789abcdef01234567";

  @TempDir
  Path dir;
  SessionDatabase store;

  @BeforeEach
  void open() throws SQLException {
    store = SessionDatabase.open(dir.resolve("sessions.sqlite"));
    store.apply(Verdicts.teleport("t-1", 1, 0, label("operator.type", "agent", "phase1-classifier@v1", T0 + 601_000),
        label("cadence.label", "opus-4.6", "cadence@v1", T0 + 601_000)));
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static Correlation correlation(String tier, double score, long at, boolean withdrawn) {
    return Correlation.newBuilder().setCorrelationId(ID).setIdentity("frank@corp.example")
        .setTeleport(CorrelatedSession.newBuilder().setSessionId("t-1").setSubstrate("teleport-recording")
            .setSegmentIndex(1))
        .setGcp(CorrelatedSession.newBuilder().setSessionId("gcp-1").setSubstrate("gcp-cloud-audit"))
        .setOverlapS(540).setOverlapFraction(1).setJointScore(score).setTier(tier).setStage(CORR)
        .setComputedAtMs(at).setWithdrawn(withdrawn).build();
  }

  private static SessionVerdict stamped(String sid, String substrate, Correlation c, long at) {
    SessionVerdict.Builder v = SessionVerdict.newBuilder().setSessionId(sid).setSubstrate(substrate).setStage(CORR)
        .setEmittedAtMs(at).addCorrelations(c);
    if (!c.getWithdrawn()) {
      String peer = sid.equals("t-1") ? "gcp-1" : "t-1";
      for (Label l : List.of(label("correlation.cross-substrate", ID, CORR, at),
          label("correlation.tier", c.getTier(), CORR, at), label("correlation.peer", peer, CORR, at))) {
        v.addLabels(l);
      }
    }
    return v.build();
  }

  @Test
  void correlationStampsLeaveTheClassifiersLabelsAndFillTheTable() throws SQLException {
    Correlation c = correlation("high", 0.925, T0 + 700_000, false);
    store.apply(List.of(stamped("t-1", "teleport-recording", c, T0 + 700_000),
        stamped("gcp-1", "gcp-cloud-audit", c, T0 + 700_000))); // the GCP session's features are not here yet

    Map<String, SessionLabel> labels = store.listSessions(LabelSelector.parse("correlation.tier=high")).stream()
        .filter(s -> s.sessionId().equals("t-1")).findFirst().orElseThrow().labels();
    assertThat(labels).containsKeys("operator.type", "cadence.label", "correlation.cross-substrate",
        "correlation.peer");
    assertThat(labels.get("operator.type").setBy()).isEqualTo("phase1-classifier@v1");
    assertThat(labels.get("correlation.tier").setBy()).isEqualTo(CORR);
    assertThat(store.listSessions(LabelSelector.parse("correlation.tier=high")))
        .extracting(SessionSummary::sessionId).containsExactlyInAnyOrder("t-1", "gcp-1");

    List<Map<String, Object>> rows = store.correlationsOf("t-1");
    assertThat(rows).singleElement().satisfies(r -> {
      assertThat(r).containsEntry("correlation_id", ID).containsEntry("peer_session_id", "gcp-1")
          .containsEntry("tier", "high").containsEntry("teleport_segment", 1).containsEntry("set_by", CORR);
      assertThat(((Number) r.get("joint_score")).doubleValue()).isEqualTo(0.925);
    });
    assertThat(store.correlationsOf("gcp-1")).singleElement()
        .satisfies(r -> assertThat(r).containsEntry("peer_session_id", "t-1"));
    assertThat(store.correlations()).singleElement()
        .satisfies(r -> assertThat(r).containsEntry("user", "alice").containsEntry("session_id", "t-1"));

    // the classifier re-stamping the session (a replay) does not touch the correlation
    store.apply(Verdicts.teleport("t-1", 1, 0, label("operator.type", "agent", "phase1-classifier@v1",
        T0 + 601_000)));
    assertThat(store.correlationsOf("t-1")).hasSize(1);
  }

  @Test
  void olderCorrelationsLoseAndWithdrawnOnesGo() throws SQLException {
    store.apply(stamped("t-1", "teleport-recording", correlation("high", 0.9, T0 + 700_000, false), T0 + 700_000));
    store.apply(stamped("t-1", "teleport-recording", correlation("low", 0.2, T0 + 650_000, false), T0 + 650_000));
    assertThat(store.correlationsOf("t-1")).singleElement().satisfies(r -> assertThat(r).containsEntry("tier", "high"));
    store.apply(stamped("t-1", "teleport-recording", correlation("medium", 0.6, T0 + 700_000, false), T0 + 700_000));
    assertThat(store.correlationsOf("t-1")).singleElement()
        .satisfies(r -> assertThat(r).containsEntry("tier", "medium"));

    store.apply(stamped("t-1", "teleport-recording", correlation("", 0, T0 + 800_000, true), T0 + 800_000));
    assertThat(store.correlationsOf("t-1")).isEmpty();
    // a withdrawal applied twice, or one older than the row, changes nothing more
    store.apply(stamped("t-1", "teleport-recording", correlation("", 0, T0 + 800_000, true), T0 + 800_000));
    assertThat(store.correlationsOf("t-1")).isEmpty();
  }
}
