package dev.whodrove.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.whodrove.featurizer.GcpPrincipalState;
import dev.whodrove.ingest.gcp.AuditLogParser;
import dev.whodrove.ingest.gcp.ParseOutcome;
import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.GcpAuditEntry;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.testkit.GcpAuditFixtures;
import dev.whodrove.testkit.GcsJsonApiServer;
import dev.whodrove.testkit.TopicReader;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code whodrove backfill} as an operator runs it, against an embedded broker: a GCP range from archives published
 * twice (the rerun's copies reach the topic, and the featurizer's per-principal insert-id memory drops them, so the
 * sessions come out the same), the same range read from a log sink's bucket over the Cloud Storage JSON API, runs that
 * leave something unwritten exiting 1 (an unreadable file, lines Kafka refuses), and the Teleport dry run, which prints
 * Athena's queries and partitions. The BigQuery path of the same command is the BigQuery source's backfill, tested in
 * ingest-gcp against a BigQuery REST server.
 */
class BackfillCommandIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");


  @Test
  void aRangeFromArchivesPublishedTwiceGivesTheSameSessionsAndTheTeleportDryRunShowsPartitions(@TempDir Path dir)
      throws Exception {
    // the real samples, 20 s apart from T0 on: the first 12 inside the range, the rest after it
    List<String> lines = new ArrayList<>();
    int n = 0;
    AuditLogParser parser = new AuditLogParser();
    for (String l : GcpAuditFixtures.all()) {
      ObjectNode o = (ObjectNode) JSON.readTree(l);
      if (!(parser.parse(l.getBytes(StandardCharsets.UTF_8)) instanceof ParseOutcome.Accepted)) {
        continue;
      }
      o.put("timestamp", T0.plusSeconds(20L * n++).toString());
      lines.add(o.toString());
    }
    assertThat(n).isGreaterThan(12);
    Path archive = dir.resolve("audit.jsonl");
    Files.writeString(archive, String.join("\n", lines) + "\n");
    Instant until = T0.plusSeconds(20L * 12);

    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      String[] backfill = {"backfill", "gcp", "--source", "files", "--path", archive.toString(), "--since",
          T0.toString(), "--until", until.toString(), "--bootstrap-servers", broker.bootstrapServers()};
      CliRun dry = CliRun.of(concat(backfill, "--dry-run"));
      assertThat(dry.exit()).isZero();
      assertThat(dry.out()).contains(archive.toString()).contains("dry run:");

      CliRun first = CliRun.of(backfill);
      assertThat(first.exit()).isZero();
      assertThat(first.out()).contains("12 produced").contains((n - 12) + " outside the range");
      CliRun again = CliRun.of(backfill);
      assertThat(again.out()).as("another process remembers nothing: the copies are published").contains("12 produced");

      String locator = archive.toAbsolutePath().toString();
      List<ConsumerRecord<byte[], byte[]>> got = TopicReader.readCommitted(broker.bootstrapServers(),
          Topics.GCP_AUDIT_ENTRIES.name(), r -> TopicReader.value(r, GcpAuditEntry.parser()).getSource().getLocator()
              .equals(locator), l -> l.size() >= 24, Duration.ofSeconds(60));
      List<GcpAuditEntry> entries = got.stream().map(r -> TopicReader.value(r, GcpAuditEntry.parser())).toList();
      assertThat(entries).hasSize(24);
      assertThat(entries.stream().map(e -> e.getInsertId() + "@" + e.getTimestampMs()).distinct()).hasSize(12);

      // downstream: the featurizer keeps each principal's last insert ids and drops a repeated one, and session ids
      // are derived from principal and first minute, so both runs together make exactly the sessions of one run
      Set<String> firstCopies = new HashSet<>();
      List<GcpAuditEntry> once = entries.stream().filter(e -> firstCopies.add(e.getInsertId() + "@"
          + e.getTimestampMs())).toList();
      assertThat(sessions(entries)).isEqualTo(sessions(once)).isNotEmpty();

      // the same range from a log sink's bucket, read in place
      try (GcsJsonApiServer gcs = new GcsJsonApiServer()) {
        String object = "cloudaudit.googleapis.com/activity/2024/05/01/10:00:00_10:59:59_S0.json";
        gcs.put("audit-sink", object, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        Path gcsCfg = dir.resolve("gcs.properties");
        Files.writeString(gcsCfg, "gcp.archive.gcs.endpoint=" + gcs.endpoint() + "\n");
        String[] fromBucket = {"backfill", "gcp", "--source", "files", "--path",
            "gs://audit-sink/cloudaudit.googleapis.com/", "--since", T0.toString(), "--until", until.toString(),
            "--bootstrap-servers", broker.bootstrapServers(),
            "--config", gcsCfg.toString()};
        CliRun planned = CliRun.of(concat(fromBucket, "--dry-run"));
        assertThat(planned.exit()).isZero();
        assertThat(planned.out()).contains("gs://audit-sink/" + object + "#");
        CliRun read = CliRun.of(fromBucket);
        assertThat(read.exit()).isZero();
        assertThat(read.out()).contains("1 files").contains("12 produced").contains((n - 12) + " outside the range");
      }

      // one pass, no second chance: a file that cannot be read makes the run fail, after the others were written
      Path cutDir = Files.createDirectories(dir.resolve("cut"));
      Files.writeString(cutDir.resolve("a.jsonl"), lines.get(0) + "\n");
      byte[] gz = gzip(lines.get(1) + "\n" + lines.get(2) + "\n");
      Path cut = cutDir.resolve("b.jsonl.gz");
      Files.write(cut, java.util.Arrays.copyOf(gz, gz.length - 12)); // an upload cut short: no gzip trailer
      CliRun unreadable = CliRun.of("backfill", "gcp", "--source", "files", "--path", cutDir.toString(), "--since",
          T0.toString(), "--until", until.toString(), "--bootstrap-servers", broker.bootstrapServers());
      assertThat(unreadable.exit()).isEqualTo(1);
      assertThat(unreadable.err()).contains("not read: " + cut);

      // and so do lines Kafka does not take: the entries topic and its dead-letter topic now refuse records over 64
      // bytes, so neither an entry nor its dead letter is written
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
        Map<ConfigResource, java.util.Collection<AlterConfigOp>> tiny = new LinkedHashMap<>();
        for (String topic : List.of(Topics.GCP_AUDIT_ENTRIES.name(), Topics.GCP_AUDIT_ENTRIES.deadLetterTopic())) {
          tiny.put(new ConfigResource(ConfigResource.Type.TOPIC, topic), List.of(new AlterConfigOp(
              new ConfigEntry("max.message.bytes", "64"), AlterConfigOp.OpType.SET)));
        }
        admin.incrementalAlterConfigs(tiny).all().get();
        // the broker applies a topic's new configuration from the metadata log: wait until it reports it
        dev.whodrove.testkit.Await.until(() -> {
          try {
            return admin.describeConfigs(tiny.keySet()).all().get().values().stream()
                .allMatch(c -> "64".equals(c.get("max.message.bytes").value()));
          } catch (Exception e) {
            return false;
          }
        }, "the topics' new record limit", Duration.ofSeconds(30));
      }
      // a producer that gives up after seconds, not the default two minutes
      Path impatient = dir.resolve("impatient.properties");
      Files.writeString(impatient, "kafka.delivery.timeout.ms=6000\nkafka.request.timeout.ms=2000\n"
          + "kafka.max.block.ms=3000\n");
      CliRun refused = CliRun.of(concat(backfill, "--config", impatient.toString()));
      assertThat(refused.exit()).isEqualTo(1);
      assertThat(refused.out()).contains("0 produced").contains("12 failed");
      assertThat(refused.err()).contains("12 lines were not written to Kafka");
    }

    // Teleport: no broker needed to plan; Athena estimates nothing, so the plan is queries and partitions
    Path cfg = dir.resolve("teleport.properties");
    Files.writeString(cfg, "teleport.athena.database=teleport_audit\nteleport.aws.region=eu-west-1\n"
        + "teleport.athena.max.window=1d\n");
    CliRun plan = CliRun.of("backfill", "teleport", "--config", cfg.toString(), "--since", "2024-05-01T00:00:00Z",
        "--until", "2024-05-03T12:00:00Z", "--dry-run");
    assertThat(plan.exit()).isZero();
    assertThat(plan.out()).contains("partitions event_date 2024-05-01").contains("partitions event_date 2024-05-03")
        .contains("event_date BETWEEN CAST(? AS date) AND CAST(? AS date)").contains("Athena estimates no bytes");
    CliRun bad = CliRun.of("backfill", "teleport", "--config", cfg.toString(), "--since", "2024-05-03T00:00:00Z",
        "--until", "2024-05-01T00:00:00Z");
    assertThat(bad.exit()).isNotZero();
    assertThat(bad.err()).contains("is not before --until");
  }

  /** The sessions a featurizer makes of these entries, in order, closed at the end. */
  private static Map<String, String> sessions(List<GcpAuditEntry> entries) {
    Map<String, GcpPrincipalState> states = new LinkedHashMap<>();
    List<SessionFeatures> out = new ArrayList<>();
    long now = T0.plus(Duration.ofDays(1)).toEpochMilli();
    for (GcpAuditEntry e : entries) {
      out.addAll(states.computeIfAbsent(e.getPrincipal(),
          p -> new GcpPrincipalState(p, GcpPrincipalState.Settings.defaults())).add(e, now));
    }
    states.values().forEach(s -> out.addAll(s.closeAll(now)));
    Map<String, String> byId = new LinkedHashMap<>();
    out.forEach(f -> byId.put(f.getSessionId(), f.getGcp().getCallCount() + " calls, revision "
        + f.getRevision()));
    return byId;
  }

  private static byte[] gzip(String text) throws java.io.IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (var out = new java.util.zip.GZIPOutputStream(bytes)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }

  private static String[] concat(String[] a, String... more) {
    String[] out = java.util.Arrays.copyOf(a, a.length + more.length);
    System.arraycopy(more, 0, out, a.length, more.length);
    return out;
  }
}
