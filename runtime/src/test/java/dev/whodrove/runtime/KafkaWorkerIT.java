package dev.whodrove.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.kafka.embedded.EmbeddedKafkaExtension;
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
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The shared worker loop against a real broker: every input record's output is visible to a {@code read_committed}
 * reader exactly once through transient failures, a rebalance to a second instance, a fenced zombie and a stop in
 * the middle of a batch; the non-transactional mode commits nothing the handler did not finish.
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

  // ---- helpers ----

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
