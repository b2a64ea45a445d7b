package dev.whodrove.ingest.teleport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.v1.RecordingRef;
import dev.whodrove.schemas.v1.SourcePosition;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import dev.whodrove.testkit.Allocations;
import dev.whodrove.testkit.Fuzz;
import dev.whodrove.testkit.Gen;
import dev.whodrove.testkit.HostileInputs;
import dev.whodrove.testkit.HostileJson;
import dev.whodrove.testkit.Tally;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInfo;

/**
 * The Teleport parsers under hostile variants of real input: the audit events of the fixtures and S3 event
 * notifications, with byte edits, with hostile values in valid JSON, and as random bytes. Whatever the input, the
 * parser returns a well-formed result or rejects it with {@link EventRejectedException} and a reason; the reason is
 * never {@code parse_error} (that is the safety net for parser defects, and a defect is what this looks for); and one
 * input never costs more heap than a small multiple of its size. Each property also checks that its inputs reached the
 * cases it is about. Seeds, tries and reproducing a failure: {@link Fuzz}.
 */
class TeleportParsersFuzzTest {
  private static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");
  private static final AuditEventParser PARSER = new AuditEventParser(AuditEventParser.DEFAULT_MAX_BYTES,
      Clock.fixed(NOW, ZoneOffset.UTC));
  private static final SourcePosition POS = SourcePosition.newBuilder().setSource("file").setLocator("fuzz").build();

  private static final List<byte[]> EVENTS = events();
  private static final List<byte[]> NOTIFICATIONS = List.of(utf8("""
      {"Records":[
        {"eventName":"ObjectCreated:CompleteMultipartUpload","s3":{"bucket":{"name":"rec"},
          "object":{"key":"sessions/abc-1.tar","size":1234,"eTag":"e1","versionId":"v1"}}},
        {"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"rec"},
          "object":{"key":"sessions/abc-1.summary.json","size":5}}},
        {"eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"rec"},"object":{"key":"sessions/x.tar"}}}
      ]}"""), utf8("""
      {"Type":"Notification","MessageId":"m-1","Message":"{\\"Records\\":[{\\"eventName\\":\\"ObjectCreated:Put\\",\
      \\"s3\\":{\\"bucket\\":{\\"name\\":\\"rec\\"},\\"object\\":{\\"key\\":\\"a+b/5b1c0d2e-1111.tar\\",\
      \\"size\\":7}}}]}"}"""), utf8("{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Bucket\":\"rec\"}"));

  private static List<byte[]> events() {
    List<byte[]> out = new ArrayList<>();
    for (String f : Fixtures.FILES) {
      Fixtures.lines(f).forEach(l -> out.add(utf8(l)));
    }
    return out;
  }

  private static final Gen<HostileInputs.Mutant> EVENT_MUTANTS = HostileInputs.mutants(EVENTS);
  private static final Gen<HostileJson.Variant> EVENT_VARIANTS = HostileJson.variants(EVENTS);
  private static final Gen<HostileInputs.Mutant> NOTIFICATION_MUTANTS = HostileInputs.mutants(NOTIFICATIONS);
  private static final Gen<HostileJson.Variant> NOTIFICATION_VARIANTS = HostileJson.variants(NOTIFICATIONS);
  private static final Gen<byte[]> RANDOM_BYTES = HostileInputs.randomBytes(4096);

  @TestFactory
  Stream<DynamicTest> auditEventByteEdits(TestInfo test) {
    return Fuzz.forAll(test, 400, EVENT_MUTANTS, (m, tally) -> checkAuditEvent(m.bytes(), tally), tally -> {
      tally.atLeast("accepted", 0.03);
      tally.atLeast("rejected:not_json", 0.20);
      tally.kinds("rejected:", 3);
    });
  }

  @TestFactory
  Stream<DynamicTest> auditEventHostileValues(TestInfo test) {
    return Fuzz.forAll(test, 400, EVENT_VARIANTS, (v, tally) -> checkAuditEvent(v.bytes(), tally), tally -> {
      // most variants stay events: the checks after the JSON syntax are what this property is for
      tally.atLeast("accepted", 0.20);
      tally.kinds("rejected:", 3);
    });
  }

  @TestFactory
  Stream<DynamicTest> auditEventRandomBytes(TestInfo test) {
    return Fuzz.forAll(test, 200, RANDOM_BYTES, (b, tally) -> {
      tally.add(HostileInputs.sizeClass(b));
      checkAuditEvent(b, tally);
    }, TeleportParsersFuzzTest::emptyAndLarge);
  }

  @TestFactory
  Stream<DynamicTest> s3NotificationByteEdits(TestInfo test) {
    return Fuzz.forAll(test, 300, NOTIFICATION_MUTANTS, (m, tally) -> checkNotification(m.bytes(), tally),
        tally -> {
          tally.atLeast("refs", 0.01);
          tally.atLeast("rejected:not_json", 0.20);
          tally.atLeast("rejected:bad_notification", 0.02);
        });
  }

  @TestFactory
  Stream<DynamicTest> s3NotificationHostileValues(TestInfo test) {
    return Fuzz.forAll(test, 300, NOTIFICATION_VARIANTS, (v, tally) -> checkNotification(v.bytes(), tally),
        tally -> {
          tally.atLeast("refs", 0.05);
          tally.atLeast("no-refs", 0.02);
          tally.atLeast("rejected:bad_notification", 0.10);
        });
  }

  @TestFactory
  Stream<DynamicTest> s3NotificationRandomBytes(TestInfo test) {
    return Fuzz.forAll(test, 100, RANDOM_BYTES, (b, tally) -> {
      tally.add(HostileInputs.sizeClass(b));
      checkNotification(b, tally);
    }, TeleportParsersFuzzTest::emptyAndLarge);
  }

  /** Random bytes: the empty input and inputs of a KiB or more both came up. */
  private static void emptyAndLarge(Tally tally) {
    tally.atLeast("size:empty", 0.01);
    tally.atLeast("size:>=1KiB", 0.03);
  }

  /** The samples themselves parse, so the properties start from input that reaches every check. */
  @Test
  void everySampleIsAccepted() throws Exception {
    for (byte[] e : EVENTS) {
      TeleportAuditEvent ev;
      try {
        ev = PARSER.parse(e, POS);
      } catch (EventRejectedException r) {
        // the hand-written placeholder samples carry times that are not RFC 3339: rejected for that only
        assertThat(r.reason()).as(new String(e, StandardCharsets.UTF_8))
            .isEqualTo(EventRejectedException.Reason.BAD_TIME);
        continue;
      }
      assertThat(ev.getType()).isNotEmpty();
    }
    for (byte[] n : NOTIFICATIONS) {
      RecordingRefs.fromS3Notification(new String(n, StandardCharsets.UTF_8), NOW.toEpochMilli(), POS);
    }
  }

  private static void checkAuditEvent(byte[] input, Tally tally) {
    TeleportAuditEvent[] out = new TeleportAuditEvent[1];
    Allocations.Measured m = Allocations.measure(() -> out[0] = PARSER.parse(input, POS));
    assertBoundedHeap(m, input);
    if (m.thrown() != null) {
      assertRejection(m.thrown());
      tally.add("rejected:" + ((EventRejectedException) m.thrown()).tag());
      return;
    }
    tally.add("accepted");
    TeleportAuditEvent e = out[0];
    assertThat(e.getType()).isNotEmpty();
    assertThat(e.getTimeMs()).isPositive().isLessThanOrEqualTo(NOW.toEpochMilli() + TeleportTimes.MAX_AHEAD.toMillis());
    assertThat(e.getSessionStartMs()).isNotNegative();
    assertThat(e.getSessionEndMs()).isNotNegative();
    assertThat(e.getSessionId().isEmpty() || RecordingRefs.validSid(e.getSessionId())).as(e.getSessionId()).isTrue();
    // a session.upload also yields its recording reference, the next step of every source
    try {
      RecordingRefs.fromUploadEvent(e, NOW.toEpochMilli()).ifPresent(TeleportParsersFuzzTest::assertPlainRef);
    } catch (EventRejectedException r) {
      assertRejection(r);
    }
  }

  private static void checkNotification(byte[] input, Tally tally) {
    String body = new String(input, StandardCharsets.UTF_8);
    RecordingRefs.Notification[] out = new RecordingRefs.Notification[1];
    Allocations.Measured m = Allocations.measure(
        () -> out[0] = RecordingRefs.fromS3Notification(body, NOW.toEpochMilli(), POS));
    assertBoundedHeap(m, input);
    if (m.thrown() != null) {
      assertRejection(m.thrown());
      tally.add("rejected:" + ((EventRejectedException) m.thrown()).tag());
      return;
    }
    tally.add(out[0].refs().isEmpty() ? "no-refs" : "refs");
    assertThat(out[0].ignored()).isNotNegative();
    out[0].refs().forEach(TeleportParsersFuzzTest::assertPlainRef);
  }

  private static void assertPlainRef(RecordingRef r) {
    assertThat(RecordingRefs.validSid(r.getSessionId())).as(r.getSessionId()).isTrue();
    for (String segment : r.getUri().split("/", -1)) {
      assertThat(segment).as(r.getUri()).isNotIn(".", "..");
    }
  }

  private static void assertRejection(Throwable t) {
    assertThat(t).as("what escaped the parser").isInstanceOf(EventRejectedException.class);
    EventRejectedException r = (EventRejectedException) t;
    assertThat(r.reason()).as("a parser defect: %s", r.getMessage())
        .isNotEqualTo(EventRejectedException.Reason.PARSE_ERROR);
    assertThat(r.getMessage()).isNotBlank();
  }

  /**
   * An input's heap cost: a fixed allowance (the first calls load classes) plus a small multiple of its size, never
   * what a length field claims.
   */
  static void assertBoundedHeap(Allocations.Measured m, byte[] input) {
    assertThat(m.bytes()).as("heap allocated for %d input bytes", input.length)
        .isLessThan(32L * 1024 * 1024 + 64L * input.length);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
