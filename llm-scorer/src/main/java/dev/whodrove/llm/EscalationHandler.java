package dev.whodrove.llm;

import dev.whodrove.runtime.BatchHandler;
import dev.whodrove.runtime.Errors;
import dev.whodrove.runtime.TransientFailure;
import dev.whodrove.runtime.WorkerBatch;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.serde.ProtobufSerde;
import dev.whodrove.schemas.v1.Escalation;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores one batch of {@code session.escalations}: each escalation at most once per (session, escalation version),
 * the model calls of a batch in parallel, then — in the worker's one transaction — the label-only verdicts on
 * {@code session.labels}, the completed-escalation markers and the dead letters.
 *
 * <p>When the daily call cap is reached, the first escalation of a partition that would need a call and everything
 * after it are held back uncommitted, and input pauses until the next UTC day gives the cap room again.
 *
 * <p>When the model cannot answer now (timeouts, 5xx, 429 or I/O after the client's own retries, refused
 * credentials), nothing of the batch is published: the first such escalation is a {@link TransientFailure} of its
 * record, retried by the worker with backoff within the retry budget (the other escalations of the batch are asked
 * again with it). Once the budget is spent the escalation gets its error verdict and a dead letter
 * ({@link #retriesExhausted}).
 */
final class EscalationHandler implements BatchHandler {
  private static final Logger log = LoggerFactory.getLogger(EscalationHandler.class);
  private static final String LABELS = Topics.SESSION_LABELS.name();

  private final LlmConfig config;
  private final EscalationScorer scorer;
  private final CompletedLog completed;
  private final DailyCallCap cap;
  private final ExecutorService calls;
  private final LlmMetrics metrics;
  private final Clock clock;
  private final ProtobufSerde<Escalation> escalations;
  private final ProtobufSerde<SessionVerdict> verdicts;

  EscalationHandler(LlmConfig config, EscalationScorer scorer, CompletedLog completed, DailyCallCap cap,
      ExecutorService calls, LlmMetrics metrics, Clock clock, ProtobufSerde<Escalation> escalations,
      ProtobufSerde<SessionVerdict> verdicts) {
    this.config = config;
    this.scorer = scorer;
    this.completed = completed;
    this.cap = cap;
    this.calls = calls;
    this.metrics = metrics;
    this.clock = clock;
    this.escalations = escalations;
    this.verdicts = verdicts;
  }

  /** One escalation of the batch, in input order: a pending score, a duplicate (no outcome) or a dead letter. */
  private record Work(ConsumerRecord<byte[], byte[]> record, String key, Future<EscalationScorer.Outcome> outcome,
      String deadLetterReason, Throwable error) {}

  @Override
  public void handle(WorkerBatch batch) throws InterruptedException {
    List<ConsumerRecord<byte[], byte[]>> records = batch.records();
    List<Work> work = new ArrayList<>();
    Set<String> batchKeys = new HashSet<>();
    Set<TopicPartition> blocked = new HashSet<>();
    for (int i = 0; i < records.size(); i++) {
      ConsumerRecord<byte[], byte[]> r = records.get(i);
      TopicPartition tp = new TopicPartition(r.topic(), r.partition());
      if (blocked.contains(tp)) {
        continue;
      }
      Escalation esc;
      try {
        esc = escalations.deserialize(r.topic(), r.value());
        if (esc == null || esc.getSessionId().isEmpty()) {
          throw new IllegalArgumentException("escalation without session_id");
        }
      } catch (RuntimeException e) {
        metrics.error("bad_input");
        work.add(new Work(r, null, null, "undecodable escalation: " + Errors.oneLine(e), e));
        continue;
      }
      String key = CompletedLog.key(esc.getSessionId(), esc.getEscalationVersion());
      if (completed.contains(key) || !batchKeys.add(key)) {
        work.add(new Work(r, key, null, null, null));
        continue;
      }
      if (!cap.tryAcquire()) {
        batchKeys.remove(key);
        batch.holdFrom(i);
        blocked.add(tp);
        continue;
      }
      work.add(new Work(r, key, calls.submit(() -> scorer.score(esc)), null, null));
    }
    if (!blocked.isEmpty()) {
      waitForBudget(batch);
    }
    publish(batch, work);
  }

  /** After this batch, fetch nothing until the cap has room (the next UTC day). */
  private void waitForBudget(WorkerBatch batch) {
    if (metrics.waitingForBudget.getAndSet(1) == 0) {
      log.warn("daily model call cap of {} reached; escalations wait until the next UTC day",
          config.dailyCallCap());
    }
    batch.pauseUntil(() -> {
      metrics.callsToday.set(cap.usedToday());
      if (!cap.hasRoom()) {
        return false;
      }
      metrics.waitingForBudget.set(0);
      return true;
    }, "daily call cap reached, escalations wait");
  }

  private void publish(WorkerBatch batch, List<Work> work) throws InterruptedException {
    List<String> done = new ArrayList<>();
    List<Boolean> answered = new ArrayList<>();
    // the calls happened either way; if their answers are not committed they count as unanswered
    int calls = (int) work.stream().filter(w -> w.outcome != null).count();
    batch.afterAbort(() -> {
      for (int i = 0; i < calls; i++) {
        cap.release(true, false);
      }
    });
    List<EscalationScorer.Outcome> outcomes = new ArrayList<>();
    for (Work w : work) {
      outcomes.add(w.outcome == null ? null : await(w));
    }
    retryIfTheModelCouldNotAnswer(work, outcomes);
    for (int i = 0; i < work.size(); i++) {
      Work w = work.get(i);
      ConsumerRecord<byte[], byte[]> r = w.record;
      if (w.deadLetterReason != null) {
        batch.deadLetter(r, w.deadLetterReason, w.error);
        metrics.escalation("dead_letter");
        continue;
      }
      if (w.outcome == null) {
        metrics.escalation("duplicate");
        continue;
      }
      EscalationScorer.Outcome o = outcomes.get(i);
      if (o == null) {
        batch.deadLetter(r, "scoring failed unexpectedly", null);
        metrics.escalation("dead_letter");
        answered.add(false);
        continue;
      }
      String sid = o.verdict().getSessionId();
      batch.send(new ProducerRecord<>(LABELS, utf8(sid), verdicts.serialize(LABELS, o.verdict())));
      if (o.modelAnswered()) {
        batch.send(new ProducerRecord<>(config.completedTopic(), utf8(w.key),
            verdicts.serialize(config.completedTopic(), o.verdict())));
        done.add(w.key);
      }
      if (o.deadLetterReason() != null) {
        batch.deadLetter(r, o.deadLetterReason(), null);
      }
      answered.add(o.modelAnswered());
      metrics.escalation(o.status().name().toLowerCase(Locale.ROOT));
    }
    batch.afterCommit(() -> {
      long now = clock.millis();
      done.forEach(k -> completed.add(k, now));
      answered.forEach(a -> cap.release(true, a));
      metrics.callsToday.set(cap.usedToday());
    });
  }

  /** Throws for the first escalation the model could not answer now: the worker retries it, within its budget. */
  private static void retryIfTheModelCouldNotAnswer(List<Work> work, List<EscalationScorer.Outcome> outcomes) {
    for (int i = 0; i < work.size(); i++) {
      EscalationScorer.Outcome o = outcomes.get(i);
      if (o != null && o.status() == EscalationScorer.Status.RETRY) {
        ConsumerRecord<byte[], byte[]> r = work.get(i).record;
        String why = "escalation " + r.topic() + "-" + r.partition() + "@" + r.offset() + ": "
            + o.deadLetterReason();
        throw o.accessRefused() ? TransientFailure.authOf(r, why, null) : TransientFailure.ofRecord(r, why, null);
      }
    }
  }

  /**
   * The model could not answer this escalation within its retry budget: it gets its error verdict (no completion
   * marker, so a replay asks again) and a dead letter with the attempts and the last error.
   */
  @Override
  public void retriesExhausted(WorkerBatch batch, ConsumerRecord<byte[], byte[]> record, String reason,
      Throwable lastError) {
    Escalation esc;
    try {
      esc = escalations.deserialize(record.topic(), record.value());
    } catch (RuntimeException e) {
      esc = null; // it decoded before it failed; without it there is no verdict to write
    }
    if (esc != null && !esc.getSessionId().isEmpty()) {
      EscalationScorer.Outcome o = scorer.gaveUp(esc, reason);
      String sid = o.verdict().getSessionId();
      batch.send(new ProducerRecord<>(LABELS, utf8(sid), verdicts.serialize(LABELS, o.verdict())));
    }
    batch.deadLetter(record, reason, lastError);
    metrics.escalation("dead_letter");
  }

  private static EscalationScorer.Outcome await(Work w) throws InterruptedException {
    try {
      return w.outcome.get();
    } catch (ExecutionException e) {
      // the scorer turns every model problem into an outcome; this is a bug or input it could not handle
      log.error("scoring offset {} of {} failed", w.record.offset(), w.record.topic(), e.getCause());
      return null;
    }
  }

  /** Partitions arriving here: learn first what other instances completed, so nothing is scored twice. */
  @Override
  public void onAssigned(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) {
      return;
    }
    try {
      if (!completed.awaitCaughtUp(Duration.ofSeconds(30))) {
        log.warn("completed-escalations log not caught up after 30 s; a redelivered escalation may be re-scored");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
