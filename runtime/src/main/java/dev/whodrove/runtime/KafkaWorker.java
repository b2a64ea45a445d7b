package dev.whodrove.runtime;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consume → handle → commit loop of every plain-consumer service (recording-decoder, llm-scorer, sqlite-sink),
 * on one thread of its own: poll, hand the batch to a {@link BatchHandler}, commit. Two delivery modes:
 * <ul>
 *   <li><b>transactional</b> ({@link Settings#transactionalId} set): the handler's outputs, its dead letters and the
 *       input offsets commit in one Kafka transaction, so a {@code read_committed} reader sees all of a batch or
 *       none, and a crash redoes the batch;</li>
 *   <li><b>after the handler</b> (no transactional id): the handler makes its work durable itself (a database
 *       commit); the worker then waits for its dead letters to be acknowledged and commits the offsets. A crash in
 *       between redelivers the batch, which the handler must absorb (idempotent writes).</li>
 * </ul>
 * A {@link TransientFailure} rolls back to the last commit and pauses with exponential backoff: a failure blamed on
 * one record pauses its partition and counts against that record's {@link RetryBudget} (spent, the record is
 * dead-lettered and the partition moves on); a failure of the environment (the database, Kafka) pauses every
 * partition of the batch and is retried until it works, with readiness down. A fencing or authorization error, or
 * any other exception from the handler, stops the worker: readiness goes down with the reason at once, and liveness
 * after the grace period ({@link ServiceThreads}), so the process is restarted. Records of partitions revoked
 * mid-batch are dropped (their new owner reads them again).
 */
public final class KafkaWorker {
  private static final Logger log = LoggerFactory.getLogger(KafkaWorker.class);
  private static final Duration ACK_TIMEOUT = Duration.ofSeconds(30);

  /** What a service tells the worker; everything else comes from the {@code kafka.*} client properties. */
  public static final class Settings {
    private final String name;
    private final String topic;
    private final String groupId;
    private String transactionalId;
    private Duration transactionTimeout = Duration.ofMinutes(1);
    private int maxPollRecords;
    private int batchRecords = 1;
    private Duration batchWait = Duration.ZERO;
    private Duration pollWait = Duration.ofMillis(200);
    private Duration retryInitial = Duration.ofSeconds(1);
    private Duration retryMax = Duration.ofMinutes(1);
    private RetryBudget retryBudget = RetryBudget.DEFAULT;
    private final Map<String, Object> consumerDefaults = new HashMap<>();
    private final Map<String, Object> producerDefaults = new HashMap<>();

    /** @param name the service name (thread and client ids, logs) */
    public Settings(String name, String topic, String groupId) {
      this.name = name;
      this.topic = topic;
      this.groupId = groupId;
    }

    /** Makes the worker transactional (outputs and offsets in one transaction) with this id and timeout. */
    public Settings transactional(String id, Duration timeout) {
      this.transactionalId = id;
      this.transactionTimeout = timeout;
      return this;
    }

    /** {@code max.poll.records}, forced (0 = leave it to the client properties). */
    public Settings maxPollRecords(int n) {
      this.maxPollRecords = n;
      return this;
    }

    /**
     * Gathers records over several polls until {@code records} are pending or {@code wait} has passed since the
     * first; the default hands over each poll at once.
     */
    public Settings batching(int records, Duration wait) {
      this.batchRecords = records;
      this.batchWait = wait;
      this.pollWait = wait.isZero() ? pollWait : wait;
      return this;
    }

    public Settings pollWait(Duration wait) {
      this.pollWait = wait;
      return this;
    }

    public Settings retryBackoff(Duration initial, Duration max) {
      this.retryInitial = initial;
      this.retryMax = max;
      return this;
    }

    /** How long one record failing transiently is retried before it is dead-lettered. */
    public Settings retryBudget(RetryBudget budget) {
      this.retryBudget = budget;
      return this;
    }

    /** A consumer setting the {@code kafka.*} client properties may override. */
    public Settings consumerDefault(String key, Object value) {
      consumerDefaults.put(key, value);
      return this;
    }

    /** A producer setting the {@code kafka.*} client properties may override. */
    public Settings producerDefault(String key, Object value) {
      producerDefaults.put(key, value);
      return this;
    }

    boolean transactional() {
      return transactionalId != null;
    }
  }

  private final Settings settings;
  private final BatchHandler handler;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final KafkaProducer<byte[], byte[]> producer;
  private final DeadLetters deadLetters;
  private final MessageLimits limits;
  private final KafkaProbe probe;
  private final List<ClientMetrics> clientMetrics;
  private final ServiceThreads threads;
  private final Map<TopicPartition, Backoff> backoffs = new HashMap<>();
  /** The record each partition is stuck on, when a failure blamed one (worker thread only). */
  private final Map<TopicPartition, RecordRetry> recordRetries = new HashMap<>();
  /** Partitions backing off because the environment failed (worker thread only). */
  private final Set<TopicPartition> environmentFailed = new HashSet<>();
  private final List<ConsumerRecord<byte[], byte[]>> pending = new ArrayList<>();
  private final List<Future<RecordMetadata>> unacknowledged = new ArrayList<>();
  private final Counter consumed;
  private final Counter committed;
  private final Counter deadLettered;
  private final Counter retries;
  private final Counter exhaustedRecords;
  private final Counter exhaustedAuth;
  private final Timer batchDuration;
  private final AtomicLong lag = new AtomicLong();
  private final AtomicInteger retryingRecords = new AtomicInteger();

  private Thread thread;
  private volatile boolean running;
  private volatile boolean abortRequested;
  private volatile String fatal;
  private volatile String environmentRetry;
  private volatile List<RecordRetry.View> recordRetryViews = List.of();
  private volatile String paused;
  private BooleanSupplier resumeWhen;
  private boolean transactionOpen;
  private long lagAt;

  /** A worker for a service: Kafka clients from its {@code kafka.*} keys, metrics into its registry. */
  public KafkaWorker(Settings settings, BatchHandler handler, ServiceContext ctx) {
    this(settings, handler, ctx.config(), ctx.metrics(), ctx.threads());
  }

  private KafkaWorker(Settings settings, BatchHandler handler, ServiceConfig config, MeterRegistry metrics,
      ServiceThreads threads) {
    this.settings = settings;
    this.handler = handler;
    this.threads = threads;
    Map<String, Object> client = config.kafkaClientProperties();
    this.consumer = new KafkaConsumer<>(consumerProperties(settings, client), new ByteArrayDeserializer(),
        new ByteArrayDeserializer());
    this.limits = MessageLimits.from(config);
    this.producer = new KafkaProducer<>(limits.producerProperties(producerProperties(settings, client)),
        new ByteArraySerializer(), new ByteArraySerializer());
    this.deadLetters = new DeadLetters(settings.name, config.serdeProperties(), limits, metrics);
    this.probe = new KafkaProbe(config, metrics);
    this.clientMetrics = List.of(ClientMetrics.bind(metrics, consumer), ClientMetrics.bind(metrics, producer));
    consumed = metrics.counter("whodrove.worker.records.consumed");
    committed = metrics.counter("whodrove.worker.records.committed");
    deadLettered = metrics.counter("whodrove.worker.dead.letters");
    retries = metrics.counter("whodrove.worker.batch.retries");
    exhaustedRecords = Counter.builder("whodrove.worker.retries.exhausted").tag("blame", "record")
        .description("records dead-lettered after their retry budget was spent").register(metrics);
    exhaustedAuth = Counter.builder("whodrove.worker.retries.exhausted").tag("blame", "auth")
        .description("records dead-lettered after their retry budget was spent").register(metrics);
    Gauge.builder("whodrove.worker.records.retrying", retryingRecords, AtomicInteger::get)
        .description("records being retried after a failure blamed on them").register(metrics);
    batchDuration = Timer.builder("whodrove.worker.batch.duration").description("handling and committing one batch")
        .publishPercentiles(0.5, 0.99).register(metrics);
    Gauge.builder("whodrove.worker.records.lag", lag, AtomicLong::get)
        .description("records not yet consumed on the assigned partitions").register(metrics);
  }

  static Map<String, Object> consumerProperties(Settings s, Map<String, Object> client) {
    Map<String, Object> c = new HashMap<>();
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.CLIENT_ID_CONFIG, s.name + "-consumer");
    if (s.transactional()) {
      // one batch may take up to the transaction timeout; the group must not evict the member meanwhile
      c.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) s.transactionTimeout.toMillis());
    }
    c.putAll(s.consumerDefaults);
    c.putAll(client);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, s.groupId);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    if (s.maxPollRecords > 0) {
      c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, s.maxPollRecords);
    }
    return c;
  }

  static Map<String, Object> producerProperties(Settings s, Map<String, Object> client) {
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.CLIENT_ID_CONFIG, s.name + "-producer");
    p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, TransactionalProducers.RETRY_BACKOFF_MS);
    p.putAll(s.producerDefaults);
    p.putAll(client);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    if (s.transactional()) {
      p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, s.transactionalId);
      p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) s.transactionTimeout.toMillis());
    }
    return p;
  }

  /** Starts the worker thread; returns at once. */
  public void start() {
    running = true;
    thread = threads.newThread(settings.name + "-worker", false, this::run);
    thread.start();
  }

  /**
   * Ready while the thread runs, the environment does not fail, no record's access is refused and Kafka answers;
   * otherwise why not. Records being retried for their own failures are named in the detail.
   */
  public Readiness readiness() {
    String f = fatal;
    if (f != null) {
      return Readiness.notReady(f);
    }
    if (thread == null || !thread.isAlive()) {
      return Readiness.notReady("worker not running");
    }
    String env = environmentRetry;
    if (env != null) {
      return Readiness.notReady("retrying a batch: " + env);
    }
    List<RecordRetry.View> views = recordRetryViews;
    String retryNote = RecordRetry.describe(views, settings.retryBudget, System.nanoTime());
    if (views.stream().anyMatch(v -> v.blame() == TransientFailure.Blame.AUTH)) {
      return Readiness.notReady(retryNote);
    }
    Readiness k = probe.check();
    if (!k.ready()) {
      return k;
    }
    String detail = k.detail();
    String p = paused;
    if (p != null) {
      detail += "; " + p;
    }
    return Readiness.ready(retryNote.isEmpty() ? detail : detail + "; " + retryNote);
  }

  /**
   * Stops taking input and lets the batch in hand finish within {@code timeout}; past that, a handler calling
   * {@link WorkerBatch#checkAbort()} is aborted (its batch is redone by the next owner) and the thread interrupted.
   */
  public void stop(Duration timeout) {
    running = false;
    consumer.wakeup();
    Thread t = thread;
    if (t == null) {
      close(); // never started: the clients are still ours to close
    } else {
      try {
        t.join(Math.max(1, timeout.toMillis() - 1000));
        if (t.isAlive()) {
          abortRequested = true;
          t.interrupt();
          t.join(1000);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (t.isAlive()) {
        log.warn("{}: worker did not stop within {}", settings.name, timeout);
      }
    }
    probe.close();
  }

  private void run() {
    try {
      if (settings.transactional()) {
        producer.initTransactions();
      }
      consumer.subscribe(List.of(settings.topic), new Rebalance());
      long deadline = 0;
      while (running) {
        resumeDue();
        long now = System.nanoTime();
        Duration wait = pending.isEmpty() ? settings.pollWait : Duration.ofNanos(Math.max(0, deadline - now));
        ConsumerRecords<byte[], byte[]> records;
        try {
          records = consumer.poll(wait);
        } catch (WakeupException e) {
          continue; // a stop: the loop condition decides
        }
        if (!records.isEmpty()) {
          if (pending.isEmpty()) {
            deadline = System.nanoTime() + settings.batchWait.toNanos();
          }
          records.forEach(pending::add);
          consumed.increment(records.count());
        }
        updateLag();
        if (!pending.isEmpty() && (pending.size() >= settings.batchRecords || System.nanoTime() >= deadline)) {
          runBatch();
        }
      }
      if (!pending.isEmpty() && !abortRequested) {
        runBatch(); // one last attempt, no backoff: what fails now is redelivered after a restart
      }
    } catch (ProducerFencedException | InvalidProducerEpochException | OutOfOrderSequenceException
        | AuthorizationException | UnsupportedVersionException e) {
      fatal = "cannot continue: " + Errors.oneLine(e);
      log.error("{}: {}", settings.name, fatal, e);
      threads.died(Thread.currentThread().getName(), fatal);
    } catch (Exception e) {
      fatal = "worker failed: " + Errors.oneLine(e);
      log.error("{}: {}", settings.name, fatal, e);
      threads.died(Thread.currentThread().getName(), fatal);
    } finally {
      running = false;
      close();
    }
  }

  /**
   * Hands the pending records to the handler and commits; on a transient failure rolls back and backs off. A record
   * whose retry budget is spent is not handed over: records before it form the batch, then it is dead-lettered in a
   * commit of its own, and the records after it are polled again.
   */
  private void runBatch() throws Exception {
    int cut = firstExhausted();
    List<ConsumerRecord<byte[], byte[]>> records;
    BatchHandler h = handler;
    if (cut < 0) {
      records = List.copyOf(pending);
    } else if (cut > 0) {
      records = List.copyOf(pending.subList(0, cut));
    } else {
      records = List.of(pending.get(0));
      h = giveUp(pending.get(0));
    }
    rewindFrom(records.size());
    pending.clear();
    runBatch(records, h);
  }

  private void runBatch(List<ConsumerRecord<byte[], byte[]>> records, BatchHandler h) throws Exception {
    long started = System.nanoTime();
    WorkerBatch batch = new WorkerBatch(records, new Transport(), deadLetters);
    try {
      h.handle(batch);
      batch.commitRest();
      batch.rewindPositions(false).forEach(this::seekIfAssigned);
      clearRetries(batch);
      deadLettered.increment(batch.deadLettered());
      if (batch.resumeWhen() != null) {
        pauseInput(batch.resumeWhen(), batch.pauseReason());
      }
      batchDuration.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    } catch (WorkerBatch.Aborted | InterruptedException e) {
      rollBack(batch);
      running = false; // the thread ends; its interrupt has done its job
    } catch (ProducerFencedException | InvalidProducerEpochException | OutOfOrderSequenceException
        | AuthorizationException | UnsupportedVersionException e) {
      batch.aborted();
      throw e;
    } catch (TransientFailure | KafkaException e) {
      rollBack(batch);
      retries.increment();
      if (e instanceof TransientFailure t && t.blame() != TransientFailure.Blame.ENVIRONMENT
          && t.partition() != null) {
        recordFailed(t, batch);
      } else {
        environmentFailed(e, batch);
      }
    }
  }

  /** Index in {@link #pending} of the first record whose retry budget is spent, or -1. */
  private int firstExhausted() {
    if (recordRetries.isEmpty()) {
      return -1;
    }
    for (int i = 0; i < pending.size(); i++) {
      ConsumerRecord<byte[], byte[]> r = pending.get(i);
      RecordRetry rr = recordRetries.get(new TopicPartition(r.topic(), r.partition()));
      if (rr != null && rr.exhausted && rr.offset == r.offset()) {
        return i;
      }
    }
    return -1;
  }

  /** Pending records from {@code index} on are not handled now: each partition is polled again from its first. */
  private void rewindFrom(int index) {
    Map<TopicPartition, Long> at = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : pending.subList(index, pending.size())) {
      at.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::min);
    }
    at.forEach(this::seekIfAssigned);
  }

  /** The batch that dead-letters a record whose retry budget is spent, through the handler's own way of doing so. */
  private BatchHandler giveUp(ConsumerRecord<byte[], byte[]> record) {
    RecordRetry rr = recordRetries.get(new TopicPartition(record.topic(), record.partition()));
    String reason = rr.giveUpReason(settings.retryBudget);
    Counter exhausted = rr.blame == TransientFailure.Blame.AUTH ? exhaustedAuth : exhaustedRecords;
    return batch -> {
      log.warn("{}: dead-lettering {}-{}@{}: {}", settings.name, record.topic(), record.partition(),
          record.offset(), reason);
      handler.retriesExhausted(batch, record, reason, rr.lastCause);
      batch.afterCommit(exhausted::increment);
    };
  }

  /**
   * A failure blamed on one record: only its partition backs off, and the record is one attempt closer to being
   * dead-lettered. Once its budget is spent the partition is not paused: the next poll dead-letters the record.
   */
  private void recordFailed(TransientFailure t, WorkerBatch batch) {
    TopicPartition tp = t.partition();
    RecordRetry rr = recordRetries.get(tp);
    if (rr == null || rr.offset != t.offset() || rr.blame != t.blame()) {
      rr = new RecordRetry(tp, t.offset(), t.blame());
      recordRetries.put(tp, rr);
    }
    rr.failed(t);
    if (settings.retryBudget.exhausted(rr.blame, rr.attempts, rr.elapsed(System.nanoTime()))) {
      rr.exhausted = true;
      backoffs.remove(tp);
      log.warn("{}: {}@{} failed {} times ({}); its retry budget is spent, it will be dead-lettered", settings.name,
          tp, t.offset(), rr.attempts, rr.lastError);
    } else {
      Duration delay = backoffs.computeIfAbsent(tp, k -> new Backoff(settings.retryInitial))
          .schedule(settings.retryMax);
      if (consumer.assignment().contains(tp)) {
        consumer.pause(List.of(tp));
      }
      log.warn("{}: {}@{} failed (attempt {}, {}): {}; retrying its partition in {}", settings.name, tp,
          t.offset(), rr.attempts, t.blame() == TransientFailure.Blame.AUTH ? "access refused" : "its own failure",
          rr.lastError, delay);
    }
    publishRetryViews();
  }

  /** A failure of the environment: every partition of the batch backs off, retried until it works. */
  private void environmentFailed(Exception e, WorkerBatch batch) {
    environmentRetry = Errors.oneLine(e);
    List<TopicPartition> parts = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : batch.records().subList(batch.committedRecords(),
        batch.records().size())) {
      TopicPartition tp = new TopicPartition(r.topic(), r.partition());
      if (!parts.contains(tp)) {
        parts.add(tp);
      }
    }
    Duration delay = Duration.ZERO;
    for (TopicPartition tp : parts) {
      delay = backoffs.computeIfAbsent(tp, k -> new Backoff(settings.retryInitial)).schedule(settings.retryMax);
      environmentFailed.add(tp);
    }
    parts.retainAll(consumer.assignment());
    consumer.pause(parts);
    log.warn("{}: {} records not done ({}); retrying {} in {}", settings.name,
        batch.records().size() - batch.committedRecords(), environmentRetry, parts, delay);
  }

  private void rollBack(WorkerBatch batch) {
    unacknowledged.clear();
    if (transactionOpen) {
      transactionOpen = false;
      try {
        producer.abortTransaction();
      } catch (ProducerFencedException | InvalidProducerEpochException e) {
        batch.aborted();
        throw e;
      } catch (KafkaException e) {
        log.debug("abort failed", e);
      }
    }
    batch.aborted();
    batch.rewindPositions(true).forEach(this::seekIfAssigned);
  }

  private void seekIfAssigned(TopicPartition tp, long offset) {
    if (consumer.assignment().contains(tp)) {
      consumer.seek(tp, offset);
    }
  }

  /**
   * A batch went through: the partitions it committed records of start afresh, unless a record being retried lies
   * beyond what was committed (the batch stopped before it).
   */
  private void clearRetries(WorkerBatch batch) {
    if (backoffs.isEmpty() && recordRetries.isEmpty() && environmentFailed.isEmpty()) {
      return;
    }
    List<TopicPartition> done = new ArrayList<>();
    batch.committedPositions().forEach((tp, next) -> {
      RecordRetry rr = recordRetries.get(tp);
      if (rr == null || next > rr.offset) {
        done.add(tp);
      } else {
        environmentFailed.remove(tp); // it committed something: the environment works
      }
    });
    forget(done);
  }

  /** Forgets the backoff and retry state of {@code partitions} (after a success, or when they are revoked). */
  private void forget(Collection<TopicPartition> partitions) {
    boolean hadRecordRetries = !recordRetries.isEmpty();
    partitions.forEach(tp -> {
      backoffs.remove(tp);
      recordRetries.remove(tp);
      environmentFailed.remove(tp);
    });
    if (environmentFailed.isEmpty()) {
      environmentRetry = null;
    }
    if (hadRecordRetries) {
      publishRetryViews();
    }
  }

  /** What readiness shows of the records being retried; read from other threads. */
  private void publishRetryViews() {
    List<RecordRetry.View> views = new ArrayList<>();
    recordRetries.values().forEach(rr -> views.add(rr.view()));
    views.sort(java.util.Comparator.comparing(RecordRetry.View::position));
    recordRetryViews = List.copyOf(views);
    retryingRecords.set(views.size());
  }

  private void pauseInput(BooleanSupplier until, String reason) {
    resumeWhen = until;
    paused = reason;
    consumer.pause(consumer.assignment());
    log.warn("{}: input paused: {}", settings.name, reason);
  }

  private void resumeDue() {
    if (resumeWhen != null) {
      if (!resumeWhen.getAsBoolean()) {
        return;
      }
      resumeWhen = null;
      log.info("{}: input resumed (was: {})", settings.name, paused);
      paused = null;
    }
    long now = System.nanoTime();
    List<TopicPartition> due = new ArrayList<>();
    for (TopicPartition tp : consumer.paused()) {
      Backoff b = backoffs.get(tp);
      if (b == null || b.due(now)) {
        due.add(tp);
      }
    }
    if (!due.isEmpty()) {
      consumer.resume(due);
    }
  }

  private void updateLag() {
    long now = System.nanoTime();
    if (now - lagAt < TimeUnit.SECONDS.toNanos(1)) {
      return;
    }
    lagAt = now;
    long sum = 0;
    for (TopicPartition tp : consumer.assignment()) {
      OptionalLong l = consumer.currentLag(tp);
      sum += l.orElse(0);
    }
    lag.set(sum);
  }

  private void close() {
    Thread.interrupted(); // a stop's interrupt must not cut short leaving the group
    clientMetrics.forEach(ClientMetrics::close);
    try {
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    } catch (RuntimeException e) {
      log.debug("consumer close", e);
    }
    try {
      producer.close(Duration.ofSeconds(5));
    } catch (RuntimeException e) {
      log.debug("producer close", e);
    }
  }

  /** The Kafka side of a batch; every call happens on the worker thread. */
  private final class Transport implements WorkerBatch.Transport {
    @Override
    public void send(ProducerRecord<byte[], byte[]> record) {
      if (!limits.fits(record)) {
        // dead letters are cut to fit; every output of the decoder, scorer and sink is bounded by construction, so
        // this is a defect: stop with the reason rather than poison the transaction and retry it forever
        throw new IllegalStateException("a record for " + record.topic() + " of about "
            + MessageLimits.sizeUpperBound(record) + " bytes is over the record limit of " + limits.maxMessageBytes()
            + " bytes (" + MessageLimits.MAX_MESSAGE_BYTES + ")");
      }
      openTransaction();
      Future<RecordMetadata> ack = producer.send(record);
      if (!settings.transactional()) {
        unacknowledged.add(ack);
      }
    }

    @Override
    public void commit(Map<TopicPartition, OffsetAndMetadata> offsets, int records) {
      if (settings.transactional()) {
        if (offsets.isEmpty() && !transactionOpen) {
          return;
        }
        openTransaction();
        if (!offsets.isEmpty()) {
          producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
        }
        producer.commitTransaction();
        transactionOpen = false;
      } else {
        awaitAcknowledged();
        Map<TopicPartition, OffsetAndMetadata> owned = new HashMap<>(offsets);
        owned.keySet().retainAll(consumer.assignment()); // a partition moved away is its new owner's to commit
        commitSync(owned);
      }
      committed.increment(records);
    }

    /**
     * A transaction begins with the first write, not with the batch: a handler may wait a long time before writing
     * (model calls) and the transaction timeout only has to cover the writes.
     */
    private void openTransaction() {
      if (settings.transactional() && !transactionOpen) {
        producer.beginTransaction();
        transactionOpen = true;
      }
    }

    @Override
    public boolean stopRequested() {
      return !running;
    }

    @Override
    public boolean abortRequested() {
      return abortRequested;
    }
  }

  /** Sends (dead letters, outputs) must be durable before the offsets that skip their input are committed. */
  private void awaitAcknowledged() {
    try {
      for (Future<RecordMetadata> ack : unacknowledged) {
        ack.get(ACK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new WorkerBatch.Aborted();
    } catch (ExecutionException | TimeoutException e) {
      throw new TransientFailure("write not acknowledged: " + Errors.oneLine(e), e);
    } finally {
      unacknowledged.clear();
    }
  }

  private void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
    if (offsets.isEmpty()) {
      return;
    }
    for (int attempt = 0; ; attempt++) {
      try {
        consumer.commitSync(offsets);
        return;
      } catch (WakeupException e) {
        if (attempt > 0) {
          throw e;
        }
        // a stop woke the consumer; this commit still belongs to the batch just written
      } catch (CommitFailedException | RebalanceInProgressException e) {
        log.warn("{}: offset commit failed after the batch was written ({}); its records will be handled again",
            settings.name, Errors.oneLine(e));
        return;
      }
    }
  }

  /** Pending records of partitions taken away are dropped; their new owner consumes them. */
  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      drop(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      drop(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (resumeWhen != null) {
        consumer.pause(partitions);
      }
      handler.onAssigned(partitions);
    }

    private void drop(Collection<TopicPartition> partitions) {
      forget(partitions); // a new owner starts the budget afresh
      if (!partitions.isEmpty()) {
        Set<TopicPartition> gone = Set.copyOf(partitions);
        pending.removeIf(r -> gone.contains(new TopicPartition(r.topic(), r.partition())));
      }
    }
  }

  /** The record a partition is stuck on: how often and how long it failed, and the last error. */
  private static final class RecordRetry {
    /** What readiness shows; immutable. */
    record View(String position, TransientFailure.Blame blame, int attempts, long firstNanos, String lastError,
        boolean exhausted) {}

    final TopicPartition partition;
    final long offset;
    final TransientFailure.Blame blame;
    final long firstNanos = System.nanoTime();
    int attempts;
    String lastError;
    Throwable lastCause;
    boolean exhausted;

    RecordRetry(TopicPartition partition, long offset, TransientFailure.Blame blame) {
      this.partition = partition;
      this.offset = offset;
      this.blame = blame;
    }

    void failed(TransientFailure t) {
      attempts++;
      lastError = Errors.oneLine(t);
      lastCause = t.getCause() != null ? t.getCause() : t;
    }

    Duration elapsed(long now) {
      return Duration.ofNanos(now - firstNanos);
    }

    View view() {
      return new View(partition + "@" + offset, blame, attempts, firstNanos, lastError, exhausted);
    }

    /** The dead letter's reason: how many attempts over how long, against which budget, and the last error. */
    String giveUpReason(RetryBudget budget) {
      String over = Durations.text(elapsed(System.nanoTime()));
      String what = blame == TransientFailure.Blame.AUTH ? "access still refused" : "still failing";
      return what + " after " + attempts + (attempts == 1 ? " attempt" : " attempts") + " over " + over
          + " (retry budget " + budget.describe(blame) + "); last error: " + lastError;
    }

    static String describe(List<View> views, RetryBudget budget, long now) {
      List<String> parts = new ArrayList<>();
      for (View v : views) {
        String since = Durations.text(Duration.ofNanos(now - v.firstNanos));
        if (v.exhausted) {
          parts.add("giving up on " + v.position + " after " + v.attempts + " attempts: " + v.lastError);
        } else if (v.blame == TransientFailure.Blame.AUTH) {
          parts.add("access refused for " + v.position + ", retrying (attempt " + v.attempts + ", " + since
              + " of " + budget.describe(v.blame) + "): " + v.lastError);
        } else {
          parts.add("retrying " + v.position + " (attempt " + v.attempts + ", " + since + "; budget "
              + budget.describe(v.blame) + "): " + v.lastError);
        }
      }
      return String.join("; ", parts);
    }
  }

  /** Exponential backoff of one partition. */
  private static final class Backoff {
    private Duration next;
    private long dueAt;

    Backoff(Duration initial) {
      this.next = initial;
    }

    /** Schedules the next attempt; returns its delay. */
    Duration schedule(Duration max) {
      Duration delay = next;
      dueAt = System.nanoTime() + delay.toNanos();
      Duration doubled = next.multipliedBy(2);
      next = doubled.compareTo(max) > 0 ? max : doubled;
      return delay;
    }

    boolean due(long now) {
      return now - dueAt >= 0;
    }
  }
}
