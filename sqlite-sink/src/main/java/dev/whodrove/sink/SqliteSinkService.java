package dev.whodrove.sink;

import dev.whodrove.runtime.DeadLetters;
import dev.whodrove.runtime.KafkaProbe;
import dev.whodrove.runtime.ManagedService;
import dev.whodrove.runtime.Readiness;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.schemas.TopicSpec;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.serde.ProtobufSerde;
import dev.whodrove.schemas.v1.SessionVerdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Materializes {@code session.labels} into {@code sessions.sqlite}. Records are gathered into batches bounded by
 * size and time; each batch is one SQLite transaction, and the batch's offsets are committed to Kafka only after
 * that transaction commits. A crash between the two re-delivers the batch, which the idempotent upserts absorb.
 * A busy, locked or failing database is retried with back-off, never skipped; a record that cannot be decoded or
 * stored goes to {@code session.labels.dlq}.
 */
public final class SqliteSinkService implements ManagedService {
  private static final Logger log = LoggerFactory.getLogger(SqliteSinkService.class);

  /** Called after a batch's SQLite commit and before its offset commit (a seam for crash tests). */
  interface BatchHook {
    BatchHook NONE = offsets -> { };

    void afterDbCommit(Map<TopicPartition, OffsetAndMetadata> offsets);
  }

  private final ServiceContext ctx;
  private final SinkConfig cfg;
  private final BatchHook hook;
  private final TopicSpec<SessionVerdict> input;
  private final TopicSpec<?> deadLetterTopic;
  private final ProtobufSerde<SessionVerdict> serde;

  private final Counter consumed;
  private final Counter committed;
  private final Counter rowsUpserted;
  private final Counter sessionsUpserted;
  private final Counter labelsApplied;
  private final Counter labelsOutranked;
  private final Counter deadLettered;
  private final Counter retries;
  private final Timer batchLatency;

  private volatile boolean running;
  private volatile String retrying;
  private volatile Throwable failure;
  private Thread loop;
  private KafkaConsumer<byte[], byte[]> consumer;
  private KafkaProducer<byte[], byte[]> dlqProducer;
  private DeadLetters deadLetters;
  private SessionStore store;
  private KafkaProbe probe;
  private final List<ConsumerRecord<byte[], byte[]>> pending = new ArrayList<>();

  public SqliteSinkService(ServiceContext ctx) {
    this(ctx, BatchHook.NONE);
  }

  SqliteSinkService(ServiceContext ctx, BatchHook hook) {
    this.ctx = ctx;
    this.cfg = SinkConfig.from(ctx.config());
    this.hook = hook;
    TopicSpec<SessionVerdict> labels = Topics.SESSION_LABELS;
    this.input = cfg.topic().equals(labels.name()) ? labels
        : new TopicSpec<>(cfg.topic(), labels.keyDescription(), labels.valuePrototype(), labels.partitions(),
            labels.cleanupPolicy(), labels.retention(), true);
    this.deadLetterTopic = Topics.deadLetterOf(input);
    this.serde = input.valueSerde(ctx.config().kafkaClientProperties());
    MeterRegistry m = ctx.metrics();
    consumed = m.counter("sink.records.consumed");
    committed = m.counter("sink.records.committed");
    rowsUpserted = m.counter("sink.rows.upserted");
    sessionsUpserted = m.counter("sink.sessions.upserted");
    labelsApplied = m.counter("sink.labels.applied");
    labelsOutranked = m.counter("sink.labels.outranked");
    deadLettered = m.counter("sink.dead.letters");
    retries = m.counter("sink.batch.retries");
    batchLatency = Timer.builder("sink.batch.latency").description("batch write and offset commit")
        .publishPercentiles(0.5, 0.99).register(m);
  }

  @Override
  public String name() {
    return ctx.serviceName();
  }

  @Override
  public List<TopicSpec<?>> ownedTopics() {
    return List.of(deadLetterTopic);
  }

  public SinkConfig config() {
    return cfg;
  }

  @Override
  public synchronized void start() throws SQLException {
    store = SessionStore.open(cfg.dbPath(), cfg.storeOptions());
    Map<String, Object> client = ctx.config().kafkaClientProperties();
    deadLetters = new DeadLetters(name(), client);
    Map<String, Object> cp = new HashMap<>(client);
    cp.put(ConsumerConfig.GROUP_ID_CONFIG, cfg.groupId());
    cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    cp.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    cp.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(cfg.batchSize()));
    cp.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, name() + "-consumer");
    consumer = new KafkaConsumer<>(cp, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    Map<String, Object> pp = new HashMap<>(client);
    pp.put(ProducerConfig.ACKS_CONFIG, "all");
    pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    pp.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, name() + "-dlq");
    dlqProducer = new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer());
    probe = new KafkaProbe(ctx.config());
    running = true;
    loop = new Thread(this::run, name() + "-loop");
    loop.start();
    log.info("{}: consuming {} (group {}) into {}", name(), input.name(), cfg.groupId(), cfg.dbPath());
  }

  @Override
  public Readiness readiness() {
    Throwable f = failure;
    if (f != null) {
      return Readiness.notReady("sink stopped: " + DeadLetters.reasonOf(f));
    }
    if (!running) {
      return Readiness.notReady("not running");
    }
    String r = retrying;
    if (r != null) {
      return Readiness.notReady("retrying a batch: " + r);
    }
    Readiness k = probe.check();
    return k.ready() ? Readiness.ready("writing " + input.name() + " into " + cfg.dbPath()) : k;
  }

  @Override
  public void stop(Duration timeout) {
    Thread t;
    synchronized (this) {
      running = false;
      t = loop;
      if (consumer != null) {
        consumer.wakeup();
      }
    }
    if (t != null) {
      try {
        t.join(timeout.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (t.isAlive()) {
        log.warn("{}: loop did not stop within {}", name(), timeout);
      }
    }
    if (probe != null) {
      probe.close();
    }
  }

  private void run() {
    boolean crashed = false;
    try {
      consumer.subscribe(List.of(input.name()), new Revocations());
      long deadline = 0;
      while (running) {
        long now = System.nanoTime();
        Duration wait = pending.isEmpty() ? cfg.batchMaxWait()
            : Duration.ofNanos(Math.max(0, deadline - now));
        try {
          var records = consumer.poll(wait);
          if (!records.isEmpty()) {
            if (pending.isEmpty()) {
              deadline = System.nanoTime() + cfg.batchMaxWait().toNanos();
            }
            records.forEach(pending::add);
            consumed.increment(records.count());
          }
        } catch (WakeupException e) {
          continue; // stop requested; the loop condition decides
        }
        if (!pending.isEmpty() && (pending.size() >= cfg.batchSize() || System.nanoTime() >= deadline)) {
          flush();
        }
      }
      if (!pending.isEmpty()) {
        flush(); // one attempt, no back-off: what fails now is re-delivered after restart
      }
    } catch (Throwable e) {
      crashed = true;
      failure = e;
      log.error("{}: consumer loop failed: {}", name(), DeadLetters.reasonOf(e), e);
    } finally {
      running = false;
      // Closing does not commit (auto-commit is off): whatever was not committed is consumed again next time.
      closeQuietly(consumer::close);
      closeQuietly(() -> dlqProducer.close(Duration.ofSeconds(5)));
      closeQuietly(store::close);
      if (!crashed) {
        log.info("{}: consumer loop stopped", name());
      }
    }
  }

  /** Writes and commits the pending batch; returns without committing if stopped while retrying. */
  private void flush() {
    long started = System.nanoTime();
    Duration backoff = cfg.retryBackoffInitial();
    boolean isolating = false;
    while (true) {
      if (pending.isEmpty()) {
        return; // every record of the batch belonged to partitions taken away by a rebalance
      }
      List<ConsumerRecord<byte[], byte[]>> batch = List.copyOf(pending);
      Decoded d = decode(batch);
      List<ProducerRecord<byte[], byte[]>> rejected = new ArrayList<>();
      try {
        SessionStore.ApplyResult r = isolating
            ? store.applyIsolating(d.verdicts, (i, e) -> rejected.add(deadLetter(d.sources.get(i),
                "sqlite rejected the verdict: " + DeadLetters.reasonOf(e), e)))
            : store.apply(d.verdicts);
        retrying = null;
        d.deadLetters.addAll(rejected);
        sendDeadLetters(d.deadLetters); // may poll while retrying: records arriving meanwhile stay pending
        Map<TopicPartition, OffsetAndMetadata> offsets = offsetsOf(batch);
        offsets.keySet().retainAll(consumer.assignment()); // a partition moved away is its new owner's to commit
        hook.afterDbCommit(offsets);
        if (commit(offsets)) {
          committed.increment(batch.size());
        }
        sessionsUpserted.increment(r.sessionRows());
        labelsApplied.increment(r.labelsApplied());
        labelsOutranked.increment(r.labelsOutranked());
        rowsUpserted.increment(r.rowsUpserted());
        Set<ConsumerRecord<byte[], byte[]>> done = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        done.addAll(batch);
        pending.removeIf(done::contains);
        resumeAll();
        batchLatency.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        return;
      } catch (SQLException e) {
        if (!SessionStore.isTransient(e) && !isolating) {
          log.warn("{}: batch of {} rejected ({}); storing record by record", name(), d.verdicts.size(),
              DeadLetters.reasonOf(e));
          isolating = true;
          continue;
        }
        retries.increment();
        retrying = DeadLetters.reasonOf(e);
        log.warn("{}: sqlite write failed ({}), retrying the same {} records in {}", name(), retrying,
            batch.size(), backoff);
        if (!running) {
          return;
        }
        pauseFor(backoff);
        backoff = min(backoff.multipliedBy(2), cfg.retryBackoffMax());
        reopenQuietly(e);
      }
    }
  }

  /** Verdicts to store, the record each came from, and dead letters for those that cannot be stored. */
  private record Decoded(List<SessionVerdict> verdicts, List<ConsumerRecord<byte[], byte[]>> sources,
      List<ProducerRecord<byte[], byte[]>> deadLetters) {}

  private Decoded decode(List<ConsumerRecord<byte[], byte[]>> records) {
    List<SessionVerdict> verdicts = new ArrayList<>(records.size());
    List<ConsumerRecord<byte[], byte[]>> sources = new ArrayList<>(records.size());
    List<ProducerRecord<byte[], byte[]>> dead = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> rec : records) {
      if (rec.value() == null || rec.value().length == 0) {
        dead.add(deadLetter(rec, "empty value (no SessionVerdict)", null));
        continue;
      }
      SessionVerdict v;
      try {
        v = serde.deserialize(rec.topic(), rec.value());
      } catch (RuntimeException e) {
        dead.add(deadLetter(rec, "cannot decode SessionVerdict: " + DeadLetters.reasonOf(e), e));
        continue;
      }
      String invalid = SessionWriter.invalidReason(v);
      if (invalid != null) {
        dead.add(deadLetter(rec, invalid, null));
        continue;
      }
      verdicts.add(v);
      sources.add(rec);
    }
    return new Decoded(verdicts, sources, dead);
  }

  private ProducerRecord<byte[], byte[]> deadLetter(ConsumerRecord<byte[], byte[]> rec, String reason, Throwable e) {
    log.warn("{}: dead-lettering {}-{}@{}: {}", name(), rec.topic(), rec.partition(), rec.offset(), reason);
    return deadLetters.forKafkaRecord(deadLetterTopic.name(), rec.topic(), rec.partition(), rec.offset(), rec.key(),
        rec.value(), reason, e);
  }

  /** Dead letters must be durable before the offsets that skip their records are committed. */
  private void sendDeadLetters(List<ProducerRecord<byte[], byte[]>> records) {
    if (records.isEmpty()) {
      return;
    }
    Duration backoff = cfg.retryBackoffInitial();
    while (true) {
      try {
        List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
        for (ProducerRecord<byte[], byte[]> r : records) {
          acks.add(dlqProducer.send(r));
        }
        for (java.util.concurrent.Future<?> a : acks) {
          a.get(30, TimeUnit.SECONDS);
        }
        deadLettered.increment(records.size());
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while writing dead letters", e);
      } catch (ExecutionException | TimeoutException | KafkaException e) {
        retries.increment();
        retrying = "dead-letter write failed: " + DeadLetters.reasonOf(e);
        log.warn("{}: {}; retrying in {}", name(), retrying, backoff);
        if (!running) {
          throw new IllegalStateException("stopped before dead letters were written", e);
        }
        pauseFor(backoff);
        backoff = min(backoff.multipliedBy(2), cfg.retryBackoffMax());
      }
    }
  }

  private boolean commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
    try {
      consumer.commitSync(offsets);
      return true;
    } catch (KafkaException e) {
      // The partitions moved to another member; it re-delivers from the last commit and the upserts absorb it.
      log.warn("{}: offset commit failed after the sqlite commit ({}); the batch will be re-applied",
          name(), DeadLetters.reasonOf(e));
      return false;
    }
  }

  private static Map<TopicPartition, OffsetAndMetadata> offsetsOf(List<ConsumerRecord<byte[], byte[]>> records) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      offsets.merge(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1),
          (a, b) -> a.offset() >= b.offset() ? a : b);
    }
    return offsets;
  }

  /** Waits without fetching, still polling so the group keeps this member; newly assigned records join the batch. */
  private void pauseFor(Duration d) {
    long end = System.nanoTime() + d.toNanos();
    consumer.pause(consumer.assignment());
    while (running && System.nanoTime() < end) {
      try {
        var records = consumer.poll(min(Duration.ofNanos(end - System.nanoTime()), Duration.ofMillis(200)));
        records.forEach(pending::add);
        consumed.increment(records.count());
        consumer.pause(consumer.assignment());
      } catch (WakeupException e) {
        return;
      }
    }
  }

  private void resumeAll() {
    Set<TopicPartition> paused = consumer.paused();
    if (!paused.isEmpty()) {
      consumer.resume(paused);
    }
  }

  private void reopenQuietly(SQLException cause) {
    if (SessionStore.needsReopen(cause)) {
      try {
        store.reopen();
      } catch (SQLException e) {
        log.warn("{}: reopening {} failed: {}", name(), cfg.dbPath(), DeadLetters.reasonOf(e));
      }
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      log.debug("close failed", e);
    }
  }

  /** Records of partitions taken away are dropped from the unwritten batch; their new owner consumes them. */
  private final class Revocations implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      drop(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      drop(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}

    private void drop(Collection<TopicPartition> partitions) {
      if (!partitions.isEmpty()) {
        pending.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
      }
    }
  }
}
