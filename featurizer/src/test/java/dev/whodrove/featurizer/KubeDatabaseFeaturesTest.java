package dev.whodrove.featurizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.whodrove.schemas.v1.DatabaseActivity;
import dev.whodrove.schemas.v1.KubeActivity;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import dev.whodrove.testkit.TeleportAuditFixtures;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Kubernetes and database audit events into {@link KubeActivity} and {@link DatabaseActivity}; no statement text. */
class KubeDatabaseFeaturesTest {
  /** A real sample as the ingest parser would publish it (kind as its kindOf derives it). */
  private static TeleportAuditEvent event(ObjectNode o, String sid, String kind) {
    return TeleportAuditEvent.newBuilder().setUid(o.path("uid").asText()).setType(o.get("event").asText())
        .setSessionId(sid).setTimeMs(Instant.parse(o.get("time").asText()).toEpochMilli()).setKind(kind)
        .setProtocol(o.path("db_protocol").asText(o.path("proto").asText())).setOriginalJson(o.toString()).build();
  }

  @Test
  void realKubeSamples() {
    TeleportSessionAccumulator acc = new TeleportSessionAccumulator();
    acc.addAudit(event(TeleportAuditFixtures.first("kube.request"), "k1", "kube"));
    acc.addAudit(event(TeleportAuditFixtures.first("exec"), "k1", "kube"));
    SessionFeatures f = acc.build("k1");
    KubeActivity k = f.getTeleport().getKube();
    assertThat(k.getSource()).isEqualTo("audit");
    assertThat(k.getRequests()).isEqualTo(1);
    assertThat(k.getFailedRequests()).isZero();
    assertThat(k.getWriteRequests()).isZero();
    assertThat(k.getTopVerbs(0).getName()).isEqualTo("get");
    assertThat(k.getTopResources(0).getName()).isEqualTo("pods");
    assertThat(k.getExecs()).isEqualTo(1);
    assertThat(f.getTeleport().getKind()).isEqualTo("kube");
    assertThat(f.getNotableEventsList()).extracting(n -> n.getKind()).containsExactly("exec", "kube");
  }

  @Test
  void realDatabaseSamplesKeepNoStatementText() {
    List<TeleportAuditEvent> events = new ArrayList<>();
    for (String type : List.of("db.session.start", "db.session.query", "db.session.query.failed",
        "db.session.postgres.statements.parse", "db.session.postgres.statements.bind",
        "db.session.mysql.statements.prepare", "db.session.sqlserver.rpc_request", "db.session.end")) {
      events.add(event(TeleportAuditFixtures.first(type), "d1", "db"));
    }
    TeleportSessionAccumulator acc = new TeleportSessionAccumulator();
    events.forEach(acc::addAudit);
    assertThat(acc.auditEndSeen()).isTrue(); // db.session.end ends the session: it is emitted without a recording
    SessionFeatures f = acc.build("d1");
    DatabaseActivity d = f.getTeleport().getDb();
    assertThat(d.getSource()).isEqualTo("audit");
    assertThat(d.getProtocol()).isEqualTo("mongodb");
    assertThat(d.getQueries()).isEqualTo(2);
    assertThat(d.getFailedQueries()).isEqualTo(1);
    assertThat(d.getProtocolEvents()).isEqualTo(4);
    assertThat(d.getStatementKindsList()).extracting(n -> n.getName()).contains("find", "parse", "bind", "prepare");
    assertThat(d.getQueryRhythm().getEvents()).isEqualTo(6);
    assertThat(f.getTeleport().getKind()).isEqualTo("db");
    // the queries carried binary session ids and signatures: none of it in the features
    String all = f.toString();
    assertThat(all).doesNotContain("lsid").doesNotContain("$binary").doesNotContain("clusterTime");
    assertThat(f.getNotableEventsList()).filteredOn(n -> n.getKind().equals("db")).hasSize(2)
        .allSatisfy(n -> assertThat(n.getSummary()).matches("\\w*: find \\(\\d+ characters(, failed)?\\)"));
  }

  @Test
  void statementKinds() {
    assertThat(DatabaseAccumulator.statementKind("  select * from t")).isEqualTo("SELECT");
    assertThat(DatabaseAccumulator.statementKind("(SELECT 1) UNION (SELECT 2)")).isEqualTo("SELECT");
    assertThat(DatabaseAccumulator.statementKind("{\"aggregate\": \"orders\"}")).isEqualTo("aggregate");
    assertThat(DatabaseAccumulator.statementKind("\\d orders")).isEqualTo("?");
    assertThat(DatabaseAccumulator.statementKind("")).isEqualTo("?");
  }

  @Test
  void rhythmOfStatements() {
    EventRhythmCounter r = new EventRhythmCounter();
    long t = 0;
    for (long gap : new long[] {0, 100, 5_000, 150, 12_000, 45_000, 130_000, 1_500}) {
      t += gap;
      r.add(t);
    }
    var f = r.features();
    assertThat(f.getEvents()).isEqualTo(8);
    assertThat(f.getBursts()).isEqualTo(6); // 0+100 | 5000+150 | 12000 | 45000 | 130000 | 1500
    assertThat(f.getGapsLt2S()).isEqualTo(1);
    assertThat(f.getGaps210S()).isEqualTo(1);
    assertThat(f.getGaps1040S()).isEqualTo(1);
    assertThat(f.getGaps40120S()).isEqualTo(1);
    assertThat(f.getGapsGe120S()).isEqualTo(1);
    assertThat(f.getGapMaxS()).isEqualTo(130.0);
    assertThat(f.getSpanS()).isEqualTo(t / 1000.0);
    StateWriter w = new StateWriter();
    r.writeTo(w);
    assertThat(EventRhythmCounter.readFrom(new StateReader(w.toByteArray())).features()).isEqualTo(f);
  }

  @Test
  void stateRoundTrips() {
    TeleportSessionAccumulator acc = new TeleportSessionAccumulator();
    acc.addAudit(event(TeleportAuditFixtures.first("kube.request"), "k2", "kube"));
    acc.addAudit(event(TeleportAuditFixtures.first("db.session.query"), "k2", "db"));
    SessionFeatures f = acc.build("k2");
    assertThat(TeleportSessionAccumulator.fromBytes(acc.toBytes()).build("k2")).isEqualTo(f);
  }
}
