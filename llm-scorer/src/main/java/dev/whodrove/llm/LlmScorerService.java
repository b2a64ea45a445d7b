package dev.whodrove.llm;

import dev.whodrove.runtime.KafkaWorker;
import dev.whodrove.runtime.ManagedService;
import dev.whodrove.runtime.Readiness;
import dev.whodrove.runtime.RetryBudget;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.schemas.TopicSpec;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Phase 2 as a service: consumes {@code session.escalations}, scores each escalation at most once per (session,
 * escalation version) ({@link EscalationHandler}) and publishes a label-only {@link SessionVerdict} to
 * {@code session.labels}, on the shared {@link KafkaWorker}. Per polled batch one Kafka transaction carries the
 * verdicts, the dead letters, the completed-escalation markers and the input offsets: a crash either loses the whole
 * batch (it is redone) or none of it. Model calls of a batch run in parallel, up to {@code llm.concurrency}.
 */
public final class LlmScorerService implements ManagedService {
  private static final Logger log = LoggerFactory.getLogger(LlmScorerService.class);
  public static final String NAME = "llm-scorer";
  /**
   * Retries of an escalation the model could not answer: {@code …initial} and {@code …max} backoff, and the budget
   * ({@code …max.attempts}, {@code …max.elapsed}, {@code …auth.max.elapsed}, see {@link RetryBudget}).
   */
  public static final String RETRY_PREFIX = "llm.escalation.retry.";

  private final ServiceContext ctx;
  private final LlmConfig config;
  private final RecordingTextSource recordings;
  private final Clock clock;
  private final ChatCompletionsClient.Sleeper sleeper;
  private final TopicSpec<SessionVerdict> completedSpec;
  private final TokenBudget budget;
  private final LlmMetrics metrics;

  private CompletedLog completed;
  private ExecutorService calls;
  private KafkaWorker worker;

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
    this.completedSpec = Topics.llmCompleted(config.completedTopic());
    this.budget = new TokenBudget(config.tokensPerMinute(), TokenBudget.Clock.SYSTEM);
    this.metrics = new LlmMetrics(ctx.metrics(), budget);
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
    Map<String, Object> client = ctx.config().kafkaClientProperties();
    Map<String, Object> serdeConfig = ctx.config().serdeProperties();
    completed = new CompletedLog(config.completedTopic(), client, ctx.metrics());
    completed.start(Duration.ofSeconds(60), ctx.threads());
    DailyCallCap cap = new DailyCallCap(config.dailyCallCap(), clock, completed::completedOn);
    calls = Executors.newFixedThreadPool(config.concurrency(), r -> {
      Thread t = new Thread(r, "llm-scorer-call");
      t.setDaemon(true);
      return t;
    });
    ChatCompletionsClient chat = new ChatCompletionsClient(config, budget, metrics, sleeper);
    EscalationScorer scorer = new EscalationScorer(config, chat, recordings, metrics, clock);
    EscalationHandler handler = new EscalationHandler(config, scorer, completed, cap, calls, metrics, clock,
        Topics.SESSION_ESCALATIONS.valueSerde(serdeConfig), Topics.SESSION_LABELS.valueSerde(serdeConfig));
    // a batch may wait on slow model calls: allow for the worst case plus the token-budget window
    int batchWorst = (int) Math.max(300_000L, config.worstCaseCall().plusSeconds(120).toMillis());
    KafkaWorker.Settings settings = new KafkaWorker.Settings(NAME, Topics.SESSION_ESCALATIONS.name(),
        config.groupId())
        .transactional(NAME + "-" + UUID.randomUUID(), Duration.ofMinutes(1))
        .consumerDefault(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.concurrency())
        .consumerDefault(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, batchWorst)
        .pollWait(Duration.ofMillis(300))
        .retryBackoff(ctx.config().getDuration(RETRY_PREFIX + "initial", Duration.ofSeconds(1)),
            ctx.config().getDuration(RETRY_PREFIX + "max", Duration.ofMinutes(1)))
        .retryBudget(RetryBudget.from(ctx.config(), RETRY_PREFIX));
    worker = new KafkaWorker(settings, handler, ctx);
    worker.start();
    log.info("llm-scorer consuming {} with {} ({} completed escalations known)",
        Topics.SESSION_ESCALATIONS.name(), config, completed.size());
  }

  @Override
  public Readiness readiness() {
    return worker == null ? Readiness.notReady("not running") : worker.readiness();
  }

  @Override
  public void stop(Duration timeout) {
    if (worker != null) {
      worker.stop(timeout);
    }
    if (calls != null) {
      calls.shutdownNow();
    }
    if (completed != null) {
      completed.close();
    }
    if (recordings instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        log.debug("closing the recording source", e);
      }
    }
  }
}
