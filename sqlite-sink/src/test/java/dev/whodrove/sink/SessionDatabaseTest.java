package dev.whodrove.sink;

import static dev.whodrove.sink.Verdicts.T0;
import static dev.whodrove.sink.Verdicts.label;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.whodrove.schemas.v1.SessionVerdict;
import dev.whodrove.schemas.v1.TeleportFeatures;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionDatabaseTest {
  @TempDir
  Path dir;
  SessionDatabase store;

  @BeforeEach
  void open() throws SQLException {
    store = SessionDatabase.open(dir.resolve("sessions.sqlite"));
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void opensInWalModeWithForeignKeys() throws SQLException {
    assertThat(scalar("PRAGMA journal_mode")).isEqualTo("wal");
    assertThat(scalar("PRAGMA foreign_keys")).isEqualTo(1);
    assertThat(scalar("PRAGMA user_version")).isEqualTo(DatabaseLayout.VERSION);
  }

  @Test
  void mapsTeleportFeaturesToWhodroveColumnsAndOurs() throws SQLException {
    store.apply(Verdicts.teleport("s1", 1, 3, label("operator.type", "agent", "phase1-classifier@v1", T0)));
    SessionDetail d = store.showSession("s1").orElseThrow();
    assertThat(d.column("user")).isEqualTo("alice");
    assertThat(d.column("kind")).isEqualTo("ssh");
    assertThat(d.column("cluster")).isEqualTo("main");
    assertThat(d.column("started_at")).isEqualTo("2026-01-01T00:00:00Z");
    assertThat(d.column("ended_at")).isEqualTo("2026-01-01T00:10:00Z");
    assertThat(d.column("uploaded_at")).isEqualTo("2026-01-01T00:10:00Z");
    assertThat(((Number) d.column("duration_seconds")).doubleValue()).isEqualTo(600.0);
    assertThat(d.column("pty_present")).isEqualTo(1);
    assertThat(d.column("print_chunks")).isEqualTo(900);
    assertThat(d.column("substrate")).isEqualTo("teleport-recording");
    assertThat(d.column("parse_error")).isNull();
    assertThat(d.column("gcp_principal")).isNull();
    assertThat(((Number) d.column("gap_p50_s")).doubleValue()).isEqualTo(0.3);
    assertThat(d.column("n_events")).isEqualTo(900);
    assertThat(d.column("insufficient_data")).isEqualTo(0);
    assertThat(d.column("recording_present")).isEqualTo(1);
    assertThat(d.column("segment_count")).isEqualTo(2);
    assertThat(d.column("server_labels_json")).isEqualTo("{\"env\":\"prod\"}");
    assertThat((String) d.column("cadence_scores_json")).contains("\"opus-4.6\":0.7");
    assertThat(d.segments()).hasSize(2);
    assertThat(((Number) d.segments().get(1).get("gap_p50_s")).doubleValue()).isEqualTo(1.1);
    assertThat(d.notableEvents()).hasSize(3);
    assertThat(d.notableEvents().get(0).eventType()).isEqualTo("session.command");
    assertThat(d.notableEvents().get(0).payload()).isEqualTo("{\"kind\":\"command\",\"summary\":\"ls -la /tmp/0\",\"ref\":\"idx-0\"}");
    assertThat(d.labels()).extracting(SessionLabel::key, SessionLabel::value, SessionLabel::setBy, SessionLabel::setAt)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("operator.type", "agent", "phase1-classifier@v1",
            "2026-01-01T00:00:00Z"));
  }

  @Test
  void mapsGcpFeaturesWithWhodrovesZeroIsNull() throws SQLException {
    store.apply(Verdicts.gcp("gcp-1"));
    SessionDetail d = store.showSession("gcp-1").orElseThrow();
    assertThat(d.column("substrate")).isEqualTo("gcp-cloud-audit");
    assertThat(d.column("gcp_principal")).isEqualTo("sa@example.iam");
    assertThat(d.column("gcp_call_count")).isEqualTo(30);
    assertThat(d.column("gcp_impersonation_calls")).isNull();
    assertThat(d.column("gcp_denied_calls")).isEqualTo(3);
    assertThat(d.column("gcp_minute_buckets")).isEqualTo(3);
    assertThat(((Number) d.column("gcp_median_call_gap_ms")).doubleValue()).isEqualTo(60_000.0);
    assertThat(d.column("kind")).isNull();
    assertThat(d.column("pty_present")).isNull();
    assertThat(d.gcpMinutes()).hasSize(3);
    assertThat(d.gcpMinutes().get(0).get("minute_bucket")).isEqualTo("2026-01-01T00:00:00Z");
    assertThat(d.gcpMinutes().get(0).get("top_services_json"))
        .isEqualTo("[{\"value\":\"compute.googleapis.com\",\"count\":7}]");
    assertThat(d.gcpMinutes().get(0).get("top_methods_json")).isNull();
  }

  @Test
  void redeliveryIsIdempotentAndNotableEventsAreReplacedNotDuplicated() throws SQLException {
    SessionVerdict v = Verdicts.teleport("s1", 1, 2, label("operator.type", "human", "phase1-classifier@v1", T0));
    for (int i = 0; i < 3; i++) {
      store.apply(v);
    }
    assertThat(count("notable_events")).isEqualTo(2);
    assertThat(count("cadence_segments")).isEqualTo(2);
    assertThat(count("session_labels")).isEqualTo(1);
    assertThat(count("sessions")).isEqualTo(1);
    store.apply(Verdicts.gcp("g"));
    store.apply(Verdicts.gcp("g"));
    assertThat(count("gcp_minute_features")).isEqualTo(3);
    // A correction with fewer events replaces the set.
    store.apply(Verdicts.teleport("s1", 2, 1));
    assertThat(count("notable_events where session_id = 's1'")).isEqualTo(1);
  }

  @Test
  void anOlderFeatureRevisionDoesNotOverwriteANewerOne() throws SQLException {
    store.apply(Verdicts.teleport("s1", 2, 4));
    SessionDatabase.ApplyResult r = store.apply(Verdicts.teleport("s1", 1, 1,
        label("cadence.label", "human", "cadence@v1", T0)));
    assertThat(r.sessionRows()).isZero();
    assertThat(r.labelsApplied()).isEqualTo(1);
    assertThat(store.showSession("s1").orElseThrow().column("features_revision")).isEqualTo(2);
    assertThat(count("notable_events")).isEqualTo(4);
  }

  @Test
  void labelOnlyStampsCreateAPlaceholderThatFeaturesFillIn() throws SQLException {
    store.apply(Verdicts.labels("s9", label("review.status", "done", "manual:bob", T0)));
    SessionDetail before = store.showSession("s9").orElseThrow();
    assertThat(before.column("parser_version")).isEqualTo("labels-only");
    assertThat(before.column("user")).isEqualTo("");
    store.apply(Verdicts.teleport("s9", 1, 0));
    SessionDetail after = store.showSession("s9").orElseThrow();
    assertThat(after.column("user")).isEqualTo("alice");
    assertThat(after.labels()).extracting(SessionLabel::key).containsExactly("review.status");
  }

  @Test
  void parseErrorAndCoverageGapAreOnTheRow() throws SQLException {
    SessionVerdict v = Verdicts.teleport("s1", 1, 0).toBuilder()
        .setFeatures(Verdicts.teleport("s1", 1, 0).getFeatures().toBuilder()
            .setTeleport(TeleportFeatures.newBuilder().setKind("ssh").setRecordingPresent(false)
                .setParseError("recording missing: no such object")))
        .addLabels(label("coverage.gap", "recording-missing", "phase1-classifier@v1", T0)).build();
    store.apply(v);
    SessionSummary s = store.listSessions(LabelSelector.ALL).get(0);
    assertThat(s.parseError()).isEqualTo("recording missing: no such object");
    assertThat(s.coverageGap()).isEqualTo("recording-missing");
    assertThat(store.showSession("s1").orElseThrow().column("recording_present")).isEqualTo(0);
  }

  @Test
  void aCorrectedVerdictRetractsWhatItsProducerNoLongerSays() throws SQLException {
    // the recording was missing; a person reviewed the session; phase 2 stamped its own key
    store.apply(Verdicts.teleport("s1", 1, 0,
        label("coverage.gap", "recording-missing", "phase1-classifier@v1", T0),
        label("operator.type", "unknown", "phase1-classifier@v1", T0)));
    store.apply(Verdicts.labels("s1", label("review.status", "open", "manual:bob", T0 + 1),
        label("agent.tool", "unknown", "phase2-llm@v1", T0 + 1)));
    assertThat(store.listSessions(LabelSelector.ALL).get(0).coverageGap()).isEqualTo("recording-missing");

    // the recording arrived: revision 2 says who drove and no longer names a gap
    store.apply(Verdicts.teleport("s1", 2, 0,
        label("operator.type", "agent", "phase1-classifier@v1", T0 + 3_600_000),
        label("cadence.label", "opus-4.6", "cadence@v1", T0 + 3_600_000)));
    assertThat(store.listSessions(LabelSelector.ALL).get(0).coverageGap()).isNull();
    assertThat(labels("s1")).containsExactlyInAnyOrder("operator.type=agent", "cadence.label=opus-4.6",
        "review.status=open", "agent.tool=unknown");

    // a late copy of the first verdict changes nothing: the classifier has said something newer since
    SessionDatabase.ApplyResult late = store.apply(Verdicts.teleport("s1", 1, 0,
        label("coverage.gap", "recording-missing", "phase1-classifier@v1", T0),
        label("operator.type", "unknown", "phase1-classifier@v1", T0)));
    assertThat(late.labelsOutranked()).isEqualTo(2);
    assertThat(labels("s1")).containsExactlyInAnyOrder("operator.type=agent", "cadence.label=opus-4.6",
        "review.status=open", "agent.tool=unknown");
    assertThat(store.listSessions(LabelSelector.ALL).get(0).coverageGap()).isNull();
  }

  private List<String> labels(String sid) throws SQLException {
    return store.showSession(sid).orElseThrow().labels().stream().map(l -> l.key() + "=" + l.value()).toList();
  }

  @Test
  void listsBySelectorWithLabels() throws SQLException {
    store.apply(List.of(
        Verdicts.teleport("a", 1, 0, label("operator.type", "agent", "p1", T0), label("agent.tool", "codex", "p1", T0)),
        Verdicts.teleport("b", 1, 0, label("operator.type", "agent", "p1", T0)),
        Verdicts.gcp("c", label("operator.type", "human", "p1", T0))));
    assertThat(store.listSessions(LabelSelector.ALL)).hasSize(3);
    assertThat(store.listSessions(LabelSelector.parse("operator.type=agent")))
        .extracting(SessionSummary::sessionId).containsExactlyInAnyOrder("a", "b");
    List<SessionSummary> both = store.listSessions(LabelSelector.parse("operator.type=agent,agent.tool=codex"));
    assertThat(both).extracting(SessionSummary::sessionId).containsExactly("a");
    assertThat(both.get(0).label("agent.tool")).isEqualTo("codex");
    assertThat(both.get(0).labels()).containsOnlyKeys("operator.type", "agent.tool");
    assertThat(both.get(0).ptyPresent()).isTrue();
    assertThat(store.listSessions(LabelSelector.parse("operator.type=nobody"))).isEmpty();
    assertThat(store.showSession("nope")).isEmpty();
  }

  @Test
  void aReaderSeesCommittedRowsWhileTheWriterIsOpen() throws SQLException {
    store.apply(Verdicts.teleport("s1", 1, 1));
    try (SessionDatabase reader = SessionDatabase.openReadOnly(store.path())) {
      assertThat(reader.listSessions(LabelSelector.ALL)).hasSize(1);
      store.apply(Verdicts.teleport("s2", 1, 1));
      assertThat(reader.listSessions(LabelSelector.ALL)).hasSize(2);
    }
  }

  @Test
  void isolatingApplyRejectsOnlyTheBadVerdict() throws SQLException {
    // A label without a session row cannot exist; forge one by disabling the writer's placeholder path.
    List<Integer> rejected = new java.util.ArrayList<>();
    try (Statement st = store.connection().createStatement()) {
      st.execute("CREATE TRIGGER reject_bad BEFORE INSERT ON session_labels WHEN NEW.key = 'bad' "
          + "BEGIN SELECT RAISE(ABORT, 'bad key'); END");
    }
    SessionDatabase.ApplyResult r = store.applyIsolating(List.of(
        Verdicts.teleport("ok1", 1, 1), Verdicts.teleport("bad", 1, 1, label("bad", "x", "p1", T0)),
        Verdicts.teleport("ok2", 1, 1)), (i, e) -> rejected.add(i));
    assertThat(rejected).containsExactly(1);
    assertThat(r.verdicts()).isEqualTo(2);
    assertThat(store.listSessions(LabelSelector.ALL)).extracting(SessionSummary::sessionId)
        .containsExactlyInAnyOrder("ok1", "ok2");
    assertThat(count("notable_events")).isEqualTo(2);
  }

  @Test
  void aMergedGcpSessionIsAbsorbedLikeWhodroveMergesThem() throws SQLException {
    store.apply(Verdicts.gcp("gcp-old", label("operator.type", "agent", "p1", T0),
        label("gcp.ua.tool", "gcloud", "p1", T0)));
    SessionVerdict merged = Verdicts.gcp("gcp-new", label("operator.type", "human", "p1", T0));
    merged = merged.toBuilder().setFeatures(merged.getFeatures().toBuilder()
        .setGcp(merged.getFeatures().getGcp().toBuilder().addMergedSessionIds("gcp-old"))).build();
    store.apply(merged);
    assertThat(store.showSession("gcp-old")).isEmpty();
    SessionSummary s = store.listSessions(LabelSelector.ALL).get(0);
    assertThat(s.sessionId()).isEqualTo("gcp-new");
    assertThat(s.label("operator.type")).isEqualTo("human");
    assertThat(s.label("gcp.ua.tool")).isEqualTo("gcloud");
    assertThat(count("gcp_minute_features")).isEqualTo(3);
    assertThat((String) store.showSession("gcp-new").orElseThrow().column("gcp_merged_session_ids_json"))
        .isEqualTo("[\"gcp-old\"]");
  }

  @Test
  void selectorValuesAreBoundNotSpliced() throws SQLException {
    store.apply(Verdicts.teleport("q", 1, 0, label("note", "it's = fine", "manual:a", T0)));
    assertThat(store.listSessions(LabelSelector.parse("note=it's = fine"))).hasSize(1);
    assertThat(store.listSessions(LabelSelector.parse("note=x' OR '1'='1"))).isEmpty();
  }

  @Test
  void classifiesWhatTheDatabaseFailsAtApartFromWhatAVerdictIsRefusedFor() {
    for (org.sqlite.SQLiteErrorCode code : List.of(org.sqlite.SQLiteErrorCode.SQLITE_BUSY,
        org.sqlite.SQLiteErrorCode.SQLITE_LOCKED, org.sqlite.SQLiteErrorCode.SQLITE_IOERR,
        org.sqlite.SQLiteErrorCode.SQLITE_FULL, org.sqlite.SQLiteErrorCode.SQLITE_IOERR_FSYNC,
        org.sqlite.SQLiteErrorCode.SQLITE_BUSY_SNAPSHOT, org.sqlite.SQLiteErrorCode.SQLITE_READONLY,
        org.sqlite.SQLiteErrorCode.SQLITE_READONLY_DBMOVED, org.sqlite.SQLiteErrorCode.SQLITE_CORRUPT,
        org.sqlite.SQLiteErrorCode.SQLITE_NOTADB, org.sqlite.SQLiteErrorCode.SQLITE_CANTOPEN)) {
      assertThat(SessionDatabase.isDatabaseFailure(new org.sqlite.SQLiteException("x", code))).as(code.name())
          .isTrue();
    }
    for (org.sqlite.SQLiteErrorCode code : List.of(org.sqlite.SQLiteErrorCode.SQLITE_IOERR_WRITE,
        org.sqlite.SQLiteErrorCode.SQLITE_READONLY, org.sqlite.SQLiteErrorCode.SQLITE_CORRUPT)) {
      assertThat(SessionDatabase.needsReopen(new org.sqlite.SQLiteException("x", code))).as(code.name()).isTrue();
    }
    assertThat(SessionDatabase.needsReopen(new org.sqlite.SQLiteException("x",
        org.sqlite.SQLiteErrorCode.SQLITE_BUSY))).isFalse();
    assertThat(SessionDatabase.needsReopen(new org.sqlite.SQLiteException("x",
        org.sqlite.SQLiteErrorCode.SQLITE_FULL))).as("a full disk keeps its connection").isFalse();
    assertThat(SessionDatabase.isDatabaseFailure(new org.sqlite.SQLiteException("x",
        org.sqlite.SQLiteErrorCode.SQLITE_CONSTRAINT_FOREIGNKEY))).isFalse();
    assertThat(SessionDatabase.isDatabaseFailure(new org.sqlite.SQLiteException("x",
        org.sqlite.SQLiteErrorCode.SQLITE_TOOBIG))).isFalse();
    assertThat(SessionDatabase.isDatabaseFailure(new SQLException("wrapped",
        new org.sqlite.SQLiteException("x", org.sqlite.SQLiteErrorCode.SQLITE_BUSY)))).isTrue();
    assertThat(SessionDatabase.isDatabaseFailure(new SQLException("database file x is missing"))).isTrue();
  }

  @Test
  void aReopenNeverCreatesAFileThatDisappeared() throws Exception {
    Path db = dir.resolve("sessions.sqlite");
    Path moved = dir.resolve("moved.sqlite");
    store.apply(Verdicts.teleport("before", 1, 0));
    store.close();
    java.nio.file.Files.move(db, moved);
    assertThatThrownBy(store::reopen).isInstanceOf(SQLException.class).hasMessageContaining("is missing");
    assertThat(db).doesNotExist();
    java.nio.file.Files.move(moved, db);
    store.reopen();
    assertThat(store.showSession("before")).isPresent();
  }

  private Object scalar(String sql) throws SQLException {
    try (Statement st = store.connection().createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getObject(1);
    }
  }

  private long count(String tableAndWhere) throws SQLException {
    return ((Number) scalar("SELECT count(*) FROM " + tableAndWhere)).longValue();
  }
}
