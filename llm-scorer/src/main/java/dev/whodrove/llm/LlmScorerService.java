package dev.whodrove.llm;

import dev.whodrove.runtime.DeadLetters;
import dev.whodrove.runtime.KafkaProbe;
import dev.whodrove.runtime.ManagedService;
import dev.whodrove.runtime.Readiness;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.TransactionalProducers;
import dev.whodrove.schemas.TopicSpec;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.serde.ProtobufSerde;
import dev.whodrove.schemas.v1.Escalation;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Phase 2 as a service: consumes {@code session.escalations} (read_committed, no auto-commit), scores each escalation
 * at most once per (session, escalation version), and publishes a label-only {@link SessionVerdict} to
 * {@code session.labels}. Per polled batch, one Kafka transaction carries the verdicts, the dead letters, the
 * completed-escalation markers and the input offsets: a crash either loses the whole batch (it is redone) or none of
 * it. Model calls of a batch run in parallel, up to {@code llm.concurrency}.
 *
 * <p>When the daily call cap is reached, the first escalation that would need a call and everything after it stay
 * uncommitted: the consumer seeks back, pauses its partitions and resumes on the next UTC day.
 */
public final class LlmScorerService implements ManagedService {
  private static final Logger log = LoggerFactory.getLogger(LlmScorerService.class);
  public static final String NAME = "llm-scorer";
  private static final Duration QUEUE_DEPTH_EVERY = Duration.ofSeconds(5);

  private final ServiceContext ctx;
  private final LlmConfig config;
  private final RecordingTextSource recordings;
  private final Clock clock;
  private final ChatCompletionsClient.Sleeper sleeper;
  private final TopicSpec<SessionVerdict> completedSpec;
  private final TokenBudget budget;
  private final LlmMetrics metrics;

  private volatile boolean running;
  private volatile String fatal;
  private volatile boolean started;
  private Thread loop;
  private KafkaProbe probe;
  private CompletedLog completed;
  private DailyCallCap cap;
  private ExecutorService workers;

  public LlmScorerService(ServiceContext ctx) {
    this(ctx, new StoreRecordingTextSource(ctx.config()), Clock.systemUTC(), ChatCompletionsClient.Sleeper.REAL);
  }

  public LlmScorerService(ServiceContext ctx, RecordingTextSource recordings, Clock clock,
      ChatCompletionsClient.Sleeper sleeper) {
    this.ctx = ctx;
    this.config = LlmConfig.from(ctx.config());
    this.recordings = recordings;
    this.clock = clock;
    this.sleeper = sleeper;
    this.completedSpec = completedTopic(config.completedTopic());
    this.budget = new TokenBudget(config.tokensPerMinute(), TokenBudget.Clock.SYSTEM);
    this.metrics = new LlmMetrics(ctx.metrics(), budget);
  }

  /** The compacted completed-escalations topic (this service's own state). */
  public static TopicSpec<SessionVerdict> completedTopic(String name) {
    return new TopicSpec<>(name, "session id|escalation version", SessionVerdict.getDefaultInstance(), 6,
        "compact,delete", Duration.ofDays(30), false);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<TopicSpec<?>> ownedTopics() {
    return List.of(Topics.SESSION_LABELS, Topics.deadLetterOf(Topics.SESSION_ESCALATIONS), completedSpec);
  }

  public LlmMetrics metrics() {
    return metrics;
  }

  @Override
  public void start() {
    ServiceConfig cfg = ctx.config();
    Map<String, Object> client = cfg.kafkaClientProperties();
    probe = new KafkaProbe(cfg);
    completed = new CompletedLog(config.completedTopic(), client);
    completed.start(Duration.ofSeconds(60));
    cap = new DailyCallCap(config.dailyCallCap(), clock, completed::completedOn);
    workers = Executors.newFixedThreadPool(config.concurrency(), r -> {
      Thread t = new Thread(r, "llm-scorer-call");
      t.setDaemon(true);
      return t;
    });
    ChatCompletionsClient chat = new ChatCompletionsClient(config, budget, metrics, sleeper);
    EscalationScorer scorer = new EscalationScorer(config, chat, recordings, metrics, clock);
    Loop body = new Loop(client, scorer);
    running = true;
    loop = new Thread(body::run, "llm-scorer-loop");
    loop.start();
    started = true;
    log.info("llm-scorer consuming {} with {} ({} completed escalations known)",
        Topics.SESSION_ESCALATIONS.name(), config, completed.size());
  }

  @Override
  public Readiness readiness() {
    if (fatal != null) {
      return Readiness.notReady(fatal);
    }
    if (!started || !running) {
      return Readiness.notReady("not running");
    }
    Readiness r = probe.check();
    if (r.ready() && metrics.waitingForBudget.get() > 0) {
      return Readiness.ready(r.detail() + "; daily call cap reached, escalations wait");
    }
    return r;
  }

  @Override
  public void stop(Duration timeout) {
    running = false;
    if (loop != null) {
      try {
        loop.join(Math.max(1, timeout.toMillis() - 2000));
        if (loop.isAlive()) {
          loop.interrupt();
          loop.join(2000);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (workers != null) {
      workers.shutdownNow();
    }
    if (completed != null) {
      completed.close();
    }
    if (probe != null) {
      probe.close();
    }
    if (recordings instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        log.debug("closing the recording source", e);
      }
    }
  }

  /** One unit of a batch, in input order. */
  private record Work(ConsumerRecord<byte[], byte[]> record, String key, Future<EscalationScorer.Outcome> outcome,
      String deadLetterReason, Throwable error) {}

  /** The consumer/producer loop; every Kafka client call happens on its thread. */
  private final class Loop {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final ProtobufSerde<Escalation> escalations;
    private final ProtobufSerde<SessionVerdict> verdicts;
    private final DeadLetters deadLetters;
    private final EscalationScorer scorer;
    private final String input = Topics.SESSION_ESCALATIONS.name();
    private long nextDepthAt;

    Loop(Map<String, Object> client, EscalationScorer scorer) {
      this.scorer = scorer;
      this.escalations = Topics.SESSION_ESCALATIONS.valueSerde(client);
      this.verdicts = Topics.SESSION_LABELS.valueSerde(client);
      this.deadLetters = new DeadLetters(NAME, client);
      Map<String, Object> c = new HashMap<>(client);
      c.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
      c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
      c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      c.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      c.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(config.concurrency()));
      // a batch may wait on slow model calls: allow for the worst case plus the token-budget window
      long batchWorst = config.worstCaseCall().plusSeconds(120).toMillis();
      c.putIfAbsent(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, Long.toString(Math.max(300_000L, batchWorst)));
      this.consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      Map<String, Object> p = new HashMap<>(client);
      p.putIfAbsent(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, TransactionalProducers.RETRY_BACKOFF_MS);
      p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, NAME + "-" + UUID.randomUUID());
      p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
      p.put(ProducerConfig.ACKS_CONFIG, "all");
      this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    void run() {
      try {
        producer.initTransactions();
        consumer.subscribe(List.of(input), new Rebalance());
        while (running) {
          resumeIfBudget();
          ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(300));
          updateQueueDepth();
          if (!records.isEmpty()) {
            process(records);
          }
        }
      } catch (WakeupException e) {
        // stopping
      } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException e) {
        fatal = "cannot continue: " + DeadLetters.reasonOf(e);
        log.error("llm-scorer stopped: {}", fatal, e);
      } catch (RuntimeException e) {
        fatal = "loop failed: " + DeadLetters.reasonOf(e);
        log.error("llm-scorer loop failed", e);
      } finally {
        running = false;
        producer.close(Duration.ofSeconds(5));
        consumer.close(Duration.ofSeconds(5));
      }
    }

    private void process(ConsumerRecords<byte[], byte[]> records) {
      List<Work> work = new ArrayList<>();
      Map<TopicPartition, Long> blockedAt = new HashMap<>();
      Set<String> batchKeys = new HashSet<>();
      for (TopicPartition tp : records.partitions()) {
        for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
          Escalation esc;
          try {
            esc = escalations.deserialize(r.topic(), r.value());
            if (esc == null || esc.getSessionId().isEmpty()) {
              throw new IllegalArgumentException("escalation without session_id");
            }
          } catch (RuntimeException e) {
            metrics.error("bad_input");
            work.add(new Work(r, null, null, "undecodable escalation: " + DeadLetters.reasonOf(e), e));
            continue;
          }
          String key = CompletedLog.key(esc.getSessionId(), esc.getEscalationVersion());
          if (completed.contains(key) || !batchKeys.add(key)) {
            work.add(new Work(r, key, null, null, null));
            continue;
          }
          if (!cap.tryAcquire()) {
            batchKeys.remove(key);
            blockedAt.put(tp, r.offset());
            break;
          }
          work.add(new Work(r, key, workers.submit(() -> scorer.score(esc)), null, null));
        }
      }
      if (!blockedAt.isEmpty()) {
        waitForBudget(blockedAt);
      }
      List<EscalationScorer.Outcome> outcomes = new ArrayList<>();
      for (Work w : work) {
        outcomes.add(await(w));
      }
      publish(records, work, outcomes, blockedAt);
    }

    private EscalationScorer.Outcome await(Work w) {
      if (w.outcome == null) {
        return null;
      }
      try {
        return w.outcome.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new WakeupException();
      } catch (ExecutionException e) {
        // the scorer turns every model problem into an outcome; this is a bug or bad input it could not handle
        log.error("scoring offset {} of {} failed", w.record.offset(), w.record.topic(), e.getCause());
        return null;
      }
    }

    private void publish(ConsumerRecords<byte[], byte[]> records, List<Work> work,
        List<EscalationScorer.Outcome> outcomes, Map<TopicPartition, Long> blockedAt) {
      Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
      for (TopicPartition tp : records.partitions()) {
        List<ConsumerRecord<byte[], byte[]>> rs = records.records(tp);
        long next = blockedAt.getOrDefault(tp, rs.get(rs.size() - 1).offset() + 1);
        if (next > rs.get(0).offset()) {
          offsets.put(tp, new OffsetAndMetadata(next));
        }
      }
      List<String> done = new ArrayList<>();
      List<Boolean> answered = new ArrayList<>();
      try {
        producer.beginTransaction();
        for (int i = 0; i < work.size(); i++) {
          Work w = work.get(i);
          EscalationScorer.Outcome o = outcomes.get(i);
          ConsumerRecord<byte[], byte[]> r = w.record;
          if (w.deadLetterReason != null) {
            producer.send(deadLetter(r, w.deadLetterReason, w.error));
            metrics.escalation("dead_letter");
          } else if (w.outcome == null) {
            metrics.escalation("duplicate");
          } else if (o == null) {
            producer.send(deadLetter(r, "scoring failed unexpectedly", null));
            metrics.escalation("dead_letter");
            answered.add(false);
          } else {
            String sid = o.verdict().getSessionId();
            producer.send(new ProducerRecord<>(Topics.SESSION_LABELS.name(), utf8(sid),
                verdicts.serialize(Topics.SESSION_LABELS.name(), o.verdict())));
            if (o.modelAnswered()) {
              producer.send(new ProducerRecord<>(config.completedTopic(), utf8(w.key),
                  verdicts.serialize(config.completedTopic(), o.verdict())));
              done.add(w.key);
            }
            if (o.deadLetterReason() != null) {
              producer.send(deadLetter(r, o.deadLetterReason(), null));
            }
            answered.add(o.modelAnswered());
            metrics.escalation(o.status().name().toLowerCase(Locale.ROOT));
          }
        }
        producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
        producer.commitTransaction();
      } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException e) {
        releaseAll(answered);
        throw e;
      } catch (KafkaException e) {
        log.warn("transaction for {} escalations failed, redoing the batch: {}", work.size(), e.toString());
        metrics.error("publish");
        producer.abortTransaction();
        releaseAll(answered);
        rewind(records);
        return;
      }
      long now = clock.millis();
      done.forEach(k -> completed.add(k, now));
      answered.forEach(a -> cap.release(true, a));
      metrics.callsToday.set(cap.usedToday());
    }

    private void releaseAll(List<Boolean> answered) {
      // the calls happened but their answers were not committed; count them as unanswered
      answered.forEach(a -> cap.release(true, false));
    }

    private void rewind(ConsumerRecords<byte[], byte[]> records) {
      for (TopicPartition tp : records.partitions()) {
        consumer.seek(tp, records.records(tp).get(0).offset());
      }
    }

    private ProducerRecord<byte[], byte[]> deadLetter(ConsumerRecord<byte[], byte[]> r, String reason, Throwable e) {
      return deadLetters.forKafkaRecord(Topics.SESSION_ESCALATIONS.deadLetterTopic(), r.topic(), r.partition(),
          r.offset(), r.key(), r.value(), reason, e);
    }

    /** Leaves the blocked escalations uncommitted: seek back to them and pause input until the cap has room. */
    private void waitForBudget(Map<TopicPartition, Long> blockedAt) {
      blockedAt.forEach(consumer::seek);
      consumer.pause(consumer.assignment());
      if (metrics.waitingForBudget.getAndSet(1) == 0) {
        log.warn("daily model call cap of {} reached; escalations wait until the next UTC day",
            config.dailyCallCap());
      }
    }

    private void resumeIfBudget() {
      if (metrics.waitingForBudget.get() > 0 && cap.hasRoom()) {
        consumer.resume(consumer.paused());
        metrics.waitingForBudget.set(0);
        log.info("daily model call cap has room again; resuming");
      }
      metrics.callsToday.set(cap.usedToday());
    }

    private void updateQueueDepth() {
      long now = System.nanoTime();
      if (now < nextDepthAt) {
        return;
      }
      nextDepthAt = now + QUEUE_DEPTH_EVERY.toNanos();
      Set<TopicPartition> assigned = consumer.assignment();
      if (assigned.isEmpty()) {
        metrics.queueDepth.set(0);
        return;
      }
      try {
        Map<TopicPartition, Long> end = consumer.endOffsets(assigned, Duration.ofSeconds(2));
        long depth = 0;
        for (TopicPartition tp : assigned) {
          depth += Math.max(0, end.getOrDefault(tp, 0L) - consumer.position(tp, Duration.ofSeconds(2)));
        }
        metrics.queueDepth.set(depth);
      } catch (KafkaException e) {
        log.debug("queue depth not available: {}", e.toString());
      }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        // batches finish before poll returns, so nothing is in flight here
      }

      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
          return;
        }
        // learn what other instances completed before these partitions came here
        try {
          if (!completed.awaitCaughtUp(Duration.ofSeconds(30))) {
            log.warn("completed-escalations log not caught up after 30 s; a redelivered escalation may be re-scored");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        if (metrics.waitingForBudget.get() > 0) {
          consumer.pause(partitions);
        }
      }
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
