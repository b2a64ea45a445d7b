package dev.whodrove.sink;

import static dev.whodrove.sink.Verdicts.T0;
import static dev.whodrove.sink.Verdicts.label;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelPrecedenceTest {
  static final String P1 = "phase1-classifier@v1";
  static final String P1V2 = "phase1-classifier@v2";
  static final String P2 = "phase2-llm@v1";

  @TempDir
  Path dir;
  SessionDatabase store;

  @BeforeEach
  void open() throws SQLException {
    store = SessionDatabase.open(dir.resolve("sessions.sqlite"));
    store.apply(Verdicts.teleport("s", 1, 0));
  }

  @AfterEach
  void close() {
    store.close();
  }

  private void stamp(String value, String by, long at) throws SQLException {
    store.apply(Verdicts.labels("s", label("operator.type", value, by, at)));
  }

  private SessionLabel current() throws SQLException {
    return store.listSessions(LabelSelector.ALL).get(0).labels().get("operator.type");
  }

  @Test
  void manualIsNeverOverwrittenByAnAutomatedStageEvenANewerOne() throws SQLException {
    stamp("agent", P1, T0);
    stamp("human", "manual:alice", T0 + 1);
    stamp("agent", P2, T0 + 60_000);
    stamp("agent", P1V2, T0 + 120_000);
    assertThat(current().value()).isEqualTo("human");
    assertThat(current().setBy()).isEqualTo("manual:alice");
    assertThat(current().manual()).isTrue();
  }

  @Test
  void manualReplacesAnAutomatedValueEvenIfOlder() throws SQLException {
    stamp("agent", P1, T0 + 60_000);
    stamp("human", "manual:alice", T0);
    assertThat(current().value()).isEqualTo("human");
  }

  @Test
  void betweenManualStampsTheNewerWins() throws SQLException {
    stamp("human", "manual:alice", T0 + 10);
    stamp("agent", "manual:bob", T0);
    assertThat(current().setBy()).isEqualTo("manual:alice");
    stamp("agent", "manual:bob", T0 + 20);
    assertThat(current().setBy()).isEqualTo("manual:bob");
  }

  @Test
  void amongAutomatedStampsTheNewestSetAtWinsWhateverTheDeliveryOrder() throws SQLException {
    stamp("unknown", P2, T0 + 5_000);
    stamp("agent", P1, T0); // late delivery of an older stamp
    assertThat(current().value()).isEqualTo("unknown");
    assertThat(current().setBy()).isEqualTo(P2);
    stamp("human", P1V2, T0 + 9_000);
    assertThat(current().value()).isEqualTo("human");
  }

  @Test
  void equalSetAtLetsTheLaterDeliveryWin() throws SQLException {
    stamp("agent", P1, T0);
    stamp("human", P1V2, T0); // replay re-stamp with the same time
    assertThat(current().value()).isEqualTo("human");
    assertThat(current().setBy()).isEqualTo(P1V2);
  }

  @Test
  void withinOneBatchDeliveryOrderIsKept() throws SQLException {
    SessionDatabase.ApplyResult r = store.apply(List.of(
        Verdicts.labels("s", label("operator.type", "agent", P1, T0)),
        Verdicts.labels("s", label("operator.type", "human", P1, T0)),
        Verdicts.labels("s", label("operator.type", "unknown", P1, T0 - 1))));
    assertThat(current().value()).isEqualTo("human");
    assertThat(r.labelsApplied()).isEqualTo(2);
    assertThat(r.labelsOutranked()).isEqualTo(1);
  }

  @Test
  void subSecondDifferencesCount() throws SQLException {
    stamp("agent", P1, T0 + 900);
    stamp("human", P2, T0 + 100); // same RFC 3339 second, but older
    assertThat(current().value()).isEqualTo("agent");
  }

  @Test
  void rowsWrittenByWhodroveCompareByTheirTextSetAt() throws SQLException {
    try (Statement st = store.connection().createStatement()) {
      st.execute("INSERT INTO session_labels (session_id, key, value, set_by, set_at) "
          + "VALUES ('s', 'operator.type', 'human', 'phase1-go', '2026-01-01T00:00:10Z')");
    }
    stamp("agent", P1, T0 + 9_000);
    assertThat(current().value()).isEqualTo("human");
    stamp("agent", P1, T0 + 10_000);
    assertThat(current().value()).isEqualTo("agent");
  }

  @Test
  void aLabelWithoutSetAtOrSetByTakesTheVerdictsTimeAndStage() throws SQLException {
    store.apply(Verdicts.labels("s", dev.whodrove.schemas.v1.Label.newBuilder().setKey("k").setValue("v").build()));
    SessionLabel l = store.listSessions(LabelSelector.ALL).get(0).labels().get("k");
    assertThat(l.setBy()).isEqualTo("test");
    assertThat(l.setAt()).isEqualTo("2026-01-01T00:00:00Z");
  }
}
