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
}
