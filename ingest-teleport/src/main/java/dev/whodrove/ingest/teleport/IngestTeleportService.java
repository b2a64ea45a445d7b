package dev.whodrove.ingest.teleport;

import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.KafkaProbe;
import dev.whodrove.runtime.KafkaWatermarkStore;
import dev.whodrove.runtime.WatermarkStore;
import dev.whodrove.runtime.ManagedService;
import dev.whodrove.runtime.MessageLimits;
import dev.whodrove.runtime.Readiness;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.schemas.TopicSpec;
import dev.whodrove.schemas.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest-teleport service: whichever Teleport sources are enabled (file backend, event-handler HTTP intake,
 * S3 notifications over SQS, Athena), all writing through one idempotent producer.
 */
public final class IngestTeleportService implements ManagedService {
  private static final Logger log = LoggerFactory.getLogger(IngestTeleportService.class);

  public static final String NAME = "ingest-teleport";
  /** Prefix of this service's own keys. */
  public static final String PREFIX = "teleport.";
  public static final String FILE_ENABLED = "teleport.file.enabled";
  public static final String HTTP_ENABLED = "teleport.http.intake.enabled";
  public static final String SQS_ENABLED = "teleport.sqs.enabled";
  public static final String ATHENA_ENABLED = "teleport.athena.enabled";
  public static final String MAX_IN_FLIGHT = "teleport.publisher.max.in.flight";
  public static final String DEDUP_WINDOW = "teleport.recordings.dedup.window";
  public static final String DEDUP_MAX = "teleport.recordings.dedup.max.entries";

  /**
   * Spellings before the {@code teleport.} prefix, accepted for one release (see
   * {@link ServiceConfig#withRenamedKeys}).
   */
  public static final Map<String, String> RENAMED_KEYS = Map.of(
      "file.", PREFIX + "file.",
      "http.intake.", PREFIX + "http.intake.",
      "sqs.", PREFIX + "sqs.",
      "athena.", PREFIX + "athena.",
      "aws.", PREFIX + "aws.",
      "publisher.", PREFIX + "publisher.",
      "recordings.", PREFIX + "recordings.");

  private final ServiceContext ctx;
  private final ServiceConfig cfg;
  private final Clock clock = Clock.systemUTC();
  private TeleportPublisher publisher;
  private KafkaProbe probe;
  private final List<AutoCloseable> sources = new ArrayList<>();
  private final Map<String, Supplier<String>> sourceErrors = new LinkedHashMap<>();

  public IngestTeleportService(ServiceContext ctx) {
    this.ctx = ctx;
    this.cfg = ctx.config();
    if (!cfg.getBoolean(FILE_ENABLED, false) && !cfg.getBoolean(HTTP_ENABLED, false)
        && !cfg.getBoolean(SQS_ENABLED, false) && !cfg.getBoolean(ATHENA_ENABLED, false)) {
      throw new ConfigException("no source enabled: set at least one of " + FILE_ENABLED + ", " + HTTP_ENABLED + ", "
          + SQS_ENABLED + ", " + ATHENA_ENABLED + " to true (" + ServiceConfig.keyToEnv(FILE_ENABLED) + ", …)");
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<TopicSpec<?>> ownedTopics() {
    return List.of(Topics.TELEPORT_AUDIT_EVENTS, Topics.TELEPORT_RECORDINGS,
        Topics.deadLetterOf(Topics.TELEPORT_AUDIT_EVENTS), Topics.deadLetterOf(Topics.TELEPORT_RECORDINGS));
  }

  /** The shared producer, built from config (also used by the backfill command). */
  public static TeleportPublisher publisher(ServiceContext ctx, Clock clock) {
    ServiceConfig cfg = ctx.config();
    return new TeleportPublisher(NAME, cfg.kafkaClientProperties(), cfg.serdeProperties(),
        cfg.getInt(MAX_IN_FLIGHT, 10_000), deduplicator(cfg, clock), ctx.metrics(), clock, MessageLimits.from(cfg));
  }

  /** The recording-reference de-duplication the config asks for. */
  static RecordingDeduplicator deduplicator(ServiceConfig cfg, Clock clock) {
    return new RecordingDeduplicator(cfg.getDuration(DEDUP_WINDOW, Duration.ofHours(1)),
        cfg.getInt(DEDUP_MAX, 100_000), clock);
  }

  /** The Athena poller the config asks for (also used by the backfill command). */
  public static AthenaPoller athenaPoller(ServiceConfig cfg, SourceOutput output, WatermarkStore store, Clock clock) {
    return new AthenaPoller(AwsClients.athena(cfg), AthenaPoller.Settings.from(cfg, clock), store, output,
        new AuditEventParser(), clock);
  }

  static KafkaWatermarkStore watermarkStore(ServiceContext ctx) {
    ServiceConfig cfg = ctx.config();
    return new KafkaWatermarkStore(cfg.kafkaClientProperties(),
        cfg.get(AthenaPoller.WATERMARK_TOPIC, AthenaPoller.DEFAULT_WATERMARK_TOPIC), ctx.metrics(),
        MessageLimits.from(cfg));
  }

  @Override
  public synchronized void start() throws Exception {
    publisher = publisher(ctx, clock);
    probe = new KafkaProbe(cfg, ctx.metrics());
    AuditEventParser parser = new AuditEventParser();
    try {
      if (cfg.getBoolean(FILE_ENABLED, false)) {
        FileBackendSource file = new FileBackendSource(cfg, publisher, parser, clock);
        file.start(ctx.threads());
        sources.add(file);
        sourceErrors.put("file", file::lastError);
        log.info("file backend tailing {}", file.logDir());
      }
      if (cfg.getBoolean(SQS_ENABLED, false)) {
        SqsNotificationSource sqs = new SqsNotificationSource(AwsClients.sqs(cfg),
            cfg.require(SqsNotificationSource.QUEUE_URL), publisher, clock,
            cfg.getInt(SqsNotificationSource.WAIT_SECONDS, 20), cfg.getInt(SqsNotificationSource.MAX_MESSAGES, 10),
            cfg.getDuration(SqsNotificationSource.ACK_TIMEOUT, Duration.ofMinutes(2)));
        sqs.start(ctx.threads());
        sources.add(sqs);
        sourceErrors.put("sqs", sqs::lastError);
      }
      if (cfg.getBoolean(ATHENA_ENABLED, false)) {
        KafkaWatermarkStore store = watermarkStore(ctx);
        AthenaPoller athena = athenaPoller(cfg, publisher, store, clock);
        athena.start(ctx.threads());
        sources.add(athena);
        sources.add(store);
        sourceErrors.put("athena", athena::lastError);
      }
      if (cfg.getBoolean(HTTP_ENABLED, false)) {
        HttpIntakeServer http = new HttpIntakeServer(cfg, publisher, parser);
        http.start();
        sources.add(0, http); // stopped first: no new requests while the rest drains
        log.info("event-handler intake on port {}", http.port());
      }
    } catch (Exception e) {
      stop(Duration.ofSeconds(5));
      throw e;
    }
  }

  @Override
  public Readiness readiness() {
    KafkaProbe p = probe;
    if (p == null) {
      return Readiness.notReady("not started");
    }
    Readiness kafka = p.check();
    if (!kafka.ready()) {
      return kafka;
    }
    List<String> failing = new ArrayList<>();
    sourceErrors.forEach((name, err) -> {
      String e = err.get();
      if (!e.isEmpty()) {
        failing.add(name + ": " + e);
      }
    });
    return failing.isEmpty() ? Readiness.ready(kafka.detail() + "; sources " + sourceErrors.keySet())
        : Readiness.notReady(String.join("; ", failing));
  }

  @Override
  public synchronized void stop(Duration timeout) {
    for (AutoCloseable s : sources) {
      try {
        s.close();
      } catch (Exception e) {
        log.warn("stopping {}: {}", s.getClass().getSimpleName(), e.toString());
      }
    }
    sources.clear();
    if (publisher != null) {
      publisher.close(timeout);
      publisher = null;
    }
    if (probe != null) {
      probe.close();
      probe = null;
    }
  }
}
