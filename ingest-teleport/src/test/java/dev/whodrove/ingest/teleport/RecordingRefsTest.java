package dev.whodrove.ingest.teleport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.whodrove.schemas.v1.RecordingRef;
import dev.whodrove.schemas.v1.SourcePosition;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RecordingRefsTest {
  private final SourcePosition pos = SourcePosition.newBuilder().setSource("sqs").setLocator("m-1").setOffset(-1)
      .build();

  @Test
  void uploadUrlsGainTheTarSuffixAndLeaveTheMultiDirectory() throws Exception {
    String sid = "f9cc2921-c655-47f9-9179-6ae546fc04a8";
    assertThat(RecordingRefs.objectUriFromUploadUrl("s3://bucket/records/" + sid, sid))
        .isEqualTo("s3://bucket/records/" + sid + ".tar");
    assertThat(RecordingRefs.objectUriFromUploadUrl("s3://bucket/" + sid, sid)).isEqualTo("s3://bucket/" + sid + ".tar");
    assertThat(RecordingRefs.objectUriFromUploadUrl("file:///var/lib/teleport/log/records/multi/" + sid, sid))
        .isEqualTo("file:///var/lib/teleport/log/records/" + sid + ".tar");
    assertThat(RecordingRefs.objectUriFromUploadUrl("s3://bucket/records/" + sid + ".tar", sid))
        .isEqualTo("s3://bucket/records/" + sid + ".tar");
  }

  @Test
  void sessionUploadFixtureBecomesAFileRef() throws Exception {
    var e = new AuditEventParser().parse(Fixtures.line("ssh-sessions.jsonl", 20), pos);
    RecordingRef ref = RecordingRefs.fromUploadEvent(e, 5).orElseThrow();
    assertThat(ref.getSessionId()).isEqualTo("f9cc2921-c655-47f9-9179-6ae546fc04a8");
    assertThat(ref.getUri())
        .isEqualTo("file:///home/zmb/datadir/log/records/f9cc2921-c655-47f9-9179-6ae546fc04a8.tar");
    assertThat(ref.getOrigin()).isEqualTo("session.upload");
    assertThat(ref.getCluster()).isEqualTo("teleport.zacazure.grvpoc.com");
  }

  @Test
  void s3NotificationsKeepTarObjectsAndIgnoreSidecars() throws Exception {
    String body = """
        {"Records":[
          {"eventName":"ObjectCreated:CompleteMultipartUpload","s3":{"bucket":{"name":"rec"},
            "object":{"key":"sessions/abc-1.tar","size":1234,"eTag":"e1","versionId":"v1"}}},
          {"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"rec"},
            "object":{"key":"sessions/abc-1.summary.json","size":5}}},
          {"eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"rec"},"object":{"key":"sessions/x.tar"}}}
        ]}""";
    var n = RecordingRefs.fromS3Notification(body, 9, pos);
    assertThat(n.ignored()).isEqualTo(2);
    assertThat(n.refs()).singleElement().satisfies(r -> {
      assertThat(r.getSessionId()).isEqualTo("abc-1");
      assertThat(r.getUri()).isEqualTo("s3://rec/sessions/abc-1.tar");
      assertThat(r.getSizeBytes()).isEqualTo(1234);
      assertThat(r.getVersion()).isEqualTo("v1");
      assertThat(r.getOrigin()).isEqualTo("s3-notification");
    });
    assertThat(RecordingRefs.fromS3Notification("{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\"}", 1, pos)
        .refs()).isEmpty();
    String sns = "{\"Type\":\"Notification\",\"Message\":" + com.fasterxml.jackson.databind.json.JsonMapper.builder()
        .build().writeValueAsString(body) + "}";
    assertThat(RecordingRefs.fromS3Notification(sns, 1, pos).refs()).hasSize(1);
    assertThatThrownBy(() -> RecordingRefs.fromS3Notification("{\"hello\":1}", 1, pos))
        .isInstanceOf(EventRejectedException.class);
    assertThatThrownBy(() -> RecordingRefs.fromS3Notification("garbage", 1, pos))
        .isInstanceOf(EventRejectedException.class);
  }

  @Test
  void recordsDirectoryFiles() {
    assertThat(RecordingRefs.fromRecordsFile(Path.of("/r/abc.tar"), 10, 1, pos)).get()
        .satisfies(r -> assertThat(r.getUri()).isEqualTo("file:///r/abc.tar"));
    assertThat(RecordingRefs.fromRecordsFile(Path.of("/r/abc.metadata"), 10, 1, pos)).isEmpty();
    assertThat(RecordingRefs.fromRecordsFile(Path.of("/r/.tar"), 10, 1, pos)).isEmpty();
  }

  @Test
  void deduplicatesWithinTheWindowOnly() {
    AtomicLong now = new AtomicLong(0);
    Clock clock = new Clock() {
      public ZoneId getZone() { return ZoneId.of("UTC"); }
      public Clock withZone(ZoneId z) { return this; }
      public Instant instant() { return Instant.ofEpochMilli(now.get()); }
    };
    RecordingDeduplicator d = new RecordingDeduplicator(Duration.ofMinutes(10), 1000, clock);
    assertThat(d.claim("a")).isTrue();
    assertThat(d.claim("a")).isFalse();
    now.set(Duration.ofMinutes(11).toMillis());
    assertThat(d.claim("a")).isTrue();
    d.release("a");
    assertThat(d.claim("a")).isTrue();
  }

  private static EventRejectedException.Reason uploadRejection(String sid, String url) throws Exception {
    try {
      var e = new AuditEventParser().parse("{\"event\":\"session.upload\",\"code\":\"T2005I\",\"uid\":\"u\","
          + "\"time\":\"2024-05-01T00:00:00Z\",\"sid\":\"" + sid + "\",\"url\":\"" + url + "\"}", null);
      RecordingRefs.fromUploadEvent(e, 1);
    } catch (EventRejectedException r) {
      return r.reason();
    }
    throw new AssertionError("accepted " + sid + " " + url);
  }

  @Test
  void pathTraversalInASessionIdOrUrlIsRefused() throws Exception {
    // a bad session id is refused with the whole event, before any reference is made of it
    assertThat(uploadRejection("../../etc/passwd", "file:///var/lib/teleport/log/records/multi/x"))
        .isEqualTo(EventRejectedException.Reason.BAD_SESSION_ID);
    assertThat(uploadRejection("..", "s3://bucket/records/x")).isEqualTo(EventRejectedException.Reason.BAD_SESSION_ID);
    for (String url : new String[] {
        "file:///var/lib/teleport/log/records/../../../../etc/passwd",
        "file:///var/lib/teleport/log/records/multi/../../../../etc/shadow.tar",
        "s3://bucket/records/../../other/abc.tar",
        "file:///var/lib/teleport/log/records/%2e%2e/%2e%2e/etc/passwd",
        "file:///var/lib/teleport/log/records/./abc"}) {
      assertThat(uploadRejection("abc", url)).as(url).isEqualTo(EventRejectedException.Reason.BAD_NOTIFICATION);
    }
    String body = """
        {"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"rec"},
          "object":{"key":"sessions/../../etc/abc.tar","size":1}}}]}""";
    assertThatThrownBy(() -> RecordingRefs.fromS3Notification(body, 1, pos))
        .isInstanceOfSatisfying(EventRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(EventRejectedException.Reason.BAD_NOTIFICATION));
    // the bucket name is the first segment of the path too
    for (String bucket : new String[] {"..", "rec/..", "\\u202e\\u0000/..", "a", "rec\\u0000"}) {
      String inBucket = """
          {"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"%s"},
            "object":{"key":"sessions/abc.tar","size":1}}}]}""".formatted(bucket);
      assertThatThrownBy(() -> RecordingRefs.fromS3Notification(inBucket, 1, pos)).as(bucket)
          .isInstanceOfSatisfying(EventRejectedException.class,
              e -> assertThat(e.reason()).isEqualTo(EventRejectedException.Reason.BAD_NOTIFICATION));
    }
  }

  @Test
  void malformedNotificationsAreRejectionsNotExceptions() {
    String badEscape = """
        {"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"rec"},
          "object":{"key":"sessions/abc%zz.tar","size":1}}}]}""";
    assertThatThrownBy(() -> RecordingRefs.fromS3Notification(badEscape, 1, pos))
        .isInstanceOf(EventRejectedException.class);
    String deep = "{\"Records\":" + "[".repeat(50_000) + "]".repeat(50_000) + "}";
    assertThatThrownBy(() -> RecordingRefs.fromS3Notification(deep, 1, pos))
        .isInstanceOf(EventRejectedException.class);
    String badSize = """
        {"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"rec"},
          "object":{"key":"sessions/abc.tar","size":1e999999}}}]}""";
    assertThatCode(() -> RecordingRefs.fromS3Notification(badSize, 1, pos)).satisfiesAnyOf(
        t -> assertThat(t).isNull(), t -> assertThat(t).isInstanceOf(EventRejectedException.class));
  }
}
