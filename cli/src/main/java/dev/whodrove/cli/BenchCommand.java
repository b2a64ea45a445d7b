package dev.whodrove.cli;

import dev.whodrove.cli.embedded.DemoRun;
import dev.whodrove.cli.embedded.EmbeddedPipeline;
import dev.whodrove.cli.embedded.TopicArrivals;
import dev.whodrove.featurizer.FeaturizerService;
import dev.whodrove.schemas.Topics;
import dev.whodrove.sim.SimulatedDataset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** End-to-end figures on the embedded broker: sessions/s, GCP entries/s, verdict latency, cold start. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Measure the whole pipeline on the embedded broker: Teleport sessions/s and GCP entries/s from "
        + "ingest to sessions.sqlite, verdict latency (recording reference on teleport.recordings → first label on "
        + "session.labels, as a read_committed consumer sees them) under the whole backlog and at a steady rate on the "
        + "warm pipeline, and cold start (broker + every service ready).",
        "Two runs: Teleport only, then GCP only."})
public final class BenchCommand implements Callable<Integer> {
  private static final List<String> STAGES = List.of(Topics.TELEPORT_RECORDINGS.name(),
      Topics.TELEPORT_RECORDING_EVENTS.name(), Topics.SESSION_FEATURES.name(), Topics.SESSION_LABELS.name());

  @Option(names = "--sessions", defaultValue = "300", description = "Teleport sessions per profile (8 profiles).")
  int sessions;

  @Option(names = "--gcp-principals", defaultValue = "600", description = "GCP principals per profile (5 profiles).")
  int gcpPrincipals;

  @Option(names = "--work-dir", defaultValue = "whodrove-bench") Path workDir;

  @Option(names = "--trickle-rate", defaultValue = "50",
      description = "Sessions per second for the steady-rate latency run on the warm pipeline.")
  int trickleRate;

  @Option(names = "--trickle-sessions", defaultValue = "300",
      description = "Sessions re-delivered in the steady-rate latency run.")
  int trickleCount;

  @Option(names = "--warmup", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Run each half once on a quarter of the data first, unmeasured, in the same JVM (default): a "
          + "service runs for days, while a cold JVM spends about a third of 2 cores compiling during a short run. "
          + "--no-warmup measures the cold JVM.")
  boolean warmup;

  /** Start-up time of the first pipeline this JVM started: the cold start (later ones run on compiled code). */
  private long coldStartMs = -1;

  @Override
  public Integer call() throws Exception {
    Path dir = workDir.toAbsolutePath();
    if (warmup) {
      System.out.println("warm-up run (not measured): Teleport");
      teleport(dir.resolve("warmup"), Math.max(1, sessions / 4), false);
    }
    teleport(dir, sessions, true);
    if (warmup) {
      System.out.println("warm-up run (not measured): GCP");
      gcp(dir.resolve("warmup"), Math.max(1, gcpPrincipals / 4), false);
    }
    gcp(dir, gcpPrincipals, true);
    return 0;
  }

  private void teleport(Path dir, int perProfile, boolean report) throws Exception {
    Consumer<String> out = report ? System.out::println : line -> { };
    DemoRun.Options o = new DemoRun.Options(dir.resolve("teleport"), dir.resolve("teleport.sqlite"), perProfile, 11,
        Duration.ofMinutes(15), null, null, null, 2);
    SimulatedDataset.Summary data = DemoRun.simulate(o, perProfile, 0, out::accept);
    Set<String> ids = DemoRun.teleportSessionIds(data);
    try (EmbeddedPipeline p = DemoRun.startPipeline(o, data, out::accept);
        TopicArrivals seen = new TopicArrivals(p.bootstrapServers(), STAGES)) {
      if (coldStartMs < 0) {
        coldStartMs = p.coldStartMillis();
      }
      long t0 = System.nanoTime();
      long wall0 = System.currentTimeMillis();
      DemoRun.awaitVerdicts(o, ids, s -> { }, false, p::sourcesCaughtUp);
      double secs = (System.nanoTime() - t0) / 1e9;
      if (!report) {
        return;
      }
      List<Long> latencies = latencies(seen);
      System.out.printf("%nTeleport: %d sessions (%d recording bytes) to sqlite in %.1f s = %.0f sessions/s%n",
          ids.size(), data.recordingBytes(), secs, ids.size() / secs);
      System.out.printf("verdict latency under the whole backlog (recording ref → first label): p50 %d ms, "
          + "p99 %d ms, max %d ms over %d%n", pct(latencies, 50), pct(latencies, 99), pct(latencies, 100),
          latencies.size());
      System.out.print("last record seen, seconds after start:");
      STAGES.forEach(t -> System.out.printf(" %s %.1f;", t, (seen.lastArrival(t) - wall0) / 1e3));
      System.out.printf(" sqlite %.1f%n", secs);
      System.out.printf("cold start (broker + 6 services ready, first pipeline of this JVM): %d ms%n", coldStartMs);
      trickle(p.bootstrapServers(), seen);
    }
  }

  private void gcp(Path dir, int perProfile, boolean report) throws Exception {
    Consumer<String> out = report ? System.out::println : line -> { };
    DemoRun.Options g = new DemoRun.Options(dir.resolve("gcp"), dir.resolve("gcp.sqlite"), 0, 12,
        Duration.ofMinutes(15), null, null, null, 2);
    SimulatedDataset.Summary gdata = DemoRun.simulate(g, 0, perProfile, out::accept);
    try (EmbeddedPipeline p = DemoRun.startPipeline(g, gdata, out::accept);
        TopicArrivals seen = new TopicArrivals(p.bootstrapServers(), List.of(Topics.SESSION_LABELS.name()));
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, p.bootstrapServers()))) {
      long t0 = System.nanoTime();
      long wall0 = System.currentTimeMillis();
      double featurized = (awaitCommitted(admin, FeaturizerService.DEFAULT_APPLICATION_ID,
          Topics.GCP_AUDIT_ENTRIES.name(), gdata.gcpEntries()) - t0) / 1e9;
      List<?> rows = DemoRun.awaitVerdicts(g, Set.of(), s -> { }, true, p::sourcesCaughtUp);
      if (!report) {
        return;
      }
      // sessions still open when the input ends close after it has been quiet for the wall-clock close delay
      double lastLabel = (seen.lastArrival(Topics.SESSION_LABELS.name()) - wall0) / 1e3;
      System.out.printf("%nGCP: %d audit entries through ingest-gcp and the featurizer in %.1f s = %.0f entries/s; "
          + "the last of %d sessions and bursts labeled %.1f s later (after the 4 s quiet wait that closes the "
          + "ones still open)%n", gdata.gcpEntries(), featurized, gdata.gcpEntries() / featurized, rows.size(),
          lastLabel - featurized);
    }
  }

  /**
   * Verdict latency on a warm pipeline at a steady rate: recording references of sessions already seen are published
   * again, {@code trickleRate} per second, each a full re-delivery (decode, re-featurize, classify, label).
   */
  private void trickle(String bootstrap, TopicArrivals seen) throws Exception {
    Map<String, byte[]> refs = new LinkedHashMap<>();
    DemoRun.readAll(bootstrap, Topics.TELEPORT_RECORDINGS.name(),
        r -> refs.put(new String(r.key(), StandardCharsets.UTF_8), r.value()));
    List<String> sids = new ArrayList<>(refs.keySet()).subList(0, Math.min(trickleCount, refs.size()));
    Map<String, Long> sentAt = new HashMap<>();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.LINGER_MS_CONFIG, 0),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      long start = System.nanoTime();
      for (int i = 0; i < sids.size(); i++) {
        long due = start + (long) (i * 1e9 / trickleRate);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        String sid = sids.get(i);
        sentAt.put(sid, System.currentTimeMillis());
        producer.send(new ProducerRecord<>(Topics.TELEPORT_RECORDINGS.name(), sid.getBytes(StandardCharsets.UTF_8),
            refs.get(sid)));
        producer.flush();
      }
    }
    long deadline = System.currentTimeMillis() + 60_000;
    List<Long> latencies = new ArrayList<>();
    for (String sid : sids) {
      long label;
      while ((label = seen.firstSeenSince(Topics.SESSION_LABELS.name(), sid, sentAt.get(sid))) < 0
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      if (label >= 0) {
        latencies.add(label - sentAt.get(sid));
      }
    }
    Collections.sort(latencies);
    System.out.printf("verdict latency at a steady %d sessions/s on the warm pipeline (recording ref → label): "
        + "p50 %d ms, p99 %d ms, max %d ms over %d of %d%n%n", trickleRate, pct(latencies, 50), pct(latencies, 99),
        pct(latencies, 100), latencies.size(), sids.size());
  }

  /** Waits until {@code group} has committed {@code records} offsets of {@code topic}; returns System.nanoTime(). */
  private static long awaitCommitted(Admin admin, String group, String topic, long records) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (System.nanoTime() < deadline) {
      long committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().entrySet().stream()
          .filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
          .mapToLong(e -> e.getValue().offset()).sum();
      if (committed >= records) {
        return System.nanoTime();
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException(group + " did not consume " + records + " records of " + topic + " in 5 min");
  }

  private static long pct(List<Long> sorted, int p) {
    if (sorted.isEmpty()) {
      return -1;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }

  /** Per session: when its first label was visible minus when its recording reference was, sorted. */
  private static List<Long> latencies(TopicArrivals seen) {
    Map<String, Long> refAt = seen.firstSeen(Topics.TELEPORT_RECORDINGS.name());
    Map<String, Long> labelAt = seen.firstSeen(Topics.SESSION_LABELS.name());
    List<Long> out = new ArrayList<>();
    refAt.forEach((sid, t) -> {
      Long l = labelAt.get(sid);
      if (l != null) {
        out.add(l - t);
      }
    });
    Collections.sort(out);
    return out;
  }
}
