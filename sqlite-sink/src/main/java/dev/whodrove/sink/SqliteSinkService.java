package dev.whodrove.sink;

import dev.whodrove.runtime.KafkaWorker;
import dev.whodrove.runtime.ManagedService;
import dev.whodrove.runtime.Readiness;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.schemas.TopicSpec;
import dev.whodrove.schemas.Topics;
import dev.whodrove.schemas.v1.SessionVerdict;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Materializes {@code session.labels} into {@code sessions.sqlite} ({@link VerdictBatchHandler}) on the shared
 * {@link KafkaWorker}. Records are gathered into batches bounded by size and time; each batch is one SQLite
 * transaction, and the batch's offsets are committed to Kafka only after that transaction commits and its dead
 * letters are acknowledged. A crash between the two redelivers the batch, which the idempotent upserts absorb. One
 * writer per database file.
 */
public final class SqliteSinkService implements ManagedService {
  private static final Logger log = LoggerFactory.getLogger(SqliteSinkService.class);

  private final ServiceContext ctx;
  private final SinkConfig cfg;
  private final VerdictBatchHandler.BatchHook hook;
  private final TopicSpec<SessionVerdict> input;
  private SessionDatabase store;
  private KafkaWorker worker;

  public SqliteSinkService(ServiceContext ctx) {
    this(ctx, VerdictBatchHandler.BatchHook.NONE);
  }

  SqliteSinkService(ServiceContext ctx, VerdictBatchHandler.BatchHook hook) {
    this.ctx = ctx;
    this.cfg = SinkConfig.from(ctx.config());
    this.hook = hook;
    this.input = Topics.sessionLabelsNamed(cfg.topic());
  }

  @Override
  public String name() {
    return ctx.serviceName();
  }

  @Override
  public List<TopicSpec<?>> ownedTopics() {
    return List.of(Topics.deadLetterOf(input));
  }

  public SinkConfig config() {
    return cfg;
  }

  @Override
  public void start() throws SQLException {
    store = SessionDatabase.open(cfg.dbPath(), cfg.storeOptions());
    VerdictBatchHandler handler = new VerdictBatchHandler(store,
        input.valueSerde(ctx.config().serdeProperties()), hook, ctx.metrics());
    KafkaWorker.Settings settings = new KafkaWorker.Settings(name(), input.name(), cfg.groupId())
        .maxPollRecords(cfg.batchSize())
        .batching(cfg.batchSize(), cfg.batchMaxWait())
        .retryBackoff(cfg.retryBackoffInitial(), cfg.retryBackoffMax());
    worker = new KafkaWorker(settings, handler, ctx);
    worker.start();
    log.info("{}: consuming {} (group {}) into {}", name(), input.name(), cfg.groupId(), cfg.dbPath());
  }

  @Override
  public Readiness readiness() {
    if (worker == null) {
      return Readiness.notReady("not started");
    }
    Readiness r = worker.readiness();
    return r.ready() ? Readiness.ready("writing " + input.name() + " into " + cfg.dbPath()) : r;
  }

  @Override
  public void stop(Duration timeout) {
    if (worker != null) {
      worker.stop(timeout);
    }
    if (store != null) {
      try {
        store.close();
      } catch (Exception e) {
        log.debug("closing {}", cfg.dbPath(), e);
      }
    }
  }
}
