package dev.whodrove.featurizer;

import dev.whodrove.schemas.v1.GcpAuditEntry;
import dev.whodrove.schemas.v1.RecordingEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.nio.file.Files;
import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceHost;
import dev.whodrove.schemas.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Throughput of the featurizer topology in TopologyTestDriver (single thread, persistent RocksDB stores,
 * exactly-once config) and the serialized state of one 1M-event session.
 *
 * <pre>
 * mvn -B -o -q -Pbench -pl featurizer -am test-compile exec:exec [-Dbench.args="sessions entries [broker|offline]"]
 * </pre>
 * (docs/benchmarks.md).
 */
public final class FeaturizerBench {
  private FeaturizerBench() {}

  public static void main(String[] args) throws Exception {
    int sessions = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int entries = args.length > 1 ? Integer.parseInt(args[1]) : 300_000;
    if (args.length > 2 && args[2].equals("offline")) {
      offline();
      return;
    }
    if (args.length > 2 && args[2].equals("broker")) {
      broker(sessions, entries);
      return;
    }
    teleport(200, 300); // warm-up
    double[] tp = teleport(sessions, 300);
    System.out.printf("teleport: %d sessions x 300 prints: %.0f events/s, %.0f sessions/s%n", sessions, tp[0], tp[1]);
    gcp(20_000);
    System.out.printf("gcp: %d entries over 1000 principals: %.0f entries/s%n", entries, gcp(entries));
    System.out.printf("state of one open 1M-event session: max %d bytes (limit %d)%n",
        StateSizeTest.maxStateBytes(1_000_000), StateSizeTest.LIMIT);
  }

  /**
   * The service on the embedded broker: input pre-loaded, then the time from start until the committed offsets of
   * the application reach the end of both inputs (exactly-once, 200 ms commits, RocksDB stores).
   */
  static void broker(int sessions, int entries) throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", broker.bootstrapServers()))) {
      Topics.ensureTopics(admin);
      Random r = new Random(13);
      long events = 0;
      try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", broker.bootstrapServers(),
          "linger.ms", "20", "batch.size", "262144"), new StringSerializer(), new ByteArraySerializer())) {
        for (int s = 0; s < sessions; s++) {
          double[] gaps = s % 2 == 0 ? Recordings.humanGaps(r, 300) : Recordings.agentGaps(r, 300);
          for (RecordingEvent e : new Recordings("b-" + s).start(true).prints(gaps).end(true).complete().events()) {
            producer.send(new ProducerRecord<>(Topics.TELEPORT_RECORDING_EVENTS.name(), e.getSessionId(),
                e.toByteArray()));
            events++;
          }
        }
        for (GcpAuditEntry e : gcpEntries(entries)) {
          producer.send(new ProducerRecord<>(Topics.GCP_AUDIT_ENTRIES.name(), e.getPrincipal(), e.toByteArray()));
        }
      }
      String appId = "featurizer-bench-" + System.nanoTime();
      ServiceConfig cfg = ServiceConfig.of(Map.of("kafka.bootstrap.servers", broker.bootstrapServers(),
          "http.port", "-1", "application.id", appId,
          "state.dir", Files.createTempDirectory("featurizer-bench").toString()));
      ServiceContext ctx = ServiceContext.create(FeaturizerService.NAME, cfg);
      long t0 = System.nanoTime();
      try (ServiceHost host = ServiceHost.start(ctx, new FeaturizerService(ctx), 0)) {
        Map<String, Long> ends = endOffsets(admin, List.of(Topics.TELEPORT_RECORDING_EVENTS.name(),
            Topics.GCP_AUDIT_ENTRIES.name()));
        double tTeleport = 0;
        double tGcp = 0;
        while (tTeleport == 0 || tGcp == 0) {
          Thread.sleep(200);
          var committed = admin.listConsumerGroupOffsets(appId).partitionsToOffsetAndMetadata().get();
          double secs = (System.nanoTime() - t0) / 1e9;
          if (tTeleport == 0 && caughtUp(committed, ends, Topics.TELEPORT_RECORDING_EVENTS.name())) {
            tTeleport = secs;
          }
          if (tGcp == 0 && caughtUp(committed, ends, Topics.GCP_AUDIT_ENTRIES.name())) {
            tGcp = secs;
          }
        }
        System.out.printf("broker: %d recording events (%d sessions) done after %.1f s: %.0f events/s, %.0f "
            + "sessions/s; %d gcp entries done after %.1f s; both inputs together: %.0f records/s%n", events, sessions,
            tTeleport, events / tTeleport, sessions / tTeleport, entries, tGcp,
            (events + entries) / Math.max(tTeleport, tGcp));
      }
    }
  }

  private static Map<String, Long> endOffsets(Admin admin, List<String> topics) throws Exception {
    var desc = admin.describeTopics(topics).allTopicNames().get();
    Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> req = new HashMap<>();
    desc.forEach((t, d) -> d.partitions().forEach(p -> req.put(
        new org.apache.kafka.common.TopicPartition(t, p.partition()),
        org.apache.kafka.clients.admin.OffsetSpec.latest())));
    Map<String, Long> ends = new HashMap<>();
    admin.listOffsets(req).all().get().forEach((tp, info) -> ends.put(tp.toString(), info.offset()));
    return ends;
  }

  private static boolean caughtUp(Map<org.apache.kafka.common.TopicPartition,
      org.apache.kafka.clients.consumer.OffsetAndMetadata> committed, Map<String, Long> ends, String topic) {
    for (var e : ends.entrySet()) {
      if (!e.getKey().startsWith(topic + "-") || e.getValue() == 0) {
        continue;
      }
      var tp = committed.keySet().stream().filter(k -> k.toString().equals(e.getKey())).findFirst();
      // under exactly-once the committed offset may sit one past the last record (transaction marker)
      if (tp.isEmpty() || committed.get(tp.get()).offset() < e.getValue() - 1) {
        return false;
      }
    }
    return true;
  }

  /** The pure feature logic without Kafka Streams, for comparison. */
  static void offline() {
    Random r = new Random(11);
    List<List<RecordingEvent>> all = new ArrayList<>();
    long events = 0;
    for (int s = 0; s < 2000; s++) {
      List<RecordingEvent> evs = new Recordings("o-" + s).start(true).prints(Recordings.humanGaps(r, 300)).end(true)
          .complete().events();
      all.add(evs);
      events += evs.size();
    }
    for (int round = 0; round < 2; round++) {
      long t0 = System.nanoTime();
      all.forEach(TeleportFeaturizer::featurize);
      System.out.printf("offline teleport: %.0f events/s%n", events / ((System.nanoTime() - t0) / 1e9));
    }
    List<GcpAuditEntry> entries = gcpEntries(300_000);
    for (int round = 0; round < 2; round++) {
      long t0 = System.nanoTime();
      int out = GcpFeaturizer.featurize(entries).size();
      System.out.printf("offline gcp: %.0f entries/s (%d outputs)%n", entries.size() / ((System.nanoTime() - t0) / 1e9),
          out);
    }
  }

  /** Returns {events/s, sessions/s}. */
  static double[] teleport(int sessions, int prints) {
    Random r = new Random(11);
    List<List<RecordingEvent>> all = new ArrayList<>();
    long events = 0;
    for (int s = 0; s < sessions; s++) {
      double[] gaps = s % 2 == 0 ? Recordings.humanGaps(r, prints) : Recordings.agentGaps(r, prints);
      List<RecordingEvent> evs = new Recordings("bench-" + s).start(true).prints(gaps).end(true).complete().events();
      all.add(evs);
      events += evs.size();
    }
    try (DriverSupport d = new DriverSupport(FeaturizerConfig.defaults())) {
      long t0 = System.nanoTime();
      for (List<RecordingEvent> evs : all) {
        d.pipe(evs);
        d.drainChangelogs();
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      if (d.features.getQueueSize() != sessions) {
        throw new IllegalStateException("expected " + sessions + " outputs, got " + d.features.getQueueSize());
      }
      return new double[] {events / secs, sessions / secs};
    }
  }

  static double gcp(int n) {
    List<GcpAuditEntry> entries = gcpEntries(n);
    try (DriverSupport d = new DriverSupport(FeaturizerConfig.defaults())) {
      long t0 = System.nanoTime();
      int i = 0;
      for (GcpAuditEntry e : entries) {
        d.gcp.pipeInput(e.getPrincipal(), e, e.getTimestampMs());
        if (++i % 1000 == 0) {
          d.drainChangelogs();
          d.features.readRecordsToList();
        }
      }
      d.driver.advanceWallClockTime(Duration.ofMinutes(30));
      double secs = (System.nanoTime() - t0) / 1e9;
      return n / secs;
    }
  }

  static List<GcpAuditEntry> gcpEntries(int n) {
    Random r = new Random(12);
    List<GcpAuditEntry> entries = new ArrayList<>(n);
    long t = 1_780_000_000_000L;
    String[] methods = {"v1.compute.instances.list", "v1.compute.instances.get", "storage.objects.get",
        "GetIamPolicy", "google.container.v1.ClusterManager.GetCluster"};
    for (int i = 0; i < n; i++) {
      t += r.nextInt(40);
      int p = r.nextInt(1000);
      entries.add(GcpAuditEntry.newBuilder().setInsertId("e" + i).setTimestampMs(t)
          .setPrincipal("user" + p + "@example.com").setCallerIp("10.0.0." + (p % 250))
          .setUserAgent(p % 3 == 0 ? "google-cloud-sdk/482.0.0 gcloud" : "terraform/1.6")
          .setServiceName(methods[i % 5].contains("compute") ? "compute.googleapis.com" : "other.googleapis.com")
          .setMethodName(methods[r.nextInt(5)]).build());
    }
    return entries;
  }
}
