package dev.whodrove.ingest.gcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Throughput of ingest-gcp: (1) parsing alone, single thread, over the fixture lines; (2) a JSONL archive of synthetic
 * entries (fixture lines with fresh insertIds and principals) parsed and produced to an embedded broker, counted
 * until Kafka acknowledged every record.
 *
 * <p>Run: {@code mvn -B -o -q -Pbench -pl ingest-gcp -am test-compile exec:exec [-Dbench.args=200000]}
 * (docs/benchmarks.md).
 */
public final class IngestGcpBench {
  private IngestGcpBench() {}

  public static void main(String[] args) throws Exception {
    int entries = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    parseOnly();
    Path dir = Files.createTempDirectory("ingest-gcp-bench");
    Path file = dir.resolve("bench.jsonl");
    long bytes = writeArchive(file, entries);
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      TestKafka.ensureTopics(broker);
      for (int round = 1; round <= 3; round++) {
        try (EntryPublisher publisher = new EntryPublisher("ingest-gcp", new AuditLogParser(),
            TestKafka.sender(broker), TestKafka.props(broker), Duration.ofMinutes(10), 500_000,
            new SimpleMeterRegistry())) {
          long t0 = System.nanoTime();
          ArchiveStats s = new JsonlArchiveSource(publisher, null, 10_000).ingest(file);
          double secs = (System.nanoTime() - t0) / 1e9;
          System.out.printf("archive->kafka round %d: %d entries (%d produced, %d dlq, %d failed) in %.2f s = "
                  + "%.0f entries/s, %.1f MB/s of JSON%n", round, s.lines(), s.produced(), s.deadLettered(),
              s.failed(), secs, s.lines() / secs, bytes / secs / 1e6);
        }
      }
    } finally {
      Files.deleteIfExists(file);
      Files.deleteIfExists(dir);
    }
  }

  private static void parseOnly() {
    List<byte[]> lines = Fixtures.all().stream().map(l -> l.getBytes(StandardCharsets.UTF_8)).toList();
    AuditLogParser parser = new AuditLogParser();
    long total = 0;
    for (int round = 0; round < 4; round++) {
      int n = 300_000;
      long bytes = 0;
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        byte[] b = lines.get(i % lines.size());
        bytes += b.length;
        if (parser.parse(b) instanceof ParseOutcome.Accepted a) {
          total += a.entry().getTimestampMs() & 1;
        }
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      System.out.printf("parse only round %d: %.0f entries/s, %.1f MB/s (avg %d bytes/entry)%n", round, n / secs,
          bytes / secs / 1e6, bytes / n);
    }
    if (total < 0) {
      System.out.println(total);
    }
  }

  /** Fixture lines with unique insertIds, increasing timestamps and 500 principals. */
  private static long writeArchive(Path file, int entries) throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<ObjectNode> templates = Fixtures.all().stream().map(l -> {
      try {
        return (ObjectNode) json.readTree(l);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }).toList();
    long base = 1_700_000_000_000L;
    try (BufferedWriter w = Files.newBufferedWriter(file)) {
      for (int i = 0; i < entries; i++) {
        ObjectNode e = templates.get(i % templates.size()).deepCopy();
        e.put("insertId", "bench-" + i);
        e.put("timestamp", java.time.Instant.ofEpochMilli(base + i * 10L).toString());
        ObjectNode auth = ((ObjectNode) e.get("protoPayload")).withObject("authenticationInfo");
        auth.put("principalEmail", "user" + (i % 500) + "@example.com");
        w.write(json.writeValueAsString(e));
        w.write('\n');
      }
    }
    return Files.size(file);
  }
}
