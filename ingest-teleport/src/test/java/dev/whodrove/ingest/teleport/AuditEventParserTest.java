package dev.whodrove.ingest.teleport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.whodrove.ingest.teleport.EventRejectedException.Reason;
import dev.whodrove.schemas.v1.SourcePosition;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuditEventParserTest {
  /** When the parser reads: a fixed instant after every fixture's time. */
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private final AuditEventParser parser =
      new AuditEventParser(AuditEventParser.DEFAULT_MAX_BYTES, Clock.fixed(NOW, ZoneOffset.UTC));
  private final SourcePosition pos = SourcePosition.newBuilder().setSource("file").setLocator("x").setOffset(7).build();

  private TeleportAuditEvent parse(String file, int line) throws EventRejectedException {
    return parser.parse(Fixtures.line(file, line), pos);
  }

  @Test
  void everyFixtureLineParsesExceptTheOneWithAnImpossibleTime() {
    int parsed = 0;
    List<String> rejected = new ArrayList<>();
    for (String f : Fixtures.FILES) {
      List<String> lines = Fixtures.lines(f);
      for (int i = 0; i < lines.size(); i++) {
        try {
          TeleportAuditEvent e = parser.parse(lines.get(i), pos);
          assertThat(e.getType()).isNotEmpty();
          assertThat(e.getTimeMs()).isPositive();
          assertThat(e.getOriginalJson()).isEqualTo(lines.get(i));
          parsed++;
        } catch (EventRejectedException e) {
          rejected.add(f + ":" + (i + 1) + ":" + e.reason());
        }
      }
    }
    assertThat(parsed).isEqualTo(89);
    // "2023-09-20T23:00:000.000000Z": three-digit seconds
    assertThat(rejected).containsExactly("panther-handwritten.jsonl:8:BAD_TIME");
  }

  @Test
  void sessionStartWithFlattenedLabels() throws Exception {
    TeleportAuditEvent e = parse("ssh-sessions.jsonl", 19);
    assertThat(e.getType()).isEqualTo("session.start");
    assertThat(e.getCode()).isEqualTo("T2000I");
    assertThat(e.getUid()).isEqualTo("fff30583-13be-49e8-b159-32952c6ea34f");
    assertThat(e.getSessionId()).isEqualTo("293fda2d-2266-4d4d-b9d1-bd5ea9dd9fc3");
    assertThat(e.getTimeMs()).isEqualTo(Instant.parse("2024-02-23T18:56:57.199Z").toEpochMilli());
    assertThat(e.getLogin()).isEqualTo("ec2-user");
    assertThat(e.getCluster()).isEqualTo("teleport.ericbeahan.com");
    assertThat(e.getServerId()).isEqualTo("face0091-2bf1-43fd-a16a-f1514b4119f4");
    assertThat(e.getServerHostname()).isEqualTo("ip-172-31-8-163.us-east-2.compute.internal");
    assertThat(e.getServerLabelsMap()).containsEntry("hostname", "ip-172-31-8-163.us-east-2.compute.internal")
        .containsKey("teleport.internal/resource-id");
    assertThat(e.getProtocol()).isEqualTo("ssh");
    assertThat(e.getKind()).isEqualTo("ssh");
    assertThat(e.getRemoteAddr()).isEqualTo("136.61.214.196:50339");
    assertThat(e.getInitialCommandList()).containsExactly("");
    assertThat(e.getSessionRecording()).isEqualTo("node");
    assertThat(e.getSource()).isEqualTo(pos);
    assertThat(e.getIngestedAtMs()).isEqualTo(NOW.toEpochMilli());
  }

  @Test
  void sessionEndCarriesInteractiveParticipantsAndTimes() throws Exception {
    TeleportAuditEvent e = parse("ssh-sessions.jsonl", 9);
    assertThat(e.getType()).isEqualTo("session.end");
    assertThat(e.getInteractive()).isTrue();
    assertThat(e.getEnhancedRecording()).isFalse();
    assertThat(e.getParticipantsList()).containsExactly("root");
    assertThat(e.getSessionRecording()).isEqualTo("off");
    assertThat(e.getSessionStartMs()).isEqualTo(Instant.parse("2021-05-12T01:26:16.624683927Z").toEpochMilli());
    assertThat(e.getSessionEndMs()).isEqualTo(Instant.parse("2021-05-12T01:26:22.61263808Z").toEpochMilli());
    assertThat(e.getServerHostname()).isEqualTo("im-a-nodename");
    assertThat(e.getKind()).isEqualTo("ssh");
    assertThat(parse("ssh-sessions.jsonl", 7).getInteractive()).isFalse();
  }

  @Test
  void sessionUploadKeepsItsUrlAndHasNoKind() throws Exception {
    TeleportAuditEvent e = parse("ssh-sessions.jsonl", 20);
    assertThat(e.getCode()).isEqualTo("T2005I");
    assertThat(e.getUid()).isEmpty();
    assertThat(e.getRecordingUrl())
        .isEqualTo("file:///home/zmb/datadir/log/records/multi/f9cc2921-c655-47f9-9179-6ae546fc04a8");
    assertThat(e.getKind()).isEmpty();
  }

  @Test
  void kindsOfKubeDbAppDesktop() throws Exception {
    String f = "kube-db-app-desktop.jsonl";
    TeleportAuditEvent exec = parse(f, 1);
    assertThat(exec.getType()).isEqualTo("exec");
    assertThat(exec.getKind()).isEqualTo("kube");
    assertThat(exec.getServerHostname()).isEqualTo("clusterOne");
    assertThat(parse(f, 2).getKind()).isEqualTo("kube");
    assertThat(parse(f, 3).getKind()).as("kube.create is admin, not a session").isEmpty();
    TeleportAuditEvent db = parse(f, 6);
    assertThat(db.getKind()).isEqualTo("db");
    assertThat(db.getLogin()).isEqualTo("alice");
    assertThat(db.getProtocol()).isEqualTo("mongodb");
    assertThat(db.getServerHostname()).isEqualTo("mongo-primary");
    assertThat(parse(f, 14).getKind()).isEqualTo("app");
    TeleportAuditEvent desk = parse(f, 18);
    assertThat(desk.getKind()).isEqualTo("desktop");
    assertThat(desk.getServerLabelsMap()).containsEntry("env", "prod").containsEntry("foo", "bar");
    assertThat(desk.getServerHostname()).isEqualTo("desktop-name");
  }

  @Test
  void unknownTypesPassThroughWithCommonFields() throws Exception {
    TeleportAuditEvent e = parse("auth-and-admin.jsonl", 13);
    assertThat(e.getType()).isEqualTo("lock.created");
    assertThat(e.getCode()).isEqualTo("TLK00I");
    assertThat(e.getCluster()).isEqualTo("im-a-cluster-name");
    assertThat(e.getKind()).isEmpty();
    assertThat(e.getSessionId()).isEmpty();
  }

  @Test
  void handwrittenOddities() throws Exception {
    String f = "panther-handwritten.jsonl";
    TeleportAuditEvent start = parse(f, 9);
    assertThat(start.getCode()).isEqualTo("T2000I");
    assertThat(start.getRemoteAddr()).isEqualTo("192.0.2.1:35194");
    assertThat(parse(f, 1).getTimeMs()).isEqualTo(Instant.parse("2023-09-18T00:00:00Z").toEpochMilli());
    assertThat(parse(f, 4).getUserAgent()).startsWith("Examplecorp");
  }

  @Test
  void rejectsBadInputWithTypedReasons() {
    assertThatThrownBy(() -> parser.parse("not json", pos)).isInstanceOfSatisfying(EventRejectedException.class,
        e -> assertThat(e.reason()).isEqualTo(Reason.NOT_JSON));
    assertThatThrownBy(() -> parser.parse("{\"a\":1} trailing", pos)).isInstanceOfSatisfying(
        EventRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_JSON));
    assertThatThrownBy(() -> parser.parse("[1,2]", pos)).isInstanceOfSatisfying(EventRejectedException.class,
        e -> assertThat(e.reason()).isEqualTo(Reason.NOT_AN_EVENT));
    assertThatThrownBy(() -> parser.parse("{\"time\":\"2024-01-01T00:00:00Z\"}", pos)).isInstanceOfSatisfying(
        EventRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_AN_EVENT));
    assertThatThrownBy(() -> parser.parse("{\"event\":\"x\",\"time\":\"yesterday\"}", pos)).isInstanceOfSatisfying(
        EventRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BAD_TIME));
    assertThatThrownBy(() -> parser.parse("{\"event\":\"x\"}", pos)).isInstanceOfSatisfying(
        EventRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BAD_TIME));
    String big = "{\"event\":\"x\",\"time\":\"2024-01-01T00:00:00Z\",\"pad\":\"" + "a".repeat(1 << 20) + "\"}";
    assertThatThrownBy(() -> parser.parse(big, pos)).isInstanceOfSatisfying(EventRejectedException.class,
        e -> assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE));
  }

  @Test
  void aSessionIdThatIsNotAPlainTokenIsRejected() {
    for (String sid : new String[] {"../../etc/passwd", "a/b", "..", "x.tar", "a\\u0000b", "s".repeat(129)}) {
      assertThat(rejection("{\"event\":\"session.start\",\"time\":\"2024-01-01T00:00:00Z\",\"sid\":\"" + sid
          + "\"}")).as(sid).isEqualTo(Reason.BAD_SESSION_ID);
    }
    assertThatCode(() -> parser.parse("{\"event\":\"session.start\",\"time\":\"2024-01-01T00:00:00Z\",\"sid\":"
        + "\"f0a8a9c2-1b7e-4c0e-9a55-3f3c8e6d2b11\"}", pos)).doesNotThrowAnyException();
  }

  private Reason rejection(String json) {
    try {
      parser.parse(json, pos);
    } catch (EventRejectedException e) {
      return e.reason();
    }
    throw new AssertionError("accepted: " + json);
  }

  private static String withTime(String time) {
    return "{\"event\":\"session.start\",\"uid\":\"u1\",\"sid\":\"s1\",\"time\":\"" + time + "\"}";
  }

  @Test
  void absurdNegativeOverflowingAndUnreadableTimesAreRejectedAsBadTime() {
    for (String t : List.of(
        "+999999999-12-31T23:59:59Z", // the largest LocalDateTime: its epoch milliseconds overflow a long
        "-999999999-01-01T00:00:00Z",
        "+292278994-08-17T07:12:55.808Z", // one millisecond past Long.MAX_VALUE
        "1969-12-31T23:59:59Z", // before the epoch: negative
        "-0001-01-01T00:00:00Z",
        "1970-01-01T00:00:00Z", // zero means "no time" downstream
        "3000-01-01T00:00:00Z", // far beyond the moment it is read
        "2024-05-01T10:00:00+99:00", // an offset no zone has
        "2024-13-45T99:99:99Z",
        "2024-05-01T10:00:00.1234567891Z",
        "")) {
      assertThat(rejection(withTime(t))).as(t).isEqualTo(Reason.BAD_TIME);
    }
    assertThat(rejection("{\"event\":\"x\",\"time\":1714550400}")).isEqualTo(Reason.BAD_TIME);
    assertThat(rejection("{\"event\":\"x\",\"time\":{\"seconds\":1}}")).isEqualTo(Reason.BAD_TIME);
    // a day ahead of the reader's clock is clock skew, not an absurd time
    assertThatCode(() -> parser.parse(withTime(NOW.plusSeconds(23 * 3600).toString()), pos)).doesNotThrowAnyException();
  }

  @Test
  void hostileSecondaryTimesAreDroppedAndTheEventKept() throws Exception {
    TeleportAuditEvent e = parser.parse("{\"event\":\"session.end\",\"uid\":\"u2\",\"sid\":\"s2\","
        + "\"time\":\"2024-05-01T10:00:00Z\",\"session_start\":\"+999999999-12-31T23:59:59Z\","
        + "\"session_stop\":\"0001-01-01T00:00:00Z\"}", pos);
    assertThat(e.getTimeMs()).isEqualTo(Instant.parse("2024-05-01T10:00:00Z").toEpochMilli());
    assertThat(e.getSessionStartMs()).isZero();
    assertThat(e.getSessionEndMs()).isZero();
  }

  @Test
  void deeplyNestedJsonIsRejectedAsNotJsonWithoutExhaustingTheStack() {
    String deep = "{\"event\":\"x\",\"time\":\"2024-05-01T10:00:00Z\",\"a\":" + "[".repeat(100_000)
        + "]".repeat(100_000) + "}";
    assertThat(rejection(deep)).isEqualTo(Reason.NOT_JSON);
    assertThat(rejection("{".repeat(50_000))).isEqualTo(Reason.NOT_JSON);
    // nesting within the limit is an ordinary event
    String nested = "{\"event\":\"x\",\"time\":\"2024-05-01T10:00:00Z\",\"a\":" + "[".repeat(100)
        + "]".repeat(100) + "}";
    assertThatCode(() -> parser.parse(nested, pos)).doesNotThrowAnyException();
  }

  @Test
  void anExceptionWhileParsingOneEventIsARejectionNotACrash() {
    Clock failing = new Clock() {
      @Override
      public java.time.ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        throw new IllegalStateException("clock broke");
      }
    };
    AuditEventParser broken = new AuditEventParser(AuditEventParser.DEFAULT_MAX_BYTES, failing);
    assertThatThrownBy(() -> broken.parse(withTime("2024-05-01T10:00:00Z"), pos)).isInstanceOfSatisfying(
        EventRejectedException.class, e -> {
          assertThat(e.reason()).isEqualTo(Reason.PARSE_ERROR);
          assertThat(e.getMessage()).contains("clock broke");
        });
  }
}
