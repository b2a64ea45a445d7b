package dev.whodrove.ingest.teleport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.whodrove.runtime.ServiceConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class FileBackendSourceTest {
  @TempDir Path tmp;

  private static String event(String uid) {
    return "{\"event\":\"session.start\",\"uid\":\"" + uid + "\",\"code\":\"T2000I\",\"time\":\"2024-05-01T10:00:00Z\","
        + "\"sid\":\"s-" + uid + "\"}";
  }

  private FileBackendSource source(CollectingOutput sink) {
    ServiceConfig cfg = ServiceConfig.of(Map.of(
        FileBackendSource.DATA_DIR, tmp.resolve("teleport").toString(),
        FileBackendSource.STATE_PATH, tmp.resolve("state.json").toString(),
        FileBackendSource.RECORDS_SETTLE, "0s"));
    return new FileBackendSource(cfg, sink, new AuditEventParser(), Clock.systemUTC());
  }

  private static void append(Path f, String text) throws Exception {
    Files.createDirectories(f.getParent());
    Files.writeString(f, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  @Test
  void tailsNewDailyFilesHoldsPartialLinesAndResumesAfterRestart() throws Exception {
    Path hostDir = tmp.resolve("teleport/log/0b2c-host");
    Path day1 = hostDir.resolve("2024-05-01.00:00:00.log");
    append(day1, event("a") + "\n" + "not json\n" + event("b").substring(0, 20));
    Files.createSymbolicLink(tmp.resolve("teleport/log/events.log"), day1); // Teleport's pointer: not read twice

    CollectingOutput sink = new CollectingOutput();
    FileBackendSource src = source(sink);
    IngestStats s = src.ingestOnce();
    assertThat(s.events()).isEqualTo(1);
    assertThat(s.rejected()).isEqualTo(1);
    assertThat(sink.uids()).containsExactly("a");
    assertThat(sink.dead).singleElement().satisfies(d -> {
      assertThat(d.reasonTag()).isEqualTo("not_json");
      assertThat(d.position().getLocator()).isEqualTo(day1.toString());
      assertThat(d.position().getOffset()).isEqualTo(event("a").length() + 1);
      assertThat(new String(d.original(), StandardCharsets.UTF_8)).isEqualTo("not json");
    });

    // the partial line completes; a new day's file appears (Teleport's daily rotation)
    append(day1, event("b").substring(20) + "\n");
    Path day2 = hostDir.resolve("2024-05-02.00:00:00.log");
    append(day2, event("c") + "\n");
    src.ingestOnce();
    assertThat(sink.uids()).containsExactly("a", "b", "c");

    // restart: nothing is read again; then only new lines are
    append(day2, event("d") + "\n");
    CollectingOutput sink2 = new CollectingOutput();
    FileBackendSource restarted = source(sink2);
    restarted.ingestOnce();
    assertThat(sink2.uids()).containsExactly("d");
    assertThat(restarted.ingestOnce()).isEqualTo(IngestStats.NONE);
  }

  @Test
  void followsRenameRotationAndTruncation() throws Exception {
    Path logDir = tmp.resolve("teleport/log");
    Path current = logDir.resolve("audit.log");
    append(current, event("1") + "\n");
    CollectingOutput sink = new CollectingOutput();
    FileBackendSource src = source(sink);
    src.ingestOnce();
    // a writer appends a last line, then the file is rotated away by rename and a fresh one takes its name
    append(current, event("2") + "\n");
    Files.move(current, logDir.resolve("audit.log.1"));
    append(current, event("3") + "\n");
    src.ingestOnce();
    assertThat(sink.uids()).containsExactlyInAnyOrder("1", "2", "3");

    // truncated in place (copytruncate): read from the start again
    Files.writeString(current, event("4") + "\n");
    src.ingestOnce();
    assertThat(sink.uids()).containsExactlyInAnyOrder("1", "2", "3", "4");
  }

  @Test
  void oversizeLinesAreDeadLetteredWithTheirHeadAndTailingGoesOn() throws Exception {
    Path f = tmp.resolve("teleport/log/h/2024-05-01.00:00:00.log");
    String huge = "{\"event\":\"x\",\"pad\":\"" + "a".repeat(3 << 19) + "\"}";
    append(f, huge + "\n" + event("after") + "\n");
    CollectingOutput sink = new CollectingOutput();
    source(sink).ingestOnce();
    assertThat(sink.uids()).containsExactly("after");
    assertThat(sink.dead).singleElement().satisfies(d -> {
      assertThat(d.reasonTag()).isEqualTo("too_large");
      assertThat(d.original()).hasSize(AuditEventParser.DEFAULT_MAX_BYTES);
      assertThat(d.position().getOffset()).isZero();
    });
  }

  @Test
  void offsetsStayPutWhenKafkaDoesNotAcknowledge() throws Exception {
    append(tmp.resolve("teleport/log/h/2024-05-01.00:00:00.log"), event("x") + "\n");
    CollectingOutput sink = new CollectingOutput();
    sink.failing = true;
    FileBackendSource src = source(sink);
    assertThatThrownBy(src::ingestOnce).hasMessageContaining("Kafka did not acknowledge");
    sink.failing = false;
    src.ingestOnce();
    assertThat(sink.uids()).containsExactly("x");
  }

  @Test
  void publishesSettledRecordingsOnceAndIgnoresSidecarsAndUploadsInProgress() throws Exception {
    Path records = tmp.resolve("teleport/log/records");
    Files.createDirectories(records.resolve("multi/u1/sid-b"));
    Files.write(records.resolve("sid-a.tar"), new byte[] {0, 0, 0, 0, 0, 0, 0, 1});
    Files.write(records.resolve("sid-a.metadata"), new byte[] {1});
    Files.write(records.resolve("multi/u1/sid-b/1.part"), new byte[] {1});
    CollectingOutput sink = new CollectingOutput();
    FileBackendSource src = source(sink);
    assertThat(src.ingestOnce().recordings()).isEqualTo(1);
    assertThat(sink.recordings).singleElement().satisfies(r -> {
      assertThat(r.getSessionId()).isEqualTo("sid-a");
      assertThat(r.getUri()).isEqualTo(records.resolve("sid-a.tar").toUri().toString());
      assertThat(r.getSizeBytes()).isEqualTo(8);
      assertThat(r.getOrigin()).isEqualTo("records-dir");
    });
    assertThat(source(new CollectingOutput()).ingestOnce().recordings()).as("remembered across restarts").isZero();

    // a file still being written (modified just now) waits for the settle period
    ServiceConfig cfg = ServiceConfig.of(Map.of(FileBackendSource.DATA_DIR, tmp.resolve("teleport").toString(),
        FileBackendSource.STATE_PATH, tmp.resolve("state.json").toString(), FileBackendSource.RECORDS_SETTLE, "1h"));
    Files.write(records.resolve("sid-c.tar"), new byte[] {1});
    CollectingOutput sink3 = new CollectingOutput();
    new FileBackendSource(cfg, sink3, new AuditEventParser(), Clock.systemUTC()).ingestOnce();
    assertThat(sink3.recordings).isEmpty();
    Files.setLastModifiedTime(records.resolve("sid-c.tar"), FileTime.from(Instant.now().minusSeconds(7200)));
    new FileBackendSource(cfg, sink3, new AuditEventParser(), Clock.systemUTC()).ingestOnce();
    assertThat(sink3.recordings).extracting(r -> r.getSessionId()).containsExactly("sid-c");
  }

  /** A clock that fails once, on its {@code failAt}-th reading (1-based): one record's handling throws. */
  private static Clock failingOnce(int failAt) {
    java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
    return new Clock() {
      @Override
      public java.time.ZoneId getZone() {
        return java.time.ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        if (reads.incrementAndGet() == failAt) {
          throw new IllegalStateException("injected failure while handling one record");
        }
        return Instant.now();
      }
    };
  }

  @Test
  void hostileLinesAreDeadLetteredAndEveryGoodLineAroundThemFlows() throws Exception {
    List<String> good = Fixtures.lines("ssh-sessions.jsonl");
    Map<String, String> hostile = new java.util.LinkedHashMap<>();
    hostile.put("{\"event\":\"session.command\",\"uid\":\"h-absurd\",\"time\":\"+999999999-12-31T23:59:59Z\"}",
        "bad_time");
    hostile.put("{\"event\":\"session.start\",\"uid\":\"h-negative\",\"time\":\"1969-07-20T20:17:40Z\"}",
        "bad_time");
    hostile.put("{\"event\":\"session.start\",\"uid\":\"h-overflow\",\"time\":\"+292278994-08-17T07:12:55.808Z\"}",
        "bad_time");
    hostile.put("{\"event\":\"session.start\",\"uid\":\"h-offset\",\"time\":\"2024-05-01T10:00:00+99:00\"}",
        "bad_time");
    hostile.put("{\"event\":\"session.start\",\"uid\":\"h-future\",\"time\":\"9999-12-31T23:59:59Z\"}",
        "bad_time");
    hostile.put("{\"event\":\"session.start\",\"uid\":\"h-garbled\",\"time\":\"2024-13-45T99:99:99Z\"}",
        "bad_time");
    hostile.put("{\"event\":\"x\",\"time\":\"2024-05-01T10:00:00Z\",\"a\":" + "[".repeat(20_000)
        + "]".repeat(20_000) + "}", "not_json");
    List<String> lines = new java.util.ArrayList<>();
    java.util.Iterator<String> bad = hostile.keySet().iterator();
    for (int i = 0; i < good.size(); i++) {
      lines.add(good.get(i));
      if (i % 4 == 1 && bad.hasNext()) {
        lines.add(bad.next());
      }
    }
    bad.forEachRemaining(lines::add);
    Path f = tmp.resolve("teleport/log/h/2024-05-01.00:00:00.log");
    append(f, String.join("\n", lines) + "\n");

    CollectingOutput sink = new CollectingOutput();
    IngestStats s = source(sink).ingestOnce();
    assertThat(s.events()).isEqualTo(good.size());
    assertThat(sink.events).extracting(e -> e.getOriginalJson()).containsExactlyElementsOf(good);
    assertThat(sink.dead).hasSize(hostile.size());
    assertThat(sink.dead).extracting(d -> new String(d.original(), StandardCharsets.UTF_8))
        .containsExactlyElementsOf(hostile.keySet());
    assertThat(sink.dead).extracting(CollectingOutput.Dead::reasonTag).containsExactlyElementsOf(hostile.values());
    long offset = 0;
    java.util.Map<String, Long> offsets = new java.util.HashMap<>();
    for (String l : lines) {
      offsets.put(l, offset);
      offset += l.getBytes(StandardCharsets.UTF_8).length + 1;
    }
    assertThat(sink.dead).allSatisfy(d -> {
      assertThat(d.target()).isEqualTo(SourceOutput.DeadLetterTarget.AUDIT_EVENTS);
      assertThat(d.position().getLocator()).isEqualTo(f.toString());
      assertThat(d.position().getOffset()).isEqualTo(offsets.get(new String(d.original(), StandardCharsets.UTF_8)));
    });
    assertThat(source(new CollectingOutput()).ingestOnce()).as("nothing is read twice").isEqualTo(IngestStats.NONE);
  }

  @Test
  void anExceptionWhileHandlingOneLineDeadLettersThatLineOnly() throws Exception {
    append(tmp.resolve("teleport/log/h/2024-05-01.00:00:00.log"),
        event("1") + "\n" + event("2") + "\n" + event("3") + "\n");
    ServiceConfig cfg = ServiceConfig.of(Map.of(
        FileBackendSource.DATA_DIR, tmp.resolve("teleport").toString(),
        FileBackendSource.STATE_PATH, tmp.resolve("state.json").toString()));
    CollectingOutput sink = new CollectingOutput();
    AuditEventParser parser = new AuditEventParser(AuditEventParser.DEFAULT_MAX_BYTES, failingOnce(2));
    new FileBackendSource(cfg, sink, parser, Clock.systemUTC()).ingestOnce();
    assertThat(sink.uids()).containsExactly("1", "3");
    assertThat(sink.dead).singleElement().satisfies(d -> {
      assertThat(d.reasonTag()).isEqualTo("parse_error");
      assertThat(new String(d.original(), StandardCharsets.UTF_8)).isEqualTo(event("2"));
    });
  }

  @Test
  void aHalfWrittenLastLineIsWaitedForNotRejected() throws Exception {
    Path f = tmp.resolve("teleport/log/h/2024-05-01.00:00:00.log");
    String big = "{\"event\":\"session.command\",\"uid\":\"big\",\"time\":\"2024-05-01T10:00:00Z\",\"argv\":[\""
        + "y".repeat(3 << 20) + "\"]}";
    append(f, event("1") + "\n" + event("2").substring(0, 25));
    CollectingOutput sink = new CollectingOutput();
    FileBackendSource src = source(sink);
    src.ingestOnce();
    src.ingestOnce();
    assertThat(sink.uids()).containsExactly("1");
    assertThat(sink.dead).as("half a line is not a bad line").isEmpty();

    append(f, event("2").substring(25) + "\n" + big.substring(0, 2 << 20));
    src.ingestOnce();
    assertThat(sink.uids()).containsExactly("1", "2");
    assertThat(sink.dead).as("half of an oversize line is not rejected yet").isEmpty();

    append(f, big.substring(2 << 20) + "\n" + event("3") + "\n");
    src.ingestOnce();
    assertThat(sink.uids()).containsExactly("1", "2", "3");
    assertThat(sink.dead).singleElement().satisfies(d -> {
      assertThat(d.reasonTag()).isEqualTo("too_large");
      assertThat(d.size()).isEqualTo(big.length());
      assertThat(d.sha256()).isEqualTo(dev.whodrove.runtime.DeadLetters.sha256(big.getBytes(StandardCharsets.UTF_8)));
      assertThat(d.original()).hasSize(AuditEventParser.DEFAULT_MAX_BYTES);
    });
  }

  @Test
  void theUnterminatedLastLineOfAFileRenamedAwayIsReadOnceTheFileStopsGrowing() throws Exception {
    Path logDir = tmp.resolve("teleport/log");
    Path current = logDir.resolve("audit.log");
    append(current, event("1") + "\n" + event("2").substring(0, 30));
    CollectingOutput sink = new CollectingOutput();
    FileBackendSource src = source(sink);
    src.ingestOnce();
    assertThat(sink.uids()).containsExactly("1");
    // rotated away by rename while its writer was still finishing the line
    Path rotated = logDir.resolve("audit.log.1");
    Files.move(current, rotated);
    src.ingestOnce();
    assertThat(sink.uids()).as("still growing, maybe").containsExactly("1");
    append(rotated, event("2").substring(30, 40));
    src.ingestOnce();
    assertThat(sink.uids()).containsExactly("1");
    src.ingestOnce(); // unchanged since the last poll: the writer moved on
    assertThat(sink.dead).singleElement().satisfies(d -> {
      assertThat(d.reasonTag()).isEqualTo("not_json");
      assertThat(new String(d.original(), StandardCharsets.UTF_8)).isEqualTo(event("2").substring(0, 40));
    });
    assertThat(src.ingestOnce()).isEqualTo(IngestStats.NONE);

    // a renamed-away file whose last line is whole but unterminated is an ordinary last event
    append(current, event("3") + "\n" + event("4"));
    src.ingestOnce();
    Files.move(current, logDir.resolve("audit.log.2"));
    src.ingestOnce();
    src.ingestOnce();
    assertThat(sink.uids()).containsExactly("1", "3", "4");
  }

  private static ListAppender<ILoggingEvent> captureWarnings() {
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    ((Logger) LoggerFactory.getLogger(TailState.class)).addAppender(logged);
    return logged;
  }

  private static void release(ListAppender<ILoggingEvent> logged) {
    ((Logger) LoggerFactory.getLogger(TailState.class)).detachAppender(logged);
  }

  private List<Path> setAside() throws Exception {
    try (var files = Files.list(tmp)) {
      return files.filter(f -> f.getFileName().toString().startsWith("state.json.corrupt-")).toList();
    }
  }

  @Test
  void aCorruptStateFileIsMovedAsideAndTheLogsAreReadAgainFromTheStart() throws Exception {
    Path day1 = tmp.resolve("teleport/log/h/2024-05-01.00:00:00.log");
    append(day1, event("a") + "\n" + event("b") + "\n");
    Files.createDirectories(tmp.resolve("teleport/log/records"));
    Files.write(tmp.resolve("teleport/log/records/s-a.tar"), new byte[] {1});
    CollectingOutput first = new CollectingOutput();
    source(first).ingestOnce();
    assertThat(first.uids()).containsExactly("a", "b");
    assertThat(first.recordings).hasSize(1);

    // a torn write of the state file (a disk fault, a copy cut short)
    byte[] corrupt = Arrays.copyOf(Files.readAllBytes(tmp.resolve("state.json")), 17);
    Files.write(tmp.resolve("state.json"), corrupt);
    append(day1, event("c") + "\n");
    ListAppender<ILoggingEvent> logged = captureWarnings();
    CollectingOutput again = new CollectingOutput();
    try {
      source(again).ingestOnce();
    } finally {
      release(logged);
    }
    // the safe position: nothing lost, the known lines and recordings once more (downstream absorbs the repeats)
    assertThat(again.uids()).containsExactly("a", "b", "c");
    assertThat(again.recordings).extracting(r -> r.getSessionId()).containsExactly("s-a");
    assertThat(setAside()).singleElement().satisfies(f -> assertThat(Files.readAllBytes(f)).isEqualTo(corrupt));
    assertThat(logged.list).singleElement().satisfies(e -> {
      assertThat(e.getLevel()).isEqualTo(Level.WARN);
      assertThat(e.getFormattedMessage()).contains(tmp.resolve("state.json").toString(), "is corrupt",
          setAside().get(0).toString(), "every log position and every published recording", "read again");
    });
    // the state written since is whole: a restart goes on from there
    CollectingOutput restarted = new CollectingOutput();
    source(restarted).ingestOnce();
    assertThat(restarted.uids()).isEmpty();
    assertThat(restarted.recordings).isEmpty();
  }

  @Test
  void unusableEntriesOfAStateFileAreDroppedAndTheRestKept() throws Exception {
    Path logDir = tmp.resolve("teleport/log/h");
    Path good = logDir.resolve("a.log");
    Path hostile = logDir.resolve("b.log");
    append(good, event("g1") + "\n");
    append(hostile, event("h1") + "\n");
    CollectingOutput first = new CollectingOutput();
    source(first).ingestOnce();
    String key = FileLogTailer.fileKey(hostile);
    // the good file's position stays; the other's claims a negative offset and a 2 GiB head to checksum
    String state = Files.readString(tmp.resolve("state.json"))
        .replaceFirst("\\{\"path\":\"" + java.util.regex.Pattern.quote(hostile.toString()) + "\"[^}]*\\}",
            java.util.regex.Matcher.quoteReplacement("{\"path\":\"" + hostile + "\",\"file_key\":\"" + key
                + "\",\"offset\":-5,\"head_crc\":0,\"head_length\":2147483647}"))
        .replace("\"recordings\":[]", "\"recordings\":[\"../../etc/passwd.tar\",7]");
    Files.writeString(tmp.resolve("state.json"), state);
    append(good, event("g2") + "\n");
    ListAppender<ILoggingEvent> logged = captureWarnings();
    CollectingOutput again = new CollectingOutput();
    try {
      source(again).ingestOnce();
    } finally {
      release(logged);
    }
    assertThat(again.uids()).containsExactlyInAnyOrder("g2", "h1");
    assertThat(setAside()).hasSize(1);
    assertThat(logged.list).singleElement().satisfies(e -> assertThat(e.getFormattedMessage())
        .contains("3 unusable entries", "kept 1 log positions", "a negative one", "passwd"));
  }

  @Test
  void aStateFileThatCannotBeReadStillRefusesTheStart() throws Exception {
    Path state = tmp.resolve("state.json");
    Files.write(state, new byte[] {'{'});
    state.toFile().setReadable(false);
    org.junit.jupiter.api.Assumptions.assumeFalse(Files.isReadable(state), "running as a user who reads anything");
    assertThatThrownBy(() -> source(new CollectingOutput())).hasMessageContaining("cannot read file-backend state");
  }
}
