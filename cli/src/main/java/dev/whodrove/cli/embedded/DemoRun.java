package dev.whodrove.cli.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.whodrove.schemas.Topics;
import dev.whodrove.sim.CrossSubstrateScenario;
import dev.whodrove.sim.GcpSimulator;
import dev.whodrove.sim.SimulatedDataset;
import dev.whodrove.sim.TeleportSimulator;
import dev.whodrove.sink.LabelSelector;
import dev.whodrove.sink.SessionDatabase;
import dev.whodrove.sink.SessionSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The embedded end-to-end run behind {@code whodrove demo}: simulate sessions in the real sources' layouts, start the
 * broker and every service, let the real ingest paths pick the data up (Teleport file backend, GCP JSONL archive),
 * wait until every session has its verdict in sessions.sqlite, and report.
 */
public final class DemoRun {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What to run. {@code llmModel} null = phase 2 off (escalations stay on their topic). */
  public record Options(Path workDir, Path db, int perProfile, long seed, Duration timeout, String bootstrapServers,
      String llmBaseUrl, String llmModel, int partitions) {}

  /** Truth vs verdict for one session. */
  public record Scored(String sessionId, String profile, String expectedOperator, String expectedModel,
      String operator, String cadence) {}

  /** What happened. */
  public record Outcome(SimulatedDataset.Summary data, long coldStartMs, long processingMs,
      List<SessionSummary> sessions, List<Scored> teleport, Map<String, Map<String, Integer>> gcpByProfile,
      long escalations, long deadLetters, long siemRecords, long siemFindings, CorrelationReport correlations) {}

  private DemoRun() {}

  public static Outcome run(Options o, Progress progress) throws Exception {
    SimulatedDataset.Summary data = simulate(o, progress);
    long t0 = System.nanoTime();
    try (EmbeddedPipeline pipeline = startPipeline(o, data, progress)) {
      long start = System.nanoTime();
      List<SessionSummary> sessions = awaitVerdicts(o, teleportSessionIds(data), progress,
          pipeline::sourcesCaughtUp);
      long processingMs = (System.nanoTime() - start) / 1_000_000;
      return report(data, pipeline.coldStartMillis(), processingMs, sessions, pipeline.bootstrapServers(), o.db());
    } finally {
      progress.accept(String.format("stopped after %.1f s", (System.nanoTime() - t0) / 1e9));
    }
  }

  /**
   * Clears the work dir and the database, and writes the simulated sources: every profile, and one instance of the
   * cross-substrate scenario per five sessions per profile (at least one).
   */
  public static SimulatedDataset.Summary simulate(Options o, Progress progress) throws IOException {
    return simulate(o, o.perProfile(), Math.max(1, o.perProfile() / 2), Math.max(1, o.perProfile() / 5), progress);
  }

  /** Same, with separate Teleport sessions and GCP principals per profile, and no cross-substrate scenario. */
  public static SimulatedDataset.Summary simulate(Options o, int teleportPerProfile, int gcpPerProfile,
      Progress progress) throws IOException {
    return simulate(o, teleportPerProfile, gcpPerProfile, 0, progress);
  }

  /** Same, with {@code crossSubstrate} instances of the cross-substrate scenario. */
  public static SimulatedDataset.Summary simulate(Options o, int teleportPerProfile, int gcpPerProfile,
      int crossSubstrate, Progress progress) throws IOException {
    Files.createDirectories(o.workDir());
    deleteRecursively(o.workDir().resolve("data"));
    deleteRecursively(o.workDir().resolve("kafka"));
    deleteRecursively(o.workDir().resolve("state"));
    Files.deleteIfExists(o.db());
    Files.deleteIfExists(Path.of(o.db() + "-wal"));
    Files.deleteIfExists(Path.of(o.db() + "-shm"));
    Map<String, Integer> teleport = new LinkedHashMap<>();
    TeleportSimulator.PROFILES.forEach(p -> teleport.put(p, teleportPerProfile));
    Map<String, Integer> gcp = new LinkedHashMap<>();
    GcpSimulator.PROFILES.forEach(p -> gcp.put(p, gcpPerProfile));
    SimulatedDataset.Summary data = SimulatedDataset.write(o.workDir().resolve("data"), o.seed(), teleport, gcp,
        crossSubstrate);
    progress.accept(String.format("simulated %d Teleport sessions and %d GCP audit entries of %d principals",
        data.teleportSessions(), data.gcpEntries(), data.gcpActivities()));
    return data;
  }

  /** Starts the broker (unless external) and every service on the simulated sources. */
  public static EmbeddedPipeline startPipeline(Options o, SimulatedDataset.Summary data, Progress progress)
      throws Exception {
    EmbeddedPipeline pipeline = EmbeddedPipeline.start(o.bootstrapServers(), o.workDir(), common(o),
        services(o, data));
    progress.accept(String.format("Kafka broker %s and %d services ready in %d ms", pipeline.bootstrapServers(),
        pipeline.healthPorts().size(), pipeline.coldStartMillis()));
    return pipeline;
  }

  /** Ids of the simulated Teleport sessions. */
  public static Set<String> teleportSessionIds(SimulatedDataset.Summary data) throws IOException {
    return truth(data).keySet().stream().filter(k -> !k.startsWith("gcp:")).collect(Collectors.toSet());
  }

  private static Map<String, String> common(Options o) {
    Map<String, String> c = new HashMap<>();
    c.put("http.port", "-1");
    c.put("topics.partitions", Integer.toString(o.partitions()));
    c.put("shutdown.timeout", "15s");
    return c;
  }

  /** Each service's own config, as its container would get it. */
  public static Map<String, Map<String, String>> services(Options o, SimulatedDataset.Summary data) {
    Path state = o.workDir().resolve("state");
    Map<String, Map<String, String>> s = new LinkedHashMap<>();
    s.put("ingest-teleport", Map.of(
        "teleport.file.enabled", "true",
        "teleport.file.data.dir", data.teleportDataDir().toString(),
        "teleport.file.state.path", state.resolve("ingest-teleport.json").toString(),
        "teleport.file.poll.interval", "500ms",
        "teleport.file.records.settle", "300ms"));
    s.put("ingest-gcp", Map.of(
        "gcp.archive.paths", data.gcpDir().toString(),
        "gcp.archive.mode", "once",
        "gcp.archive.state.file", state.resolve("ingest-gcp.state").toString()));
    s.put("recording-decoder", Map.of(
        "decoder.store.file.roots", data.recordsDir().toString(),
        "kafka.transactional.id", "recording-decoder-embedded"));
    s.put("featurizer", Map.of(
        "state.dir", state.resolve("featurizer").toString(),
        "featurizer.punctuate.interval", "1s",
        // the archive is replayed at full speed: once it is read, open GCP sessions and bursts are complete
        "featurizer.gcp.wall.close.after", "4s",
        "featurizer.gcp.burst.wall.close.after", "4s"));
    s.put("classifier", Map.of("state.dir", state.resolve("classifier").toString()));
    // the scenario's Teleport users are bare names, its GCP principals emails: one rule joins them
    s.put("correlator", Map.of("state.dir", state.resolve("correlator").toString(),
        "correlator.identity.rules", CrossSubstrateScenario.IDENTITY_RULE, "correlator.expiry.interval", "10s"));
    s.put("sqlite-sink", Map.of("sink.db.path", o.db().toString(), "sink.db.synchronous", "NORMAL"));
    // the SIEM feeds, both: every stage's stamps merged per session; no query port in a run that ends by itself
    s.put("siem-export", Map.of("state.dir", state.resolve("siem-export").toString(), "siem.ocsf.enabled", "true",
        "siem.http.port", "-1"));
    if (o.llmModel() != null) {
      Map<String, String> llm = new HashMap<>();
      llm.put("llm.model", o.llmModel());
      if (o.llmBaseUrl() != null) {
        llm.put("llm.base.url", o.llmBaseUrl());
      }
      s.put("llm-scorer", llm);
    }
    return s;
  }

  /**
   * Waits until every Teleport session has operator.type, the sources have handed everything over, and the GCP
   * session count has settled.
   */
  public static List<SessionSummary> awaitVerdicts(Options o, Set<String> teleportIds, Progress progress,
      BooleanSupplier sourcesRead) throws Exception {
    return awaitVerdicts(o, teleportIds, progress, true, sourcesRead);
  }

  /**
   * Waits until every listed Teleport session has operator.type and, when {@code gcp}, the sources have handed
   * everything over ({@code sourcesRead}), at least one GCP session has a verdict, and neither the number of sessions
   * nor the number with a cross-substrate correlation has changed for 6 s since both.
   */
  public static List<SessionSummary> awaitVerdicts(Options o, Set<String> teleportIds, Progress progress,
      boolean gcp, BooleanSupplier sourcesRead) throws Exception {
    long started = System.nanoTime();
    long deadline = started + o.timeout().toNanos();
    long lastChange = started;
    long lastCount = -1;
    long readSince = 0;
    while (true) {
      if (readSince == 0 && sourcesRead.getAsBoolean()) {
        readSince = System.nanoTime();
      }
      List<SessionSummary> sessions = Files.exists(o.db()) ? list(o.db()) : List.of();
      long done = sessions.stream().filter(s -> teleportIds.contains(s.sessionId()) && s.label("operator.type") != null)
          .count();
      long correlated = sessions.stream().filter(s -> s.label("correlation.cross-substrate") != null).count();
      long count = sessions.size() * 100_000L + correlated;
      if (count != lastCount) {
        lastCount = count;
        lastChange = System.nanoTime();
      }
      long gcpDone = sessions.stream().filter(s -> s.substrate() != null && s.substrate().startsWith("gcp")).count();
      progress.status(String.format("verdicts: %s %d/%d Teleport sessions, %d GCP sessions and bursts, %.0f s",
          bar(done, teleportIds.size()), done, teleportIds.size(), gcpDone, (System.nanoTime() - started) / 1e9));
      // the featurizer closes a GCP session some seconds after its last entry: the count settles after the input
      boolean settled = readSince != 0 && System.nanoTime() - Math.max(lastChange, readSince) > 6_000_000_000L;
      if (done == teleportIds.size() && (!gcp || gcpDone > 0 && settled)) {
        return sessions;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(String.format("timed out after %d s: %d/%d Teleport sessions and %d GCP "
            + "sessions have verdicts", o.timeout().toSeconds(), done, teleportIds.size(), gcpDone));
      }
      Thread.sleep(500);
    }
  }

  private static String bar(long done, long total) {
    int filled = total == 0 ? 20 : (int) (20 * done / total);
    return "[" + "#".repeat(filled) + ".".repeat(20 - filled) + "]";
  }

  public static List<SessionSummary> list(Path db) {
    try (SessionDatabase store = SessionDatabase.openReadOnly(db)) {
      return store.listSessions(LabelSelector.ALL);
    } catch (Exception e) {
      return List.of(); // the sink has not created its schema yet
    }
  }

  /** Truth by session id ("gcp:<principal>" for GCP principals). */
  static Map<String, JsonNode> truth(SimulatedDataset.Summary data) throws IOException {
    Map<String, JsonNode> t = new LinkedHashMap<>();
    for (String line : Files.readAllLines(data.truthFile())) {
      JsonNode n = JSON.readTree(line);
      t.put(n.has("session_id") ? n.get("session_id").asText() : "gcp:" + n.get("principal").asText(), n);
    }
    return t;
  }

  public static Outcome report(SimulatedDataset.Summary data, long coldStartMs, long processingMs,
      List<SessionSummary> sessions, String bootstrap) throws IOException {
    return report(data, coldStartMs, processingMs, sessions, bootstrap, null);
  }

  /** The outcome, with the correlations in {@code db} against the cross-substrate truth (none when db is null). */
  public static Outcome report(SimulatedDataset.Summary data, long coldStartMs, long processingMs,
      List<SessionSummary> sessions, String bootstrap, Path db) throws IOException {
    Map<String, JsonNode> truth = truth(data);
    Map<String, SessionSummary> byId = sessions.stream()
        .collect(Collectors.toMap(SessionSummary::sessionId, s -> s, (a, b) -> a));
    List<Scored> scored = new ArrayList<>();
    Map<String, String> profileOfPrincipal = new HashMap<>();
    truth.forEach((id, t) -> {
      if (id.startsWith("gcp:")) {
        profileOfPrincipal.put(id.substring(4), t.get("profile").asText());
        return;
      }
      SessionSummary s = byId.get(id);
      scored.add(new Scored(id, t.get("profile").asText(), t.get("operator").asText(), t.get("model").asText(),
          s == null ? null : s.label("operator.type"), s == null ? null : s.label("cadence.label")));
    });
    Map<String, Map<String, Integer>> gcp = new TreeMap<>();
    for (SessionSummary s : sessions) {
      if (s.substrate() != null && s.substrate().startsWith("gcp")) {
        String profile = profileOfPrincipal.getOrDefault(s.user(), "other");
        String reason = s.label("operator.reason");
        gcp.computeIfAbsent(profile + " (" + s.substrate() + ")", k -> new TreeMap<>())
            .merge(s.label("operator.type") + (reason == null ? "" : "/" + reason), 1, Integer::sum);
      }
    }
    CorrelationReport correlations = db == null ? CorrelationReport.NONE
        : CorrelationReport.of(data.correlationTruthFile(), db, sessions);
    return new Outcome(data, coldStartMs, processingMs, sessions, scored, gcp,
        count(bootstrap, Topics.SESSION_ESCALATIONS.name()), deadLetters(bootstrap),
        count(bootstrap, Topics.SESSION_LABELS_JSON.name()), count(bootstrap, Topics.SESSION_FINDINGS_OCSF.name()),
        correlations);
  }

  private static long deadLetters(String bootstrap) {
    long n = 0;
    for (var t : Topics.DATA_TOPICS) {
      n += count(bootstrap, t.deadLetterTopic());
    }
    return n;
  }

  /** Committed records on a topic (read_committed, so transaction markers are not counted). */
  public static long count(String bootstrap, String topic) {
    long[] n = {0};
    readAll(bootstrap, topic, r -> n[0]++);
    return n[0];
  }

  /** Hands every committed record of {@code topic}, from the beginning to the current end, to {@code each}. */
  public static void readAll(String bootstrap, String topic, Consumer<ConsumerRecord<byte[], byte[]>> each) {
    Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> parts = c.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      long deadline = System.currentTimeMillis() + 30_000;
      while (System.currentTimeMillis() < deadline && !parts.stream().allMatch(p -> c.position(p) >= end.get(p))) {
        c.poll(Duration.ofMillis(200)).forEach(each);
      }
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
