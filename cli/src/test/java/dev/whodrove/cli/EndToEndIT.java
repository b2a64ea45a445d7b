package dev.whodrove.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.cli.embedded.CorrelationReport;
import dev.whodrove.cli.embedded.DemoRun;
import dev.whodrove.cli.embedded.EmbeddedPipeline;
import dev.whodrove.schemas.Topics;
import dev.whodrove.sim.SimulatedDataset;
import dev.whodrove.sink.SessionSummary;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline in one JVM — real broker, every service, the real ingest paths (Teleport file backend, GCP
 * JSONL archive) — on a few hundred simulated sessions of every profile plus corrupted recordings; then the same run
 * with the featurizer and the sink stopped and restarted half-way, which must end in the same database (the
 * correlator's labels included).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EndToEndIT {
  private static final int PER_PROFILE = 25;
  private static final long SEED = 7;
  private static final List<String> MODELS = List.of("kimi-k2.6", "gemini-3.1", "opus-4.6", "gpt-5.5");
  private static Map<String, Map<String, String>> uninterrupted;

  @TempDir static Path tmp;

  private static DemoRun.Options options(String name) {
    return new DemoRun.Options(tmp.resolve(name), tmp.resolve(name + ".sqlite"), PER_PROFILE, SEED,
        Duration.ofSeconds(240), null, null, null, 2);
  }

  @Test
  @Order(1)
  void everySessionGetsAVerdictAndTheModelsAreRecognised() throws Exception {
    DemoRun.Options o = options("run1");
    SimulatedDataset.Summary data = DemoRun.simulate(o, System.out::println);
    Set<String> corrupt = HostileInputs.plantCorruptRecordings(data);
    Set<String> expected = new HashSet<>(DemoRun.teleportSessionIds(data));
    expected.addAll(corrupt);
    try (EmbeddedPipeline pipeline = DemoRun.startPipeline(o, data, System.out::println)) {
      List<SessionSummary> sessions = DemoRun.awaitVerdicts(o, expected, System.out::println,
          pipeline::sourcesCaughtUp);
      DemoRun.Outcome out = DemoRun.report(data, pipeline.coldStartMillis(), 0, sessions,
          pipeline.bootstrapServers(), o.db());
      DemoCommand.print(out, o);

      // every simulated Teleport session and every GCP principal has a verdict
      assertThat(out.teleport()).allSatisfy(s -> assertThat(s.operator()).as(s.sessionId()).isNotNull());
      assertThat(out.gcpByProfile().keySet()).noneMatch(k -> k.startsWith("other"))
          .anyMatch(k -> k.startsWith("human-gcloud")).anyMatch(k -> k.startsWith("agent-gcloud"))
          .anyMatch(k -> k.startsWith("polling-script")).anyMatch(k -> k.startsWith("terraform-apply"))
          .anyMatch(k -> k.startsWith("sa-impersonation")).anyMatch(k -> k.startsWith("agent-shell-gcloud"))
          .anyMatch(k -> k.startsWith("ci-script")).anyMatch(k -> k.startsWith("console-user"));
      // an unknown GCP verdict always says why
      assertThat(out.gcpByProfile().values()).allSatisfy(counts -> assertThat(counts).doesNotContainKey("unknown"));

      // corrupted recordings: a row with the parse error, and one dead letter each; good input none
      Map<String, SessionSummary> byId = sessions.stream()
          .collect(Collectors.toMap(SessionSummary::sessionId, s -> s));
      for (String sid : corrupt) {
        assertThat(byId.get(sid).parseError()).as(sid).isNotBlank();
      }
      String bootstrap = pipeline.bootstrapServers();
      assertThat(DemoRun.count(bootstrap, Topics.TELEPORT_RECORDINGS.deadLetterTopic())).isEqualTo(corrupt.size());
      for (var t : Topics.DATA_TOPICS) {
        if (t != Topics.TELEPORT_RECORDINGS) {
          assertThat(DemoRun.count(bootstrap, t.deadLetterTopic())).as(t.deadLetterTopic()).isZero();
        }
      }

      // classification on the simulated set
      for (String model : MODELS) {
        List<DemoRun.Scored> rows = out.teleport().stream().filter(r -> r.profile().equals(model)).toList();
        long right = rows.stream().filter(r -> model.equals(r.cadence()) && "agent".equals(r.operator())).count();
        assertThat((double) right / rows.size()).as("model attribution for %s", model).isGreaterThan(0.9);
      }
      List<DemoRun.Scored> humans = out.teleport().stream().filter(r -> r.profile().equals("human")).toList();
      long human = humans.stream().filter(r -> "human".equals(r.operator())).count();
      assertThat((double) human / humans.size()).as("humans called human").isGreaterThanOrEqualTo(0.95);

      // cross-substrate: every agent pair of the scenario found (high or medium), every person pair found and never
      // high, no pair for another identity in the same minutes or the same identity hours later, none elsewhere
      CorrelationReport corr = out.correlations();
      assertThat(corr.rows()).isNotEmpty();
      CorrelationReport.Row agents = corr.row("agent", "");
      assertThat(agents.paired()).as("agent pairs found").isEqualTo(agents.combinations());
      assertThat(agents.bestTiers().keySet()).as("agent pair tiers").isSubsetOf("high", "medium");
      CorrelationReport.Row people = corr.row("person", "");
      assertThat(people.paired()).as("person pairs found").isEqualTo(people.combinations());
      assertThat(people.bestTiers()).as("person pair tiers").doesNotContainKey("high");
      assertThat(corr.rows()).filteredOn(r -> r.expect().equals("none")).hasSize(2)
          .allSatisfy(r -> assertThat(r.paired()).as(r.why()).isZero());
      assertThat(corr.unexpected()).as("correlations outside the truth").isZero();
      assertThat(DemoRun.count(bootstrap, Topics.SESSION_CORRELATIONS.name())).isPositive();
      uninterrupted = labelsBySession(sessions);
    }
  }

  @Test
  @Order(2)
  void stoppingFeaturizerAndSinkMidRunEndsInTheSameDatabase() throws Exception {
    assertThat(uninterrupted).as("needs the uninterrupted run").isNotNull();
    DemoRun.Options o = options("run2");
    SimulatedDataset.Summary data = DemoRun.simulate(o, System.out::println);
    HostileInputs.plantCorruptRecordings(data);
    Set<String> expected = DemoRun.teleportSessionIds(data);
    try (EmbeddedPipeline pipeline = DemoRun.startPipeline(o, data, System.out::println)) {
      long deadline = System.currentTimeMillis() + 120_000;
      while (DemoRun.list(o.db()).size() < 40 && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      pipeline.stop("featurizer");
      pipeline.stop("sqlite-sink");
      Thread.sleep(2_000);
      pipeline.restart("sqlite-sink");
      pipeline.restart("featurizer");
      List<SessionSummary> sessions = DemoRun.awaitVerdicts(o, expected, System.out::println,
          pipeline::sourcesCaughtUp);
      Map<String, Map<String, String>> interrupted = labelsBySession(sessions);
      assertThat(interrupted.keySet()).isEqualTo(uninterrupted.keySet());
      assertThat(interrupted).isEqualTo(uninterrupted);
    }
  }

  /** Labels by session, without set_at (stamped from wall-clock computation time). */
  private static Map<String, Map<String, String>> labelsBySession(List<SessionSummary> sessions) {
    Map<String, Map<String, String>> m = new TreeMap<>();
    for (SessionSummary s : sessions) {
      Map<String, String> labels = new TreeMap<>();
      s.labels().forEach((k, l) -> labels.put(k, l.value()));
      m.put(s.sessionId(), labels);
    }
    return m;
  }
}
