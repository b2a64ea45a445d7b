package dev.whodrove.llm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.kafka.embedded.EmbeddedKafkaExtension;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceHost;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.DeadLetter;
import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.SessionVerdict;
import dev.whodrove.testkit.Await;
import dev.whodrove.testkit.TopicReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/** The service against a real in-process broker and a fake Chat Completions server. */
@ExtendWith(EmbeddedKafkaExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LlmScorerServiceIT {
  private static String bootstrap;
  private static FakeChatServer server;
  private static final String ESCALATIONS = Topics.SESSION_ESCALATIONS.name();

  @BeforeAll
  static void setUp(EmbeddedKafkaBroker broker) throws Exception {
    bootstrap = broker.bootstrapServers();
    server = new FakeChatServer();
    server.route(body -> body.contains("session: it-bad-") ? FakeChatServer.ok("{\"agent_tool\": \"claude-co")
        : body.contains("session: it-down-") ? FakeChatServer.status(503, Map.of())
        : body.contains("session: it-denied-") ? FakeChatServer.status(401, Map.of()) : null);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      // one input partition keeps offsets easy to reason about
      Topics.ensureTopics(admin, List.of(Topics.SESSION_ESCALATIONS), 1, (short) 1, Duration.ofSeconds(30));
    }
  }

  @AfterAll
  static void tearDown() {
    server.close();
  }

  private static ServiceHost start(String group, String completedTopic, long dailyCap) throws Exception {
    return start(group, completedTopic, dailyCap, Map.of());
  }

  private static ServiceHost start(String group, String completedTopic, long dailyCap, Map<String, String> extra)
      throws Exception {
    Map<String, String> cfg = Fixtures.configValues(server.baseUrl());
    cfg.putAll(extra);
    cfg.put(ServiceConfig.BOOTSTRAP_SERVERS, bootstrap);
    cfg.put(ServiceHost.HTTP_PORT, "-1");
    cfg.put(ServiceHost.TOPICS_PARTITIONS, "1");
    cfg.put(LlmConfig.GROUP_ID, group);
    cfg.put(LlmConfig.COMPLETED_TOPIC, completedTopic);
    cfg.put(LlmConfig.DAILY_CALL_CAP, Long.toString(dailyCap));
    ServiceContext ctx = ServiceContext.create(LlmScorerService.NAME, ServiceConfig.of(cfg));
    return ServiceHost.start(ctx, new LlmScorerService(ctx, new FileRecordingTextSource(), Clock.systemUTC(),
        d -> Thread.sleep(d.toMillis())), 9406);
  }

  private static void send(String key, byte[] value) throws Exception {
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      p.send(new ProducerRecord<>(ESCALATIONS, key.getBytes(StandardCharsets.UTF_8), value)).get();
    }
  }

  private static void sendEscalation(String sessionId) throws Exception {
    send(sessionId, Topics.SESSION_ESCALATIONS.valueSerde(Map.of())
        .serialize(ESCALATIONS, Fixtures.escalation(sessionId)));
  }

  /** Every committed record of a topic that is there now (reads for {@code quiet} after the last one). */
  private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, Duration quiet) {
    try (TopicReader reader = TopicReader.committed(bootstrap, topic)) {
      return reader.readUntilQuiet(quiet, quiet.plusSeconds(3));
    }
  }

  private static List<SessionVerdict> verdictsFor(String sessionId) {
    return readAll(Topics.SESSION_LABELS.name(), Duration.ofMillis(500)).stream()
        .map(r -> Topics.SESSION_LABELS.valueSerde(Map.of()).deserialize(r.topic(), r.value()))
        .filter(v -> v.getSessionId().equals(sessionId))
        .toList();
  }

  private static Map<String, String> labels(SessionVerdict v) {
    return v.getLabelsList().stream().collect(Collectors.toMap(Label::getKey, Label::getValue));
  }

  private static double count(ServiceHost host, String name, String tag, String value) {
    var c = host.context().metrics().find(name).tag(tag, value).counter();
    return c == null ? 0 : c.count();
  }

  private static long committed(String group) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      OffsetAndMetadata o = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
          .get(new TopicPartition(ESCALATIONS, 0));
      return o == null ? -1 : o.offset();
    }
  }

  @Test
  @Order(1)
  void overTheDailyCapEscalationsWaitUncommittedUntilThereIsRoom() throws Exception {
    for (String s : List.of("cap-1", "cap-2", "cap-3")) {
      sendEscalation(s);
    }
    try (ServiceHost host = start("it-cap", "it-cap.completed", 1)) {
      LlmScorerService svc = (LlmScorerService) host.service();
      Await.until(() -> svc.metrics().waitingForBudget.get() == 1, "waiting-for-budget gauge");
      Await.until(() -> {
        try {
          return committed("it-cap") == 1;
        } catch (Exception e) {
          return false;
        }
      }, "offset of the first escalation committed");
      Thread.sleep(500);
      assertThat(server.requestsMentioning("session: cap-")).isEqualTo(1);
      assertThat(host.context().metrics().find("whodrove.llm.waiting.for.budget").gauge().value()).isEqualTo(1.0);
      assertThat(committed("it-cap")).isEqualTo(1);
    }
    assertThat(verdictsFor("cap-1")).hasSize(1);
    assertThat(verdictsFor("cap-2")).isEmpty();

    // the cap lifted (a new day, or a new setting): the waiting escalations are scored, none was dropped
    try (ServiceHost host = start("it-cap", "it-cap.completed", 0)) {
      Await.until(() -> count(host, "whodrove.llm.escalations", "outcome", "ok") == 2, "the two waiting escalations");
    }
    assertThat(verdictsFor("cap-2")).hasSize(1);
    assertThat(verdictsFor("cap-3")).hasSize(1);
    assertThat(server.requestsMentioning("session: cap-")).isEqualTo(3);
  }

  @Test
  @Order(2)
  void escalationInLabelsOutOncePerSessionAndVersionEvenWhenRedelivered() throws Exception {
    String group = "it-main";
    String completed = "it-main.completed";
    try (ServiceHost host = start(group, completed, 0)) {
      sendEscalation("it-ok-1");
      sendEscalation("it-bad-1");
      send("it-garbage", new byte[] {0x0a, (byte) 0xff, 0x01});
      Await.until(() -> count(host, "whodrove.llm.escalations", "outcome", "ok") >= 1
          && count(host, "whodrove.llm.escalations", "outcome", "invalid_answer") == 1
          && count(host, "whodrove.llm.escalations", "outcome", "dead_letter") == 1, "three escalations handled");

      // redelivery while running: recognised, no second call
      sendEscalation("it-ok-1");
      Await.until(() -> count(host, "whodrove.llm.escalations", "outcome", "duplicate") >= 1, "duplicate seen");
    }
    // redelivery to a fresh instance: the completed log is loaded at start
    sendEscalation("it-ok-1");
    try (ServiceHost host = start(group, completed, 0)) {
      Await.until(() -> count(host, "whodrove.llm.escalations", "outcome", "duplicate") >= 1, "duplicate seen after restart");
    }
    assertThat(server.requestsMentioning("session: it-ok-1\\n")).isEqualTo(1);

    List<SessionVerdict> ok = verdictsFor("it-ok-1");
    assertThat(ok).hasSize(1);
    assertThat(ok.get(0).getStage()).isEqualTo("phase2-llm@v1");
    assertThat(labels(ok.get(0))).containsEntry("agent.tool", "claude-code").containsEntry("work.kind", "deploy")
        .containsEntry("phase2.status", "ok").containsEntry("agent.suspected_model", "opus-4.6");

    List<SessionVerdict> bad = verdictsFor("it-bad-1");
    assertThat(bad).hasSize(1);
    assertThat(labels(bad.get(0))).containsEntry("phase2.status", "error").doesNotContainKey("agent.tool");
    assertThat(labels(bad.get(0)).get("phase2.error")).contains("not JSON");

    List<DeadLetter> dlq = readAll(Topics.SESSION_ESCALATIONS.deadLetterTopic(), Duration.ofMillis(500)).stream()
        .map(r -> Topics.deadLetterOf(Topics.SESSION_ESCALATIONS).valueSerde(Map.of()).deserialize(r.topic(), r.value()))
        .toList();
    assertThat(dlq).extracting(d -> d.getOriginalKey().toStringUtf8())
        .containsExactlyInAnyOrder("it-bad-1", "it-garbage");
    assertThat(dlq).allSatisfy(d -> {
      assertThat(d.getService()).isEqualTo("llm-scorer");
      assertThat(d.getSourceTopic()).isEqualTo(ESCALATIONS);
      assertThat(d.getReason()).isNotBlank();
    });
  }

  @Test
  @Order(3)
  void anEscalationTheModelCannotAnswerIsRetriedWithinItsBudgetThenGetsItsErrorVerdict() throws Exception {
    sendEscalation("it-down-1");
    sendEscalation("it-denied-1");
    sendEscalation("it-after-1");
    List<String> notReady = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (ServiceHost host = start("it-retry", "it-retry.completed", 0, Map.of(LlmConfig.RETRIES, "0",
        LlmScorerService.RETRY_PREFIX + "initial", "50ms", LlmScorerService.RETRY_PREFIX + "max", "100ms",
        LlmScorerService.RETRY_PREFIX + "max.attempts", "2",
        LlmScorerService.RETRY_PREFIX + "auth.max.elapsed", "1s"))) {
      Await.until(() -> {
        if (!host.readiness().ready()) {
          notReady.add(host.readiness().detail());
        }
        return count(host, "whodrove.worker.retries.exhausted", "blame", "record") == 1
            && count(host, "whodrove.worker.retries.exhausted", "blame", "auth") == 1
            && !verdictsFor("it-after-1").isEmpty();
      }, "both given up on, the escalation after them scored");
    }
    // no verdict while retrying: exactly one, the error verdict, once the budget was spent
    List<SessionVerdict> down = verdictsFor("it-down-1");
    assertThat(down).hasSize(1);
    assertThat(labels(down.get(0))).containsEntry("phase2.status", "error");
    assertThat(labels(down.get(0)).get("phase2.error")).startsWith("still failing after 2 attempts")
        .contains("HTTP 503");
    assertThat(server.requestsMentioning("session: it-down-1\\n")).isEqualTo(2);
    List<SessionVerdict> denied = verdictsFor("it-denied-1");
    assertThat(denied).hasSize(1);
    assertThat(labels(denied.get(0)).get("phase2.error")).startsWith("access still refused after");
    assertThat(server.requestsMentioning("session: it-denied-1\\n")).isGreaterThan(1);
    assertThat(notReady).anySatisfy(d -> assertThat(d).startsWith("access refused for " + ESCALATIONS + "-0@"));
    assertThat(labels(verdictsFor("it-after-1").get(0))).containsEntry("phase2.status", "ok");

    List<DeadLetter> dlq = readAll(Topics.SESSION_ESCALATIONS.deadLetterTopic(), Duration.ofMillis(500)).stream()
        .map(r -> Topics.deadLetterOf(Topics.SESSION_ESCALATIONS).valueSerde(Map.of()).deserialize(r.topic(), r.value()))
        .filter(d -> d.getOriginalKey().toStringUtf8().matches("it-(down|denied|after)-1"))
        .toList();
    assertThat(dlq).extracting(d -> d.getOriginalKey().toStringUtf8())
        .containsExactlyInAnyOrder("it-down-1", "it-denied-1");
  }

  /**
   * A model server that misbehaves, then recovers: every escalation is first answered garbage, then a 10 MiB body,
   * then nothing at all, and only then a real answer. Each attempt ends within the request timeout and keeps at most
   * the body limit; once the server answers, every escalation has exactly one verdict and none is dead-lettered, and
   * the model was asked no more often than the faults made necessary. The faults fit the default retry budget;
   * whether the client or the worker retries is not what this looks at.
   */
  @Test
  @Order(4)
  void garbageHugeAndHangingAnswersThenRecoveryScoreEveryEscalationOnce() throws Exception {
    List<String> sessions = List.of("fault-1", "fault-2", "fault-3", "fault-4");
    List<FakeChatServer.Reply> faults = List.of(
        new FakeChatServer.Reply(200, "<html><body>502 Bad Gateway</body></html>", Map.of(), 0),
        FakeChatServer.fault(FakeChatServer.Fault.HUGE_BODY),
        FakeChatServer.fault(FakeChatServer.Fault.HANG));
    Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    server.route(body -> {
      if (body.contains("session: it-bad-")) {
        return FakeChatServer.ok("{\"agent_tool\": \"claude-co");
      }
      return sessions.stream().filter(s -> body.contains("session: " + s + "\\n")).findFirst()
          .map(s -> attempts.computeIfAbsent(s, k -> new AtomicInteger()).getAndIncrement())
          .filter(n -> n < faults.size()).map(faults::get).orElse(null);
    });
    for (String s : sessions) {
      sendEscalation(s);
    }
    long started = System.nanoTime();
    try (ServiceHost host = start("it-faults", "it-faults.completed", 0, Map.of(LlmConfig.REQUEST_TIMEOUT, "1s"))) {
      Await.until(() -> sessions.stream().allMatch(s -> verdictsFor(s).stream()
          .anyMatch(v -> "ok".equals(labels(v).get("phase2.status")))), "a verdict for every escalation",
          Duration.ofSeconds(90));
      // four sessions (and what earlier tests left on the topic), two calls at a time, each at most four attempts
      // of at most a second
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(40));
    }
    for (String s : sessions) {
      assertThat(server.requestsMentioning("session: " + s + "\\n")).as(s).isEqualTo(faults.size() + 1);
      assertThat(verdictsFor(s)).as(s).singleElement().satisfies(v -> assertThat(labels(v))
          .containsEntry("phase2.status", "ok").containsEntry("agent.tool", "claude-code"));
    }
    List<DeadLetter> dlq = readAll(Topics.SESSION_ESCALATIONS.deadLetterTopic(), Duration.ofMillis(500)).stream()
        .map(r -> Topics.deadLetterOf(Topics.SESSION_ESCALATIONS).valueSerde(Map.of())
            .deserialize(r.topic(), r.value()))
        .filter(d -> sessions.contains(d.getOriginalKey().toStringUtf8()))
        .toList();
    assertThat(dlq).isEmpty();
  }
}
