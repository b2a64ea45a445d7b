package dev.whodrove.ingest.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.kafka.embedded.EmbeddedKafkaExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** JSONL archives (plain and gzipped) through the embedded broker, with a bad line and a restart. */
@ExtendWith(EmbeddedKafkaExtension.class)
class JsonlArchiveSourceIT {

  @Test
  void backfillsDirectoryDeadLettersBadLineAndRemembersCompletedFiles(EmbeddedKafkaBroker broker,
      @TempDir Path dir) throws Exception {
    TestKafka.ensureTopics(broker);
    Path archive = Files.createDirectories(dir.resolve("archive/2024/01/01"));
    List<String> first = new ArrayList<>(Fixtures.lines("elastic-integrations.jsonl"));
    first.add("{\"insertId\":\"broken\", this is not json");
    first.add("");
    first.addAll(Fixtures.lines("plaso-gcp_logging.jsonl"));
    Path a = archive.resolve("00:00:00_00:59:59_S0.json");
    Files.writeString(a, String.join("\r\n", first) + "\r\n");
    List<String> rest = new ArrayList<>();
    for (String f : List.of("google-cloudevents-testdata.jsonl", "grafana-alloy.jsonl",
        "panther-rule-tests-normalised-keys.jsonl", "sekoia-intake-formats.jsonl")) {
      rest.addAll(Fixtures.lines(f));
    }
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(archive.resolve("01:00:00_01:59:59_S0.json.gz")))) {
      out.write(String.join("\n", rest).getBytes(StandardCharsets.UTF_8)); // no final newline
    }
    Files.writeString(archive.resolve("README.txt"), "not an archive");
    Path state = dir.resolve("state/archive-done.txt");

    try (EntryPublisher publisher = TestKafka.publisher(broker, TestKafka.sender(broker), new SimpleMeterRegistry())) {
      ArchiveStats stats = new JsonlArchiveSource(publisher, state, 1000).ingest(dir.resolve("archive"));
      assertThat(stats).isEqualTo(new ArchiveStats(2, 0, 38, 37, 0, 1, 0));

      // a restart skips the completed files
      assertThat(new JsonlArchiveSource(publisher, state, 1000).ingest(dir.resolve("archive")))
          .isEqualTo(new ArchiveStats(0, 2, 0, 0, 0, 0, 0));
      // without the state file the re-read is absorbed by de-duplication
      assertThat(new JsonlArchiveSource(publisher, null, 10).ingest(a))
          .isEqualTo(new ArchiveStats(1, 0, 17, 0, 16, 1, 0));
    }

    String locatorA = a.toAbsolutePath().toString();
    var written = TestKafka.entries(broker, e -> e.getSource().getLocator().startsWith(dir.toAbsolutePath().toString()), 37);
    assertThat(written).hasSize(37);
    assertThat(written).filteredOn(k -> k.entry().getSource().getLocator().equals(locatorA))
        .extracting(k -> k.entry().getSource().getOffset())
        .containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L, 6L, 7L, 10L, 11L, 12L, 13L, 14L, 15L, 16L, 17L, 18L);
    assertThat(written).allSatisfy(k -> assertThat(k.entry().getSource().getSource()).isEqualTo("jsonl"));

    var dead = TestKafka.deadLetters(broker, d -> d.getSource().getLocator().equals(locatorA), 2);
    assertThat(dead).hasSize(2).allSatisfy(d -> {
      assertThat(d.getSource().getOffset()).isEqualTo(8);
      assertThat(d.getReason()).startsWith("not_json");
      assertThat(d.getOriginalValue().toStringUtf8()).isEqualTo("{\"insertId\":\"broken\", this is not json");
    });
  }

  @Test
  void hostileAndOversizeLinesAreDeadLetteredAndEveryGoodLineComesThrough(EmbeddedKafkaBroker broker,
      @TempDir Path dir) throws Exception {
    TestKafka.ensureTopics(broker);
    List<String> good = Fixtures.all();
    String template = Fixtures.lines("elastic-integrations.jsonl").get(3);
    String goodTime = "2019-12-19T00:45:51.228Z";
    java.util.Map<String, String> hostile = new java.util.LinkedHashMap<>();
    hostile.put(entryAt(template, "+999999999-12-31T23:59:59Z"), "bad_timestamp");
    hostile.put(entryAt(template, "1969-07-20T20:17:40Z"), "bad_timestamp");
    hostile.put(entryAt(template, "9999-12-31T23:59:59Z"), "bad_timestamp");
    hostile.put(entryAt(template, "2024-05-01T10:00:00+99:00"), "bad_timestamp");
    hostile.put(entryAt(template, "not a time"), "bad_timestamp");
    hostile.put("{\"insertId\":\"deep\",\"timestamp\":\"" + goodTime + "\",\"protoPayload\":"
        + "[".repeat(50_000) + "]".repeat(50_000) + "}", "not_json");
    // a 2 MiB entry: a response body that large is real (list calls) and over the 1 MiB entry limit
    String big = template.replace("\"protoPayload\":{", "\"protoPayload\":{\"response\":{\"pad\":\""
        + "z".repeat(2 << 20) + "\"},");
    hostile.put(big, "too_large");
    List<String> lines = new ArrayList<>();
    java.util.Iterator<String> bad = hostile.keySet().iterator();
    for (int i = 0; i < good.size(); i++) {
      lines.add(good.get(i));
      if (i % 5 == 2 && bad.hasNext()) {
        lines.add(bad.next());
      }
    }
    bad.forEachRemaining(lines::add);
    Path file = Files.createDirectories(dir.resolve("archive")).resolve("mixed.jsonl");
    Files.writeString(file, String.join("\n", lines) + "\n");

    try (EntryPublisher publisher = TestKafka.publisher(broker, TestKafka.sender(broker), new SimpleMeterRegistry())) {
      ArchiveStats stats = new JsonlArchiveSource(publisher, null, 100).ingest(file);
      assertThat(stats.files()).isEqualTo(1);
      assertThat(stats.produced()).isEqualTo(good.size());
      assertThat(stats.deadLettered()).isEqualTo(hostile.size());
      assertThat(stats.failed()).isZero();
    }
    String locator = file.toAbsolutePath().toString();
    var written = TestKafka.entries(broker, e -> e.getSource().getLocator().equals(locator), good.size());
    assertThat(written).hasSize(good.size());
    var dead = TestKafka.deadLetters(broker, d -> d.getSource().getLocator().equals(locator), hostile.size());
    assertThat(dead).hasSize(hostile.size());
    List<String> hostileLines = new ArrayList<>(hostile.keySet());
    for (var d : dead) {
      String line = lines.get((int) d.getSource().getOffset() - 1);
      assertThat(hostileLines).contains(line);
      assertThat(d.getReason()).startsWith(hostile.get(line));
      byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
      assertThat(d.getOriginalValueSize()).isEqualTo(bytes.length);
      assertThat(d.getOriginalValueSha256().toByteArray()).isEqualTo(dev.whodrove.runtime.DeadLetters.sha256(bytes));
      assertThat(d.getOriginalTruncated()).isEqualTo(bytes.length > d.getOriginalValue().size());
      assertThat(d.getOriginalValue().size())
          .isLessThanOrEqualTo(dev.whodrove.runtime.MessageLimits.DEFAULT_DEAD_LETTER_MAX_ORIGINAL_BYTES);
    }
    assertThat(dead).filteredOn(d -> d.getOriginalValueSize() == big.getBytes(StandardCharsets.UTF_8).length)
        .singleElement().satisfies(d -> assertThat(d.getOriginalTruncated()).isTrue());
  }

  @Test
  void aCorruptStateFileIsMovedAsideAndOnlyWhatItNoLongerNamesIsReadAgain(EmbeddedKafkaBroker broker,
      @TempDir Path dir) throws Exception {
    TestKafka.ensureTopics(broker);
    Path archive = Files.createDirectories(dir.resolve("archive"));
    Path a = archive.resolve("a.jsonl");
    Path b = archive.resolve("b.jsonl");
    Files.writeString(a, String.join("\n", Fixtures.lines("elastic-integrations.jsonl")) + "\n");
    Files.writeString(b, String.join("\n", Fixtures.lines("grafana-alloy.jsonl")) + "\n");
    Path state = dir.resolve("archive-done.txt");
    try (EntryPublisher publisher = TestKafka.publisher(broker, TestKafka.sender(broker), new SimpleMeterRegistry())) {
      assertThat(new JsonlArchiveSource(publisher, state, 100).ingest(archive).files()).isEqualTo(2);
    }
    List<String> done = Files.readAllLines(state);
    String doneA = done.stream().filter(l -> l.endsWith(a.toAbsolutePath().toString())).findFirst().orElseThrow();
    String doneB = done.stream().filter(l -> l.endsWith(b.toAbsolutePath().toString())).findFirst().orElseThrow();
    // a's line intact; bytes that are not UTF-8; b's line torn by a crash during its append
    byte[] corrupt = (doneA + "\n\u00ff\n").getBytes(StandardCharsets.ISO_8859_1);
    byte[] torn = doneB.substring(0, doneB.length() - 4).getBytes(StandardCharsets.UTF_8);
    Files.write(state, concat(corrupt, torn));

    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
        new ch.qos.logback.core.read.ListAppender<>();
    logged.start();
    var logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(JsonlArchiveSource.class);
    logger.addAppender(logged);
    ArchiveStats again;
    try (EntryPublisher publisher = TestKafka.publisher(broker, TestKafka.sender(broker), new SimpleMeterRegistry())) {
      again = new JsonlArchiveSource(publisher, state, 100).ingest(archive);
    } finally {
      logger.detachAppender(logged);
    }
    // a is still known as done; b, whose line was lost, is read again
    assertThat(again.skippedFiles()).isEqualTo(1);
    assertThat(again.files()).isEqualTo(1);
    assertThat(again.lines()).isEqualTo(Fixtures.lines("grafana-alloy.jsonl").size());
    assertThat(logged.list).filteredOn(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN).singleElement()
        .satisfies(e -> assertThat(e.getFormattedMessage()).contains(state.toString(), "is corrupt", ".corrupt-",
            "kept 1 done files", "lost 2", "not UTF-8", "unterminated last line"));
    try (var files = Files.list(dir)) {
      assertThat(files.filter(f -> f.getFileName().toString().startsWith("archive-done.txt.corrupt-")))
          .singleElement().satisfies(f -> assertThat(Files.readAllBytes(f)).isEqualTo(concat(corrupt, torn)));
    }
    // written anew: whole lines only, b's fingerprint appended on a line of its own
    assertThat(Files.readAllLines(state)).containsExactlyInAnyOrder(doneA, doneB);
  }

  private static byte[] concat(byte[] x, byte[] y) {
    byte[] out = java.util.Arrays.copyOf(x, x.length + y.length);
    System.arraycopy(y, 0, out, x.length, y.length);
    return out;
  }

  private static String entryAt(String template, String timestamp) {
    return template.replaceFirst("\"timestamp\":\"[^\"]*\"", "\"timestamp\":\"" + timestamp + "\"")
        .replaceFirst("\"insertId\":\"[^\"]*\"", "\"insertId\":\"" + Integer.toHexString(timestamp.hashCode()) + "\"");
  }
}
