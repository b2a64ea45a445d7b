package dev.whodrove.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.kafka.embedded.EmbeddedKafkaExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The shared worker loop against a real broker: every input record's output is visible to a {@code read_committed}
 * reader exactly once through transient failures, a rebalance to a second instance, a fenced zombie and a stop in
 * the middle of a batch; the non-transactional mode commits nothing the handler did not finish. A record that keeps
 * failing is dead-lettered after its retry budget and the records after it flow; a failing environment is retried
 * until it works and dead-letters nothing; a worker thread that dies takes readiness, then liveness, down.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class KafkaWorkerIT {

  /** Copies each input record to {@code <input>.out}; a test hook may fail it first. */
  private static final class CopyHandler implements BatchHandler {
    final String output;
    final Set<String> failOnce = ConcurrentHashMap.newKeySet();
    final AtomicInteger handled = new AtomicInteger();
    volatile CountDownLatch entered;
    volatile BooleanSupplier block = () -> false;

    CopyHandler(String input) {
      this.output = input + ".out";
    }

    @Override
    public void handle(WorkerBatch batch) throws InterruptedException {
      for (ConsumerRecord<byte[], byte[]> r : batch.records()) {
        String v = new String(r.value(), StandardCharsets.UTF_8);
        batch.send(new ProducerRecord<>(output, r.key(), r.value()));
        if (failOnce.remove(v)) {
          throw new TransientFailure("simulated outage at " + v, null);
        }
        if (v.equals("poison")) {
          batch.deadLetter(r, "poison", null);
        }
        if (entered != null) {
          entered.countDown();
        }
        while (block.getAsBoolean()) {
          batch.checkAbort();
          Thread.sleep(20);
        }
        handled.incrementAndGet();
      }
    }
  }

  @Test
  void transientFailuresAreRetriedAndAbortedOutputStaysInvisible(EmbeddedKafkaBroker broker) throws Exception {
    String topic = topic(broker, 2);
    CopyHandler handler = new CopyHandler(topic);
    handler.failOnce.addAll(List.of("v3", "v7"));
    ServiceContext ctx = context(broker);
    KafkaWorker worker = new KafkaWorker(transactional(topic, "g-" + UUID.randomUUID()), handler, ctx);
    worker.start();
    try {
      List<String> sent = produce(broker, topic, 0, 20);
      produceValue(broker, topic, "poison");
      List<String> out = readCommitted(broker, topic + ".out", 21);
      assertThat(out).containsExactlyInAnyOrderElementsOf(concat(sent, List.of("poison")));
      assertThat(readCommitted(broker, topic + ".dlq", 1)).hasSize(1);
      assertThat(ctx.metrics().counter("whodrove.worker.batch.retries").count()).isEqualTo(2);
      await(() -> worker.readiness().ready(), "ready again after the retries");
    } finally {
      worker.stop(Duration.ofSeconds(10));
    }
  }

  @Test
  void aSecondInstanceTakesOverAndNothingIsLostOrDuplicated(EmbeddedKafkaBroker broker) throws Exception {
    String topic = topic(broker, 4);
    String group = "g-" + UUID.randomUUID();
    CopyHandler h1 = new CopyHandler(topic);
    CopyHandler h2 = new CopyHandler(topic);
    KafkaWorker w1 = new KafkaWorker(transactional(topic, group), h1, context(broker));
    KafkaWorker w2 = new KafkaWorker(transactional(topic, group), h2, context(broker));
    w1.start();
    List<String> sent = new ArrayList<>(produce(broker, topic, 0, 200));
    await(() -> h1.handled.get() > 0, "first instance at work");
    w2.start();
    int next = 200;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (h2.handled.get() == 0) { // keep records coming until the second instance has partitions
      assertThat(System.nanoTime()).as("second instance given partitions").isLessThan(deadline);
      sent.addAll(produce(broker, topic, next, 20));
      next += 20;
      Thread.sleep(100);
    }
    w1.stop(Duration.ofSeconds(10));
    sent.addAll(produce(broker, topic, next, 200));
    try {
      assertThat(readCommitted(broker, topic + ".out", sent.size())).containsExactlyInAnyOrderElementsOf(sent);
    } finally {
      w2.stop(Duration.ofSeconds(10));
    }
  }

  @Test
  void aZombieWithTheSameTransactionalIdIsFencedAndPublishesNothing(EmbeddedKafkaBroker broker) throws Exception {
    String topic = topic(broker, 1);
    String txId = "tx-" + UUID.randomUUID();
    CopyHandler zombieHandler = new CopyHandler(topic);
    zombieHandler.entered = new CountDownLatch(1);
    AtomicBoolean stuck = new AtomicBoolean(true);
    zombieHandler.block = stuck::get;
    KafkaWorker zombie = new KafkaWorker(transactional(topic, "g-" + UUID.randomUUID(), txId), zombieHandler,
        context(broker));
    zombie.start();
    produceValue(broker, topic, "only");
    assertThat(zombieHandler.entered.await(30, TimeUnit.SECONDS)).isTrue();
    // a replacement with the same transactional id (a restarted pod) fences the paused one
    CopyHandler successorHandler = new CopyHandler(topic);
    KafkaWorker successor = new KafkaWorker(transactional(topic, "g-" + UUID.randomUUID(), txId), successorHandler,
        context(broker));
    successor.start();
    try {
      assertThat(readCommitted(broker, topic + ".out", 1)).containsExactly("only");
      stuck.set(false); // the zombie wakes up and tries to commit
      await(() -> !zombie.readiness().ready() && zombie.readiness().detail().startsWith("cannot continue"),
          "zombie fenced");
      assertThat(readCommitted(broker, topic + ".out", 1)).containsExactly("only");
    } finally {
      zombie.stop(Duration.ofSeconds(5));
      successor.stop(Duration.ofSeconds(5));
    }
  }

  @Test
  void aStopThatCannotWaitAbortsTheBatchAndTheNextOwnerRedoesIt(EmbeddedKafkaBroker broker) throws Exception {
    String topic = topic(broker, 1);
    String group = "g-" + UUID.randomUUID();
    CopyHandler slow = new CopyHandler(topic);
    slow.entered = new CountDownLatch(1);
    slow.block = () -> true; // one very long recording
    KafkaWorker first = new KafkaWorker(transactional(topic, group), slow, context(broker));
    first.start();
    produceValue(broker, topic, "long");
    assertThat(slow.entered.await(30, TimeUnit.SECONDS)).isTrue();
    long t0 = System.nanoTime();
    first.stop(Duration.ofSeconds(2));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    assertThat(committedOffsets(broker, group, topic)).isEmpty();

    KafkaWorker second = new KafkaWorker(transactional(topic, group), new CopyHandler(topic), context(broker));
    second.start();
    try {
      assertThat(readCommitted(broker, topic + ".out", 1)).containsExactly("long");
    } finally {
      second.stop(Duration.ofSeconds(5));
    }
  }

  @Test
  void withoutTransactionsOffsetsAreCommittedOnlyAfterTheHandlerReturns(EmbeddedKafkaBroker broker)
      throws Exception {
    String topic = topic(broker, 1);
    String group = "g-" + UUID.randomUUID();
    produce(broker, topic, 0, 10);
    KafkaWorker crashing = new KafkaWorker(new KafkaWorker.Settings("test", topic, group).batching(10,
        Duration.ofMillis(200)), batch -> {
          throw new IllegalStateException("crash after the durable write");
        }, context(broker));
    crashing.start();
    await(() -> crashing.readiness().detail().contains("crash after the durable write"), "worker stopped");
    assertThat(committedOffsets(broker, group, topic)).isEmpty();

    List<String> written = new ArrayList<>();
    KafkaWorker worker = new KafkaWorker(new KafkaWorker.Settings("test", topic, group).batching(10,
        Duration.ofMillis(200)), batch -> batch.records().forEach(r ->
            written.add(new String(r.value(), StandardCharsets.UTF_8))), context(broker));
    worker.start();
    try {
      await(() -> committedOffsets(broker, group, topic).values().stream().mapToLong(OffsetAndMetadata::offset)
          .sum() == 10, "offsets committed");
      assertThat(written).hasSize(10);
    } finally {
      worker.stop(Duration.ofSeconds(5));
    }
  }

  @Test
  void aRecordThatKeepsFailingIsDeadLetteredAfterItsBudgetAndTheRecordsAfterItFlow(EmbeddedKafkaBroker broker)
      throws Exception {
    String topic = topic(broker, 1);
    AtomicReference<KafkaWorker> self = new AtomicReference<>();
    List<Readiness> seenWhileRetrying = new ArrayList<>();
    AtomicInteger attempts = new AtomicInteger();
    BatchHandler handler = batch -> {
      for (ConsumerRecord<byte[], byte[]> r : batch.records()) {
        String v = new String(r.value(), StandardCharsets.UTF_8);
        if (v.equals("stuck")) {
          if (attempts.incrementAndGet() > 1) {
            seenWhileRetrying.add(self.get().readiness());
          }
          throw TransientFailure.ofRecord(r, "reading " + v + " timed out (attempt " + attempts.get() + ")",
              new IOException("read timed out"));
        }
        batch.send(new ProducerRecord<>(topic + ".out", r.key(), r.value()));
      }
    };
    ServiceContext ctx = context(broker);
    KafkaWorker worker = new KafkaWorker(transactional(topic, "g-" + UUID.randomUUID())
        .retryBudget(new RetryBudget(3, Duration.ofMinutes(15), Duration.ofHours(1))), handler, ctx);
    self.set(worker);
    worker.start();
    try {
      List<String> sent = new ArrayList<>(produce(broker, topic, 0, 3));
      produceValue(broker, topic, "stuck");
      sent.addAll(produce(broker, topic, 3, 5));
      assertThat(readCommitted(broker, topic + ".out", sent.size())).containsExactlyElementsOf(sent);
      assertThat(deadLetterReasons(broker, topic + ".dlq", 1)).singleElement().satisfies(reason -> assertThat(reason)
          .startsWith("still failing after 3 attempts over ")
          .contains("retry budget 3 attempts or 15m", "last error: reading stuck timed out (attempt 3)"));
      assertThat(attempts).hasValue(3); // dead-lettered without being handed to the handler again
      assertThat(ctx.metrics().counter("whodrove.worker.retries.exhausted", "blame", "record").count()).isEqualTo(1);
      // a record's own failure leaves the service ready, and says what it is retrying
      assertThat(seenWhileRetrying).isNotEmpty().allSatisfy(r -> {
        assertThat(r.ready()).isTrue();
        assertThat(r.detail()).contains("retrying " + topic + "-0@3 (attempt ", "budget 3 attempts or 15m",
            "reading stuck timed out");
      });
      await(() -> worker.readiness().ready() && !worker.readiness().detail().contains("retrying"),
          "retry state cleared");
    } finally {
      worker.stop(Duration.ofSeconds(10));
    }
  }

  @Test
  void refusedAccessIsRetriedForItsOwnTimeWithReadinessDownThenDeadLettered(EmbeddedKafkaBroker broker)
      throws Exception {
    String topic = topic(broker, 1);
    AtomicReference<KafkaWorker> self = new AtomicReference<>();
    List<Readiness> seen = new ArrayList<>();
    AtomicInteger attempts = new AtomicInteger();
    BatchHandler handler = batch -> {
      for (ConsumerRecord<byte[], byte[]> r : batch.records()) {
        if (attempts.incrementAndGet() > 1) {
          seen.add(self.get().readiness());
        }
        throw TransientFailure.authOf(r, "access denied to s3://bucket/key", null);
      }
    };
    ServiceContext ctx = context(broker);
    // one attempt would exhaust a record budget: refused access is measured by its own time instead
    KafkaWorker worker = new KafkaWorker(transactional(topic, "g-" + UUID.randomUUID())
        .retryBudget(new RetryBudget(1, Duration.ofMinutes(15), Duration.ofSeconds(2))), handler, ctx);
    self.set(worker);
    worker.start();
    try {
      produceValue(broker, topic, "denied");
      assertThat(deadLetterReasons(broker, topic + ".dlq", 1)).singleElement().satisfies(reason -> assertThat(reason)
          .startsWith("access still refused after ").contains("retry budget 2s", "access denied to s3://bucket/key"));
      assertThat(attempts.get()).isGreaterThan(1);
      assertThat(seen).isNotEmpty().allSatisfy(r -> {
        assertThat(r.ready()).isFalse();
        assertThat(r.detail()).startsWith("access refused for " + topic + "-0@0, retrying");
      });
      assertThat(ctx.metrics().counter("whodrove.worker.retries.exhausted", "blame", "auth").count()).isEqualTo(1);
      await(() -> worker.readiness().ready(), "ready once the record is dead-lettered");
    } finally {
      worker.stop(Duration.ofSeconds(10));
    }
  }

  @Test
  void aFailingEnvironmentIsRetriedUntilItWorksAndDeadLettersNothing(EmbeddedKafkaBroker broker) throws Exception {
    String topic = topic(broker, 2);
    String group = "g-" + UUID.randomUUID();
    AtomicBoolean down = new AtomicBoolean(true);
    AtomicInteger failures = new AtomicInteger();
    List<String> written = java.util.Collections.synchronizedList(new ArrayList<>());
    BatchHandler handler = batch -> {
      if (down.get()) {
        failures.incrementAndGet();
        throw new TransientFailure("database is read-only", null);
      }
      batch.records().forEach(r -> written.add(new String(r.value(), StandardCharsets.UTF_8)));
    };
    ServiceContext ctx = context(broker);
    KafkaWorker worker = new KafkaWorker(new KafkaWorker.Settings("test", topic, group)
        .batching(10, Duration.ofMillis(50)).retryBackoff(Duration.ofMillis(20), Duration.ofMillis(100))
        .retryBudget(new RetryBudget(1, Duration.ofMillis(1), Duration.ofMillis(1))), handler, ctx);
    worker.start();
    try {
      List<String> sent = produce(broker, topic, 0, 20);
      await(() -> failures.get() >= 10, "the batch retried many times, far past any record budget");
      Readiness r = worker.readiness();
      assertThat(r.ready()).isFalse();
      assertThat(r.detail()).isEqualTo("retrying a batch: database is read-only");
      assertThat(committedOffsets(broker, group, topic)).isEmpty();
      down.set(false);
      await(() -> committedOffsets(broker, group, topic).values().stream().mapToLong(OffsetAndMetadata::offset)
          .sum() == 20, "offsets committed once the environment works");
      assertThat(written).containsExactlyInAnyOrderElementsOf(sent);
      await(() -> worker.readiness().ready(), "ready again");
      assertThat(ctx.metrics().counter("whodrove.worker.dead.letters").count()).isZero();
      assertThat(ctx.metrics().find("whodrove.worker.retries.exhausted").counters())
          .allSatisfy(c -> assertThat(c.count()).isZero());
    } finally {
      worker.stop(Duration.ofSeconds(10));
    }
  }

  @Test
  void aWorkerThreadThatDiesTakesReadinessDownAtOnceAndLivenessAfterTheGrace(EmbeddedKafkaBroker broker)
      throws Exception {
    String topic = topic(broker, 1);
    ServiceContext ctx = ServiceContext.create("test", ServiceConfig.of(Map.of(
        ServiceConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers(), ServiceHost.HTTP_HOST, "127.0.0.1",
        ServiceHost.HTTP_PORT, "0", ServiceThreads.LIVENESS_GRACE, "3s")));
    ManagedService service = new ManagedService() {
      private KafkaWorker worker;

      @Override
      public String name() {
        return "test";
      }

      @Override
      public List<dev.whodrove.schemas.TopicDefinition> ownedTopics() {
        return List.of();
      }

      @Override
      public void start() {
        worker = new KafkaWorker(new KafkaWorker.Settings("test", topic, "g-" + UUID.randomUUID()), batch -> {
          throw new StackOverflowError("simulated: input nested too deep for the handler");
        }, ctx);
        worker.start();
      }

      @Override
      public Readiness readiness() {
        return worker.readiness();
      }

      @Override
      public void stop(Duration timeout) {
        worker.stop(timeout);
      }
    };
    try (ServiceHost host = ServiceHost.start(ctx, service, -1)) {
      HttpClient http = HttpClient.newHttpClient();
      int port = host.httpPort();
      assertThat(get(http, port, "/healthz").statusCode()).isEqualTo(200);
      produceValue(broker, topic, "boom");
      await(() -> get(http, port, "/readyz").statusCode() == 503, "readiness down");
      HttpResponse<String> alive = get(http, port, "/healthz");
      assertThat(get(http, port, "/readyz").body()).startsWith("not ready: thread test-worker died ")
          .contains("StackOverflowError: simulated: input nested too deep");
      assertThat(alive.statusCode()).as("still alive within the grace period").isEqualTo(200);
      assertThat(alive.body()).contains("thread test-worker died", "not alive in");
      long t0 = System.nanoTime();
      await(() -> get(http, port, "/healthz").statusCode() == 503, "liveness down after the grace");
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThan(Duration.ofSeconds(1));
      assertThat(get(http, port, "/healthz").body()).startsWith("not alive: thread test-worker died ")
          .contains("(liveness.grace 3s)");
      assertThat(ctx.metrics().get("whodrove.service.threads.dead").gauge().value()).isEqualTo(1.0);
    }
  }

  // ---- helpers ----

  private static HttpResponse<String> get(HttpClient http, int port, String path) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The reason header of the first {@code n} dead letters on {@code topic}. */
  private static List<String> deadLetterReasons(EmbeddedKafkaBroker broker, String topic, int n) {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", broker.bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<String> reasons = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      c.subscribe(List.of(topic));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      long settleUntil = Long.MAX_VALUE;
      while (System.nanoTime() < Math.min(deadline, settleUntil)) {
        c.poll(Duration.ofMillis(200)).forEach(r -> reasons.add(new String(
            r.headers().lastHeader(DeadLetters.HEADER_REASON).value(), StandardCharsets.UTF_8)));
        if (reasons.size() >= n && settleUntil == Long.MAX_VALUE) {
          settleUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        }
      }
    }
    return reasons;
  }

  private static KafkaWorker.Settings transactional(String topic, String group) {
    return transactional(topic, group, group + "-tx-" + UUID.randomUUID());
  }

  private static KafkaWorker.Settings transactional(String topic, String group, String txId) {
    return new KafkaWorker.Settings("test", topic, group).transactional(txId, Duration.ofSeconds(30))
        .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(200));
  }

  private static ServiceContext context(EmbeddedKafkaBroker broker) {
    return ServiceContext.create("test", ServiceConfig.of(Map.of(ServiceConfig.BOOTSTRAP_SERVERS,
        broker.bootstrapServers())));
  }

  private static String topic(EmbeddedKafkaBroker broker, int partitions) throws Exception {
    String topic = "worker-it-" + UUID.randomUUID();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1), new NewTopic(topic + ".out", 1,
          (short) 1), new NewTopic(topic + ".dlq", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    return topic;
  }

  private static List<String> produce(EmbeddedKafkaBroker broker, String topic, int from, int n) {
    List<String> values = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers",
        broker.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = from; i < from + n; i++) {
        String v = "v" + i;
        values.add(v);
        p.send(new ProducerRecord<>(topic, ("k" + i).getBytes(StandardCharsets.UTF_8),
            v.getBytes(StandardCharsets.UTF_8)));
      }
    }
    return values;
  }

  private static void produceValue(EmbeddedKafkaBroker broker, String topic, String value) {
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers",
        broker.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
      p.send(new ProducerRecord<>(topic, value.getBytes(StandardCharsets.UTF_8),
          value.getBytes(StandardCharsets.UTF_8)));
    }
  }

  /** Reads {@code topic} as a read_committed consumer until {@code n} values arrived, then one more second. */
  private static List<String> readCommitted(EmbeddedKafkaBroker broker, String topic, int n) {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", broker.bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(props, new StringDeserializer(),
        new StringDeserializer())) {
      c.subscribe(List.of(topic));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      long settleUntil = Long.MAX_VALUE;
      while (System.nanoTime() < Math.min(deadline, settleUntil)) {
        c.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
        if (values.size() >= n && settleUntil == Long.MAX_VALUE) {
          settleUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(1); // a duplicate would show up now
        }
      }
    }
    return values;
  }

  private static Map<TopicPartition, OffsetAndMetadata> committedOffsets(EmbeddedKafkaBroker broker, String group,
      String topic) {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      Map<TopicPartition, OffsetAndMetadata> all = admin.listConsumerGroupOffsets(group)
          .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
      Map<TopicPartition, OffsetAndMetadata> ours = new HashMap<>();
      all.forEach((tp, o) -> {
        if (tp.topic().equals(topic) && o != null) {
          ours.put(tp, o);
        }
      });
      return ours;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(50);
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
