package dev.whodrove.featurizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** BPF audit events through the featurizer topology, before and after the session was emitted. */
class BpfTopologyTest {
  private DriverSupport d;

  @BeforeEach
  void setUp() {
    d = new DriverSupport(FeaturizerConfig.defaults());
  }

  @AfterEach
  void tearDown() {
    d.close();
  }

  private void audit(List<TeleportAuditEvent> events) {
    for (TeleportAuditEvent e : events) {
      d.audit.pipeInput(e.getSessionId(), e, e.getTimeMs());
    }
  }

  @Test
  void bpfEventsBeforeTheRecordingAreInTheFirstRecord() {
    audit(BpfFeaturesTest.claudeSession("sid-a").events());
    d.pipe(new Recordings("sid-a").start(true).prints(Recordings.humanGaps(new Random(1), 80)).end(true).complete()
        .events());
    List<SessionFeatures> out = d.features.readValuesToList();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).getTeleport().getBpf().getAgentCli().getTool()).isEqualTo("claude-code");
    assertThat(out.get(0).getTeleport().getBpf().getAgentCli().getDescendantCommands()).isEqualTo(4);
  }

  @Test
  void bpfEventsAfterTheEmissionCorrectItOnceTheyStop() {
    d.pipe(new Recordings("sid-b").start(true).prints(Recordings.humanGaps(new Random(2), 80)).end(true).complete()
        .events());
    assertThat(d.features.readValuesToList()).singleElement()
        .satisfies(f -> assertThat(f.getTeleport().hasBpf()).isFalse());

    List<TeleportAuditEvent> late = BpfFeaturesTest.claudeSession("sid-b").events();
    audit(late.subList(0, 5));
    d.driver.advanceWallClockTime(Duration.ofSeconds(3));
    audit(late.subList(5, late.size()));
    d.driver.advanceWallClockTime(Duration.ofSeconds(3)); // 6 s after the first, 3 s after the last: not yet
    assertThat(d.features.isEmpty()).isTrue();
    d.driver.advanceWallClockTime(Duration.ofSeconds(31)); // the next timer check after the delay
    List<SessionFeatures> out = d.features.readValuesToList();
    assertThat(out).singleElement().satisfies(f -> {
      assertThat(f.getRevision()).isEqualTo(2);
      assertThat(f.getTeleport().getBpf().getAgentCli().getDescendantCommands()).isEqualTo(4);
      assertThat(f.getTeleport().getRecordingPresent()).isTrue();
    });
    d.driver.advanceWallClockTime(Duration.ofMinutes(30));
    assertThat(d.features.isEmpty()).isTrue(); // corrected once
  }

  @Test
  void auditOnlySessionCarriesItsBpfEvents() {
    audit(BpfFeaturesTest.claudeSession("sid-c").events());
    d.audit.pipeInput("sid-c", TeleportAuditEvent.newBuilder().setUid("end").setType("session.end")
        .setSessionId("sid-c").setTimeMs(Recordings.T0 + 60_000).setKind("ssh").setInteractive(true).build());
    d.driver.advanceWallClockTime(Duration.ofMinutes(11));
    assertThat(d.features.readValuesToList()).singleElement().satisfies(f -> {
      assertThat(f.getTeleport().getRecordingPresent()).isFalse();
      assertThat(f.getTeleport().getBpf().getSource()).isEqualTo("audit");
      assertThat(f.getTeleport().getBpf().getAgentCli().getTool()).isEqualTo("claude-code");
    });
  }

  private static TeleportAuditEvent db(String sid, String type, long timeMs, String json) {
    return TeleportAuditEvent.newBuilder().setUid(sid + type + timeMs).setType(type).setSessionId(sid)
        .setTimeMs(timeMs).setKind("db").setProtocol("postgres").setSessionEndMs(type.endsWith("end") ? timeMs : 0)
        .setOriginalJson(json).build();
  }

  @Test
  void aDatabaseSessionWithoutRecordingIsEmittedAfterItsEnd() {
    long t = Recordings.T0;
    d.audit.pipeInput("sid-db", db("sid-db", "db.session.start", t, "{}"));
    for (int i = 0; i < 7; i++) {
      d.audit.pipeInput("sid-db", db("sid-db", "db.session.query", t + 5_000 + i * 8_000L,
          "{\"db_name\":\"orders\",\"db_query\":\"SELECT count(*) FROM orders\",\"success\":true}"));
    }
    d.audit.pipeInput("sid-db", db("sid-db", "db.session.end", t + 70_000, "{}"));
    d.driver.advanceWallClockTime(Duration.ofMinutes(11));
    assertThat(d.features.readValuesToList()).singleElement().satisfies(f -> {
      assertThat(f.getTeleport().getKind()).isEqualTo("db");
      assertThat(f.getTeleport().getRecordingPresent()).isFalse();
      assertThat(f.getTeleport().getDb().getQueries()).isEqualTo(7);
      assertThat(f.getTeleport().getDb().getProtocol()).isEqualTo("postgres");
      assertThat(f.getTeleport().getDb().getQueryRhythm().getGaps210S()).isEqualTo(6);
      assertThat(f.toString()).doesNotContain("FROM orders");
    });
  }

  @Test
  void lateAuditEventsTheRecordingAlreadyCarriedCorrectNothing() {
    List<dev.whodrove.schemas.v1.RecordingEvent> rec = new Recordings("sid-r").start(true)
        .prints(Recordings.humanGaps(new Random(3), 60)).command(Recordings.T0 + 2_000, "/bin/ls", "-la").end(true)
        .complete().events();
    d.pipe(rec);
    assertThat(d.features.readValuesToList()).hasSize(1);
    audit(BpfFeaturesTest.claudeSession("sid-r").events()); // the recording had BPF events: these change nothing
    d.driver.advanceWallClockTime(Duration.ofMinutes(5));
    assertThat(d.features.isEmpty()).isTrue();
  }

  @Test
  void aLateUploadEventCorrectsTheUploadTime() {
    d.pipe(new Recordings("sid-u").start(true).prints(Recordings.humanGaps(new Random(4), 60)).end(true).complete()
        .events());
    assertThat(d.features.readValuesToList()).singleElement()
        .satisfies(f -> assertThat(f.getTeleport().getUploadedAtMs()).isZero());
    long uploaded = Recordings.T0 + 200_000;
    d.audit.pipeInput("sid-u", TeleportAuditEvent.newBuilder().setUid("up").setType("session.upload")
        .setSessionId("sid-u").setTimeMs(uploaded).setRecordingUrl("s3://bucket/sessions/sid-u").build());
    d.driver.advanceWallClockTime(Duration.ofSeconds(31));
    assertThat(d.features.readValuesToList()).singleElement().satisfies(f -> {
      assertThat(f.getRevision()).isEqualTo(2);
      assertThat(f.getTeleport().getUploadedAtMs()).isEqualTo(uploaded);
    });
  }
}
