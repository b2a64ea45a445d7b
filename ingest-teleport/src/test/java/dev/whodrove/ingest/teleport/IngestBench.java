package dev.whodrove.ingest.teleport;

import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.schemas.v1.RecordingRef;
import dev.whodrove.schemas.v1.SourcePosition;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Throughput of the ingest path, single thread: parsing, file tail + parse, and publishing to the embedded broker.
 * Run: {@code mvn -B -o -q -Pbench -pl ingest-teleport -am test-compile exec:exec} (docs/benchmarks.md).
 */
public final class IngestBench {
  private IngestBench() {}

  /** Counts and drops. */
  static final class CountingOutput implements SourceOutput {
    final AtomicLong events = new AtomicLong();

    @Override
    public CompletableFuture<Void> publishEvent(TeleportAuditEvent event) {
      events.incrementAndGet();
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Boolean> publishRecording(RecordingRef ref) {
      return CompletableFuture.completedFuture(true);
    }

    @Override
    public CompletableFuture<Void> deadLetter(DeadLetterTarget t, SourcePosition p,
        dev.whodrove.runtime.DeadLetters.Original o, String tag, String r, Throwable e) {
      return CompletableFuture.completedFuture(null);
    }
  }

  public static void main(String[] args) throws Exception {
    List<byte[]> lines = new ArrayList<>();
    for (String f : List.of("ssh-sessions.jsonl", "kube-db-app-desktop.jsonl", "session-stream-print-events.jsonl")) {
      Fixtures.lines(f).forEach(l -> lines.add(l.getBytes(StandardCharsets.UTF_8)));
    }
    AuditEventParser parser = new AuditEventParser();
    SourcePosition pos = SourcePosition.newBuilder().setSource("bench").build();
    int n = 300_000;
    long bytes = 0;
    for (int round = 0; round < 3; round++) {
      long t = System.nanoTime();
      bytes = 0;
      for (int i = 0; i < n; i++) {
        byte[] l = lines.get(i % lines.size());
        bytes += l.length;
        parser.parse(l, pos);
      }
      report("parse", n, bytes, System.nanoTime() - t);
    }

    Path dir = Files.createTempDirectory("ingest-bench");
    Path log = dir.resolve("log/host/2024-05-01.00:00:00.log");
    Files.createDirectories(log.getParent());
    try (var out = Files.newOutputStream(log)) {
      for (int i = 0; i < n; i++) {
        out.write(lines.get(i % lines.size()));
        out.write('\n');
      }
    }
    long fileBytes = Files.size(log);
    for (int round = 0; round < 3; round++) {
      Files.deleteIfExists(dir.resolve("state-" + round + ".json"));
      CountingOutput sink = new CountingOutput();
      FileBackendSource src = new FileBackendSource(ServiceConfig.of(Map.of(FileBackendSource.DATA_DIR,
          dir.toString(), FileBackendSource.STATE_PATH, dir.resolve("state-" + round + ".json").toString())),
          sink, parser, Clock.systemUTC());
      long t = System.nanoTime();
      src.ingestOnce();
      report("file tail + parse", sink.events.get(), fileBytes, System.nanoTime() - t);
    }

    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      KafkaTestSupport.createTopics(broker);
      try (TeleportPublisher pub = KafkaTestSupport.publisher(broker, Duration.ofMinutes(10))) {
        for (int round = 0; round < 3; round++) {
          Path state = dir.resolve("kstate-" + round + ".json");
          FileBackendSource src = new FileBackendSource(ServiceConfig.of(Map.of(FileBackendSource.DATA_DIR,
              dir.toString(), FileBackendSource.STATE_PATH, state.toString())), pub, parser, Clock.systemUTC());
          long t = System.nanoTime();
          IngestStats s = src.ingestOnce();
          report("file tail + parse + Kafka ack (embedded broker)", s.events(), fileBytes, System.nanoTime() - t);
        }
      }
    }
  }

  private static void report(String what, long events, long bytes, long nanos) {
    double s = nanos / 1e9;
    System.out.printf("%-50s %,10.0f events/s  %7.1f MB/s  (%,d events in %.2f s)%n", what, events / s,
        bytes / s / 1e6, events, s);
  }
}
