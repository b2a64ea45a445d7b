package dev.whodrove.featurizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.DeadLetter;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TeleportTopologyTest {
  private DriverSupport d;

  @BeforeEach
  void setUp() {
    d = new DriverSupport(FeaturizerConfig.defaults());
  }

  @AfterEach
  void tearDown() {
    d.close();
  }

  private static TeleportAuditEvent audit(String sid, String type, long timeMs) {
    return TeleportAuditEvent.newBuilder().setUid(sid + type).setType(type).setSessionId(sid).setTimeMs(timeMs)
        .setUser("alice@example.com").setLogin("ubuntu").setCluster("prod.example").setServerHostname("web-1")
        .putServerLabels("team", "core").setKind("ssh").setInteractive(true).setSessionStartMs(Recordings.T0)
        .setSessionEndMs(timeMs).setRecordingUrl("s3://bucket/sessions/" + sid).build();
  }

  @Test
  void humanLikeSessionEmitsOnceOnRecordingComplete() {
    Random r = new Random(1);
    Recordings rec = new Recordings("sid-human").start(true).prints(Recordings.humanGaps(r, 400))
        .command(Recordings.T0 + 5000, "/bin/ls", "-la").end(true);
    d.audit.pipeInput("sid-human", audit("sid-human", "session.start", Recordings.T0));
    d.pipe(rec.events());
    assertThat(d.features.isEmpty()).isTrue();
    d.pipe(rec.complete().events().subList(rec.events().size() - 1, rec.events().size()));
    List<SessionFeatures> out = d.features.readValuesToList();
    assertThat(out).hasSize(1);
    SessionFeatures f = out.get(0);
    assertThat(f.getSessionId()).isEqualTo("sid-human");
    assertThat(f.getSubstrate()).isEqualTo("teleport-recording");
    assertThat(f.getRevision()).isEqualTo(1);
    assertThat(f.getUser()).isEqualTo("alice@example.com"); // the audit log wins for identity
    assertThat(f.getTeleport().getKind()).isEqualTo("ssh");
    assertThat(f.getTeleport().getLogin()).isEqualTo("ubuntu");
    assertThat(f.getTeleport().getServerHostname()).isEqualTo("web-1");
    assertThat(f.getTeleport().getPtyPresent()).isTrue();
    assertThat(f.getTeleport().getRecordingPresent()).isTrue();
    assertThat(f.getTeleport().getPrintChunks()).isEqualTo(400);
    assertThat(f.getTeleport().getCommandCount()).isEqualTo(1);
    assertThat(f.getTeleport().getBpfPresent()).isTrue();
    assertThat(f.getTeleport().getSingleShot()).isFalse();
    assertThat(f.getTeleport().getInteractive()).isTrue();
    assertThat(f.getTeleport().getIdleGapCount()).isGreaterThan(0);
    assertThat(f.getTeleport().getMedianChunkGapMs()).isBetween(50.0, 400.0);
    assertThat(f.getCadence().getInsufficientData()).isFalse();
    assertThat(f.getCadence().getNEvents()).isEqualTo(400);
    assertThat(f.getCadence().getBurstFrac()).isBetween(0.2, 0.7);
    assertThat(f.getCadence().getLocalGapStd()).isGreaterThan(0.5);
    assertThat(f.getSegmentsList()).isEmpty();
    assertThat(f.getNotableEventsList()).extracting(n -> n.getKind() + ":" + n.getSummary())
        .containsExactly("command:/bin/ls -la (rc=0)");
  }

  @Test
  void agentLikeSessionHasMetronomeCadence() {
    Random r = new Random(2);
    d.pipe(new Recordings("sid-agent").start(true).prints(Recordings.agentGaps(r, 350)).end(true).complete()
        .events());
    SessionFeatures f = d.features.readValue();
    assertThat(f.getCadence().getPausesGt30S()).isZero();
    assertThat(f.getCadence().getGapMaxS()).isLessThan(20);
    assertThat(f.getCadence().getGapP50S()).isLessThan(0.01);
    assertThat(f.getCadence().getEventsPerSec()).isBetween(0.3, 1.5);
    assertThat(d.features.isEmpty()).isTrue();
  }

  @Test
  void ptyLessExecSessionIsSingleShot() {
    d.pipe(new Recordings("sid-exec").start(false).exec(Recordings.T0 + 10, "uname -a").end(false).complete()
        .events());
    SessionFeatures f = d.features.readValue();
    assertThat(f.getTeleport().getPtyPresent()).isFalse();
    assertThat(f.getTeleport().getSingleShot()).isTrue();
    assertThat(f.getTeleport().getPrintChunks()).isZero();
    assertThat(f.getCadence().getInsufficientData()).isTrue();
    assertThat(f.getNotableEvents(0).getKind()).isEqualTo("exec");
  }

  @Test
  void recordingThatNeverArrivesIsEmittedAfterTheWaitThenCorrectedWhenItDoes() {
    d.audit.pipeInput("sid-late", audit("sid-late", "session.start", Recordings.T0));
    d.audit.pipeInput("sid-late", audit("sid-late", "session.end", Recordings.T0 + 60_000));
    d.driver.advanceWallClockTime(Duration.ofMinutes(5));
    assertThat(d.features.isEmpty()).isTrue();
    d.driver.advanceWallClockTime(Duration.ofMinutes(6));
    SessionFeatures missing = d.features.readValue();
    assertThat(missing.getRevision()).isEqualTo(1);
    assertThat(missing.getTeleport().getRecordingPresent()).isFalse();
    assertThat(missing.getTeleport().getInteractive()).isTrue();
    assertThat(missing.getStartedMs()).isEqualTo(Recordings.T0);
    assertThat(missing.getEndedMs()).isEqualTo(Recordings.T0 + 60_000);
    d.driver.advanceWallClockTime(Duration.ofHours(1));
    assertThat(d.features.isEmpty()).isTrue(); // emitted once, not again per punctuation

    // Teleport finishes the upload hours later: a corrected record replaces the first one
    d.pipe(new Recordings("sid-late").start(true).prints(Recordings.humanGaps(new Random(3), 100)).end(true)
        .complete().events());
    SessionFeatures corrected = d.features.readValue();
    assertThat(corrected.getRevision()).isEqualTo(2);
    assertThat(corrected.getTeleport().getRecordingPresent()).isTrue();
    assertThat(corrected.getTeleport().getPrintChunks()).isEqualTo(100);
  }

  @Test
  void reDeliveredRecordingReplacesAndNeverDoubleCounts() {
    List<RecordingEvent> events = new Recordings("sid-dup").start(true)
        .prints(Recordings.humanGaps(new Random(4), 120)).end(true).complete().events();
    d.pipe(events.subList(0, 50)); // first delivery dies half way
    d.pipe(events); // the decoder starts over
    d.pipe(events); // and the whole recording is published once more
    List<SessionFeatures> out = d.features.readValuesToList();
    assertThat(out).hasSize(2);
    assertThat(out).extracting(SessionFeatures::getRevision).containsExactly(1, 2);
    for (SessionFeatures f : out) {
      assertThat(f.getTeleport().getPrintChunks()).isEqualTo(120);
      assertThat(f.getCadence().getNEvents()).isEqualTo(120);
    }
    assertThat(out.get(1).toBuilder().setComputedAtMs(0).setRevision(0).build())
        .isEqualTo(out.get(0).toBuilder().setComputedAtMs(0).setRevision(0).build());
  }

  @Test
  void handoffSessionSplitsIntoTwoSegments() {
    Random r = new Random(5);
    d.pipe(new Recordings("sid-handoff").start(true).prints(Recordings.rapidGaps(r, 600))
        .prints(Recordings.agentGaps(r, 600)).end(true).complete().events());
    SessionFeatures f = d.features.readValue();
    assertThat(f.getSegmentsList()).hasSize(2);
    assertThat(f.getSegments(0).getCadence().getEventsPerSec())
        .isGreaterThan(5 * f.getSegments(1).getCadence().getEventsPerSec());
    assertThat(f.getSegments(0).getCadence().getNEvents() + f.getSegments(1).getCadence().getNEvents())
        .isEqualTo(1200);
  }

  @Test
  void poisonRecordGoesToTheDeadLetterTopicAndProcessingContinues() throws Exception {
    d.rawRecordings.pipeInput("sid-bad", new byte[] {0x0a, (byte) 0xff, 0x01, 0x02});
    d.recordings.pipeInput("", RecordingEvent.newBuilder().setIndex(1).setType("print").build());
    var dlq = d.driver.createOutputTopic(Topics.TELEPORT_RECORDING_EVENTS.deadLetterTopic(),
        Serdes.ByteArray().deserializer(), Topics.deadLetterOf(Topics.TELEPORT_RECORDING_EVENTS)
            .valueSerde(Map.of()).deserializer());
    // undecodable bytes are skipped by the deserialization handler (TopologyTestDriver does not pass that handler's
    // dead letters on, a real broker run does); a record that fails in the processor reaches the DLQ here
    List<DeadLetter> letters = dlq.readValuesToList();
    assertThat(letters).hasSize(1);
    assertThat(letters.get(0).getService()).isEqualTo("featurizer");
    assertThat(letters.get(0).getSourceTopic()).isEqualTo("teleport.recording.events");
    assertThat(letters.get(0).getReason()).contains("without a session id");
    assertThat(RecordingEvent.parseFrom(letters.get(0).getOriginalValue()).getIndex()).isEqualTo(1);
    d.pipe(new Recordings("sid-ok").start(false).end(false).complete().events());
    assertThat(d.features.readValue().getSessionId()).isEqualTo("sid-ok");
  }
}
