package dev.whodrove.cli.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.classifier.ClassifierConfig;
import dev.whodrove.cli.embedded.DemoRun;
import dev.whodrove.cli.embedded.EmbeddedPipeline;
import dev.whodrove.cli.embedded.Progress;
import dev.whodrove.kafka.embedded.EmbeddedKafkaCluster;
import dev.whodrove.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline on a 3-broker cluster (replication 3, {@code min.insync.replicas} 2) while sessions keep arriving,
 * under the faults a production deployment meets: brokers restarted one at a time, and service instances killed
 * with SIGKILL. Each run ends with the same {@code sessions.sqlite} as an undisturbed run over the same simulated
 * sessions (every table, wall-clock stamps aside), and a {@code read_committed} reader of the decoder's, the
 * featurizer's and the classifier's output topics sees no record twice.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PipelineFaultIT {
  private static final long SEED = 17;
  private static final int TELEPORT_PER_PROFILE = 4; // 32 Teleport sessions
  private static final int GCP_PER_PROFILE = 1; // 5 GCP principals
  private static final int PARTITIONS = 6;
  private static final Duration VERDICTS_WITHIN = Duration.ofSeconds(240);
  private static final Progress QUIET = line -> { };

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) static Path tmp; // a failure leaves the services' logs behind
  private static DatabaseSnapshot undisturbed;

  /** The reference: one broker, every service in this JVM, every session there from the start, nothing stopped. */
  @BeforeAll
  static void undisturbedRun() throws Exception {
    long t0 = System.nanoTime();
    System.out.println("pipeline fault runs in " + tmp);
    TrickledSources src = TrickledSources.simulate(tmp.resolve("undisturbed"), SEED, TELEPORT_PER_PROFILE,
        GCP_PER_PROFILE);
    src.release(src.sessionIds().size());
    DemoRun.Options o = options("undisturbed", null);
    Map<String, TopicAudit.Counts> outputs;
    try (EmbeddedPipeline p = EmbeddedPipeline.start(null, o.workDir(), common(1),
        DemoRun.services(o, src.live()))) {
      DemoRun.awaitVerdicts(o, Set.copyOf(src.sessionIds()), QUIET, true, p::sourcesCaughtUp);
      outputs = TopicAudit.outputs(p.bootstrapServers());
    }
    undisturbed = DatabaseSnapshot.of(o.db(), tmp.resolve("undisturbed"));
    assertThat(undisturbed.counts().get("sessions")).as("Teleport sessions and GCP sessions and bursts")
        .isGreaterThan(src.sessionIds().size());
    // the definition of a copy must hold where nothing went wrong, or it proves nothing where something did
    assertThat(outputs).allSatisfy((topic, c) -> assertThat(c.duplicates()).as(topic).isZero());
    figure("undisturbed", "rows %s, output records %s, %.1f s", undisturbed.counts(), records(outputs),
        seconds(t0));
  }

  /**
   * Every service in this JVM on the cluster; while sessions arrive, the broker leading the most partitions of the
   * decoder's output is stopped and restarted, then the active controller.
   */
  @Test
  @Order(1)
  void bouncingABrokerThenTheControllerWhileSessionsFlowLosesAndRepeatsNothing() throws Exception {
    long t0 = System.nanoTime();
    try (EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.start(3)) {
      String bootstrap = cluster.bootstrapServers();
      TrickledSources src = TrickledSources.simulate(tmp.resolve("bounce"), SEED, TELEPORT_PER_PROFILE,
          GCP_PER_PROFILE);
      DemoRun.Options o = options("bounce", bootstrap);
      try (EmbeddedPipeline p = EmbeddedPipeline.start(bootstrap, o.workDir(), common(3),
          DemoRun.services(o, src.live()));
          AutoCloseable trickle = src.releaseEvery(1, Duration.ofMillis(1250))) {
        assertReplicated(bootstrap);
        src.awaitReleased(4, Duration.ofSeconds(30));

        int controller = cluster.activeController();
        int busy = busiestLeader(cluster, Topics.TELEPORT_RECORDING_EVENTS.name(), controller);
        assertThat(src.allReleased()).as("sessions still arriving").isFalse();
        Bounce broker = bounce(cluster, busy);
        figure("bounce", "broker %d (leader, not controller): %s", busy, broker);

        int active = cluster.activeController();
        assertThat(src.allReleased()).as("sessions still arriving").isFalse();
        Bounce ctl = bounce(cluster, active);
        assertThat(ctl.successor()).as("a new controller while node %d was down", active).isNotEqualTo(active);
        figure("bounce", "controller %d (successor %d): %s", active, ctl.successor(), ctl);

        DemoRun.awaitVerdicts(o, Set.copyOf(src.sessionIds()), QUIET, true, p::sourcesCaughtUp);
        assertSameOutcome(o.db(), tmp.resolve("bounce"), bootstrap, "bounce", t0);
      }
    }
  }

  /**
   * Two instances of the decoder, the featurizer and the classifier, and the sink, each a JVM of its own running the
   * packaged CLI; while sessions arrive, one instance of each is killed with SIGKILL (the survivor takes its
   * partitions), the sink is killed and started again, and a broker is restarted.
   */
  @Test
  @Order(2)
  void killingInstancesWithSigkillEndsInTheSameDatabase() throws Exception {
    long t0 = System.nanoTime();
    List<ServiceProcess> processes = new ArrayList<>();
    try (EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.start(3);
        AutoCloseable killAll = () -> processes.forEach(ServiceProcess::close)) {
      String bootstrap = cluster.bootstrapServers();
      TrickledSources src = TrickledSources.simulate(tmp.resolve("scale-out"), SEED, TELEPORT_PER_PROFILE,
          GCP_PER_PROFILE);
      DemoRun.Options o = options("scale-out", bootstrap);
      Map<String, Map<String, String>> services = DemoRun.services(o, src.live());
      Map<String, Map<String, String>> ingest = new LinkedHashMap<>();
      ingest.put("ingest-teleport", services.get("ingest-teleport"));
      ingest.put("ingest-gcp", services.get("ingest-gcp"));
      Path logs = tmp.resolve("scale-out").resolve("logs");
      try (EmbeddedPipeline sources = EmbeddedPipeline.start(bootstrap, o.workDir(), common(3), ingest);
          GroupWatch groups = new GroupWatch(bootstrap)) {
        assertReplicated(bootstrap);
        Instances decoders = new Instances("recording-decoder", "recording-decoder", Topics.TELEPORT_RECORDINGS.name());
        Instances featurizers = new Instances("featurizer", "whodrove-featurizer",
            Topics.TELEPORT_RECORDING_EVENTS.name());
        Instances classifiers = new Instances("classifier", classifierGroup(services),
            Topics.SESSION_FEATURES.name());
        Instances sinks = new Instances("sqlite-sink", "sqlite-sink", Topics.SESSION_LABELS.name());
        Map<String, ServiceProcess> byName = new LinkedHashMap<>();
        for (Instances s : List.of(decoders, featurizers, classifiers)) {
          for (String suffix : List.of("a", "b")) {
            String name = s.service() + "-" + suffix;
            byName.put(name, ServiceProcess.start(s.service(), name, instanceConfig(o, services, s.service(), name),
                logs));
          }
        }
        byName.put("sqlite-sink-1", ServiceProcess.start("sqlite-sink", "sqlite-sink-1",
            instanceConfig(o, services, "sqlite-sink", "sqlite-sink-1"), logs));
        processes.addAll(byName.values());
        long started = System.nanoTime();
        for (Instances s : List.of(decoders, featurizers, classifiers)) {
          groups.awaitOwners(s.group(), s.topic(), PARTITIONS, List.of(s.service() + "-a", s.service() + "-b"),
              started, Duration.ofSeconds(180));
        }
        groups.awaitOwners(sinks.group(), sinks.topic(), PARTITIONS, List.of("sqlite-sink-1"), started,
            Duration.ofSeconds(60));
        figure("scale-out", "7 service JVMs up, every group balanced, after %.1f s", seconds(started));

        try (AutoCloseable trickle = src.releaseEvery(2, Duration.ofSeconds(2))) {
          src.awaitReleased(6, Duration.ofSeconds(30));
          List<CompletableFuture<String>> takeovers = new ArrayList<>();
          takeovers.add(kill(byName.get("recording-decoder-a"), decoders, "recording-decoder-b", groups));
          Thread.sleep(3_000);
          takeovers.add(kill(byName.get("featurizer-b"), featurizers, "featurizer-a", groups));
          Thread.sleep(3_000);
          takeovers.add(kill(byName.get("classifier-a"), classifiers, "classifier-b", groups));
          Thread.sleep(3_000);
          // the sink: one writer per database file, so it is not doubled but killed and started again
          takeovers.add(kill(byName.get("sqlite-sink-1"), sinks, "sqlite-sink-2", groups));
          Thread.sleep(1_000);
          ServiceProcess sink2 = ServiceProcess.start("sqlite-sink", "sqlite-sink-2",
              instanceConfig(o, services, "sqlite-sink", "sqlite-sink-2"), logs);
          processes.add(sink2);
          byName.put("sqlite-sink-2", sink2);
          Thread.sleep(2_000);
          int controller = cluster.activeController();
          int busy = busiestLeader(cluster, Topics.SESSION_LABELS.name(), controller);
          assertThat(src.allReleased()).as("sessions still arriving through every fault").isFalse();
          Bounce bounce = bounce(cluster, busy);
          figure("scale-out", "broker %d bounced: %s", busy, bounce);
          for (CompletableFuture<String> t : takeovers) {
            figure("scale-out", "%s", t.get(120, TimeUnit.SECONDS));
          }
          src.awaitReleased(src.sessionIds().size(), Duration.ofSeconds(120));
        }

        DemoRun.Options wait = new DemoRun.Options(o.workDir(), o.db(), o.perProfile(), o.seed(), VERDICTS_WITHIN,
            bootstrap, null, null, PARTITIONS);
        try {
          DemoRun.awaitVerdicts(wait, Set.copyOf(src.sessionIds()), QUIET, true, sources::sourcesCaughtUp);
        } catch (IllegalStateException e) {
          StringBuilder tails = new StringBuilder(e.getMessage());
          byName.values().forEach(pr -> tails.append("\n\n").append(pr.tail(40)));
          throw new AssertionError(tails.toString(), e);
        }
        for (String survivor : List.of("recording-decoder-b", "featurizer-a", "classifier-b", "sqlite-sink-2")) {
          assertThat(byName.get(survivor).isAlive()).as("%s still running", survivor).isTrue();
        }
        assertSameOutcome(o.db(), tmp.resolve("scale-out"), bootstrap, "scale-out", t0);
      }
    }
  }

  /** A service's consumer group and the input topic its instances split. */
  private record Instances(String service, String group, String topic) {}

  /** Kills {@code victim} (SIGKILL) and measures, on another thread, until {@code survivor} owns its partitions. */
  private static CompletableFuture<String> kill(ServiceProcess victim, Instances s, String survivor,
      GroupWatch groups) throws InterruptedException {
    long killed = System.nanoTime();
    victim.kill();
    // a thread each: the common pool may have a single thread on two cores, which would serialise the watches
    return CompletableFuture.supplyAsync(() -> {
      try {
        Duration took = groups.awaitOwners(s.group(), s.topic(), PARTITIONS, List.of(survivor), killed,
            Duration.ofSeconds(120));
        return String.format("%s killed (SIGKILL); %s owns all %d partitions of %s %.1f s later", victim.instance(),
            survivor, PARTITIONS, s.topic(), took.toMillis() / 1000.0);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }, r -> {
      Thread t = new Thread(r, "takeover-" + victim.instance());
      t.setDaemon(true);
      t.start();
    });
  }

  /** How long a node took to stop, for a new controller to be elected (if it was one), to start, to catch up. */
  private record Bounce(long stopMs, int successor, long electedMs, long restartMs, long inSyncMs) {
    @Override
    public String toString() {
      return String.format("stopped in %.1f s, %srestarted in %.1f s, all replicas in sync %.1f s later",
          stopMs / 1000.0, electedMs >= 0 ? String.format("new controller after %.1f s, ", electedMs / 1000.0) : "",
          restartMs / 1000.0, inSyncMs / 1000.0);
    }
  }

  /** Stops a node, keeps it down for 3 s while work goes on, starts it again and waits until it has caught up. */
  private static Bounce bounce(EmbeddedKafkaCluster cluster, int node) throws InterruptedException {
    boolean wasController = cluster.activeController() == node;
    long t0 = System.nanoTime();
    cluster.stop(node);
    long stopMs = millis(t0);
    int successor = node;
    long electedMs = -1;
    if (wasController) {
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (successor == node && System.nanoTime() < deadline) {
        successor = cluster.activeController();
        if (successor == node) {
          Thread.sleep(50);
        }
      }
      electedMs = millis(t0);
    }
    Thread.sleep(3_000);
    long t1 = System.nanoTime();
    cluster.restart(node);
    long restartMs = millis(t1);
    long t2 = System.nanoTime();
    assertThat(cluster.awaitFullIsr(Duration.ofSeconds(90))).as("node %d back in sync", node).isTrue();
    return new Bounce(stopMs, successor, electedMs, restartMs, millis(t2));
  }

  /** The node, other than {@code except}, leading the most partitions of {@code topic}. */
  private static int busiestLeader(EmbeddedKafkaCluster cluster, String topic, int except) {
    Map<Integer, Integer> led = new HashMap<>();
    cluster.leaders(topic).values().forEach(n -> led.merge(n, 1, Integer::sum));
    return cluster.nodeIds().stream().filter(n -> n != except)
        .max(Comparator.comparingInt(n -> led.getOrDefault(n, 0))).orElseThrow();
  }

  /** The topics the services created carry replication 3 and min.insync.replicas 2, Streams' own topics too. */
  private static void assertReplicated(String bootstrap) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      List<String> topics = List.of(Topics.TELEPORT_RECORDINGS.name(), Topics.SESSION_LABELS.name(),
          Topics.SESSION_FEATURES.name(), Topics.TELEPORT_RECORDINGS.deadLetterTopic());
      Map<String, TopicDescription> d = admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
      for (TopicDescription t : d.values()) {
        assertThat(t.partitions()).as(t.name()).allSatisfy(p -> assertThat(p.replicas()).hasSize(3));
      }
      List<ConfigResource> res = topics.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
      Map<ConfigResource, Config> configs = admin.describeConfigs(res).all().get(30, TimeUnit.SECONDS);
      configs.forEach((r, c) -> assertThat(c.get("min.insync.replicas").value()).as(r.name()).isEqualTo("2"));
    }
  }

  /** Same database as the undisturbed run, nothing twice on the output topics, no dead letters. */
  private static void assertSameOutcome(Path db, Path runDir, String bootstrap, String run, long t0)
      throws Exception {
    Map<String, TopicAudit.Counts> outputs = TopicAudit.outputs(bootstrap);
    DatabaseSnapshot snapshot = DatabaseSnapshot.of(db, runDir);
    long deadLetters = 0;
    for (var t : Topics.DATA_TOPICS) {
      deadLetters += DemoRun.count(bootstrap, t.deadLetterTopic());
    }
    long dups = outputs.values().stream().mapToLong(TopicAudit.Counts::duplicates).sum();
    figure(run, "rows %s, output records %s, copies seen read_committed %d, dead letters %d, run %.1f s",
        snapshot.counts(), records(outputs), dups, deadLetters, seconds(t0));
    assertThat(outputs).allSatisfy((topic, c) -> {
      assertThat(c.records()).as(topic).isPositive();
      assertThat(c.duplicates()).as("records of %s seen twice by a read_committed reader", topic).isZero();
    });
    assertThat(deadLetters).as("dead letters (the input is all good)").isZero();
    assertThat(snapshot.differencesFrom(undisturbed)).as("sessions.sqlite against the undisturbed run").isEmpty();
  }

  private static String classifierGroup(Map<String, Map<String, String>> services) {
    return services.get("classifier").getOrDefault("application.id", ClassifierConfig.DEFAULT_APPLICATION_ID);
  }

  /** One instance's configuration: the embedded run's for that service, plus what tells instances apart. */
  private static Map<String, String> instanceConfig(DemoRun.Options o, Map<String, Map<String, String>> services,
      String service, String instance) {
    Map<String, String> c = new HashMap<>(common(3));
    c.putAll(services.get(service));
    c.put("kafka.bootstrap.servers", o.bootstrapServers());
    c.put("kafka.client.id", instance);
    // a killed member is noticed after the session timeout: the broker's minimum, not the 45 s default
    c.put("kafka.session.timeout.ms", "6000");
    c.put("kafka.heartbeat.interval.ms", "1500");
    switch (service) {
      case "recording-decoder" -> {
        c.put("kafka.transactional.id", instance);
        // a killed decoder's open transaction holds back read_committed readers of its partitions until this
        c.put("decoder.transaction.timeout", "10s");
      }
      case "featurizer", "classifier" -> c.put("state.dir", o.workDir().resolve("state").resolve(instance).toString());
      default -> { }
    }
    return c;
  }

  private static Map<String, String> common(int replication) {
    Map<String, String> c = new HashMap<>();
    c.put("http.port", "-1");
    c.put("topics.partitions", Integer.toString(PARTITIONS));
    c.put("shutdown.timeout", "15s");
    if (replication > 1) {
      c.put("topics.replication.factor", Integer.toString(replication));
      c.put("topics.min.insync.replicas", Integer.toString(replication - 1));
    }
    return c;
  }

  private static DemoRun.Options options(String name, String bootstrap) {
    Path dir = tmp.resolve(name);
    return new DemoRun.Options(dir.resolve("work"), dir.resolve("sessions.sqlite"), TELEPORT_PER_PROFILE, SEED,
        VERDICTS_WITHIN, bootstrap, null, null, PARTITIONS);
  }

  private static Map<String, Long> records(Map<String, TopicAudit.Counts> outputs) {
    Map<String, Long> m = new LinkedHashMap<>();
    outputs.forEach((t, c) -> m.put(t, c.records()));
    return m;
  }

  /** A figure for the fault matrix, on its own line of the test output. */
  private static void figure(String run, String format, Object... args) {
    System.out.println("[fault figure] " + run + ": " + String.format(format, args));
  }

  private static long millis(long since) {
    return (System.nanoTime() - since) / 1_000_000;
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
