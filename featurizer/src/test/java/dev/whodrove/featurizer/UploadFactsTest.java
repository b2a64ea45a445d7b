package dev.whodrove.featurizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.v1.RecordingComplete;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** When the recording became final (session.upload) and how big it is (the decoded object). */
class UploadFactsTest {
  @Test
  void uploadTimeComesFromSessionUploadAndSizeFromTheRecording() {
    TeleportSessionAccumulator acc = new TeleportSessionAccumulator();
    long end = Recordings.T0 + 90_000;
    acc.addAudit(TeleportAuditEvent.newBuilder().setType("session.end").setSessionId("u").setTimeMs(end)
        .setSessionEndMs(end).build());
    SessionFeatures before = acc.build("u");
    assertThat(before.getTeleport().getUploadedAtMs()).isZero();
    assertThat(before.getTeleport().getRecordingBytes()).isZero();

    acc.addAudit(TeleportAuditEvent.newBuilder().setType("session.upload").setSessionId("u").setTimeMs(end + 4_000)
        .setRecordingUrl("s3://bucket/sessions/u").build());
    List<RecordingEvent> rec = new Recordings("u").start(true).prints(Recordings.humanGaps(new Random(1), 40))
        .end(true).events();
    rec.forEach(acc::add);
    acc.add(RecordingEvent.newBuilder().setSessionId("u").setIndex(999).setComplete(RecordingComplete.newBuilder()
        .setFormat("protostream-v1").setObjectSizeBytes(123_456)).build());
    SessionFeatures f = acc.build("u");
    assertThat(f.getTeleport().getUploadedAtMs()).isEqualTo(end + 4_000);
    assertThat(f.getEndedMs()).isNotEqualTo(end + 4_000);
    assertThat(f.getTeleport().getRecordingBytes()).isEqualTo(123_456);
    // both survive the state store
    assertThat(TeleportSessionAccumulator.fromBytes(acc.toBytes()).build("u")).isEqualTo(f);
  }
}
