package dev.whodrove.ingest.gcp;

import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.Errors;
import dev.whodrove.ingest.gcp.bigquery.BigQueryAuditSource;
import dev.whodrove.ingest.gcp.bigquery.BigQueryClients;
import dev.whodrove.ingest.gcp.bigquery.BigQuerySettings;
import dev.whodrove.runtime.HttpEndpoint;
import dev.whodrove.runtime.KafkaWatermarkStore;
import dev.whodrove.runtime.KafkaProbe;
import dev.whodrove.runtime.ManagedService;
import dev.whodrove.runtime.MessageLimits;
import dev.whodrove.runtime.Readiness;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.StreamsService;
import dev.whodrove.schemas.TopicSpec;
import dev.whodrove.schemas.Topics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ingest-gcp: Cloud Audit Log entries from a Pub/Sub subscription (streaming pull), a Pub/Sub push endpoint,
 * JSON-lines archives and a log sink's BigQuery dataset into {@code gcp.audit.entries}. Each source is enabled by its
 * own config key; see README.
 */
public final class IngestGcpService implements ManagedService {
  private static final Logger log = LoggerFactory.getLogger(IngestGcpService.class);

  /** Prefix of this service's own keys. */
  public static final String PREFIX = "gcp.";
  public static final String PUBSUB_SUBSCRIPTION = "gcp.pubsub.subscription";
  public static final String PUBSUB_ENDPOINT = "gcp.pubsub.endpoint";
  public static final String PUBSUB_PLAINTEXT = "gcp.pubsub.endpoint.plaintext";
  public static final String PUBSUB_CREDENTIALS_FILE = "gcp.pubsub.credentials.file";
  public static final String PUBSUB_MAX_MESSAGES = "gcp.pubsub.max.outstanding.messages";
  public static final String PUBSUB_MAX_BYTES = "gcp.pubsub.max.outstanding.bytes";
  public static final String PUBSUB_PARALLEL_PULLS = "gcp.pubsub.parallel.pulls";
  public static final String PUBSUB_THREADS = "gcp.pubsub.executor.threads";
  public static final String PUSH_PREFIX = "gcp.push.";
  public static final String PUSH_PORT = "gcp.push.port";
  public static final String PUSH_HOST = "gcp.push.host";
  public static final String PUSH_PATH = "gcp.push.path";
  public static final String PUSH_TOKEN = "gcp.push.token";
  public static final String PUSH_ACK_TIMEOUT = "gcp.push.ack.timeout";
  public static final String PUSH_THREADS = "gcp.push.threads";
  public static final String PUSH_OIDC_AUDIENCE = PushAuthenticator.AUDIENCE;
  public static final String PUSH_OIDC_EMAIL = PushAuthenticator.EMAIL;
  public static final String PUSH_OIDC_CERTS_URL = PushAuthenticator.CERTS_URL;
  public static final String PUSH_INSECURE = PushAuthenticator.INSECURE;
  public static final String PUSH_MAX_BODY_BYTES = PUSH_PREFIX + HttpEndpoint.MAX_BODY_BYTES_KEY;
  public static final String PUSH_HEADER_TIMEOUT = PUSH_PREFIX + HttpEndpoint.HEADER_TIMEOUT_KEY;
  public static final String PUSH_BODY_TIMEOUT = PUSH_PREFIX + HttpEndpoint.BODY_TIMEOUT_KEY;
  public static final String ARCHIVE_PATHS = "gcp.archive.paths";
  public static final String ARCHIVE_STATE_FILE = "gcp.archive.state.file";
  public static final String ARCHIVE_MODE = "gcp.archive.mode";
  public static final String ARCHIVE_POLL_INTERVAL = "gcp.archive.poll.interval";
  public static final String ARCHIVE_MAX_IN_FLIGHT = "gcp.archive.max.in.flight";
  public static final String DEDUP_WINDOW = "gcp.dedup.window";
  public static final String DEDUP_MAX_KEYS = "gcp.dedup.max.keys";
  public static final String MAX_ENTRY_BYTES = "gcp.entry.max.bytes";

  private final ServiceContext ctx;
  private final ServiceConfig cfg;
  private final EntryPublisher publisher;
  private final KafkaProbe probe;
  private final PushAuthenticator pushAuth;
  private final PubSubPushEndpoint.Settings pushSettings;
  private final BigQuerySettings bigquerySettings;
  private PubSubPullSource pull;
  private BigQueryAuditSource bigquery;
  private KafkaWatermarkStore bigqueryWatermarks;
  private PubSubPushEndpoint push;
  private Thread archiveThread;
  private CloudStorageArchive archiveStorage;
  private volatile boolean stopping;
  private volatile ArchiveStats archiveStats = ArchiveStats.EMPTY;
  private volatile String archiveState = "not started";
  /** The last archive pass read every file to the end and Kafka acknowledged every line. */
  private volatile boolean archiveCaughtUp;
  private static final Duration ONCE_RETRY_FIRST = Duration.ofSeconds(1);
  private static final Duration ONCE_RETRY_MAX = Duration.ofSeconds(30);

  public IngestGcpService(ServiceContext ctx) {
    this.ctx = ctx;
    this.cfg = ctx.config();
    if (!cfg.has(PUBSUB_SUBSCRIPTION) && !cfg.has(PUSH_PORT) && !cfg.has(ARCHIVE_PATHS)
        && !cfg.has(BigQuerySettings.DATASET)) {
      throw new ConfigException("no source enabled: set " + PUBSUB_SUBSCRIPTION + " ("
          + ServiceConfig.keyToEnv(PUBSUB_SUBSCRIPTION) + "), " + PUSH_PORT + " (" + ServiceConfig.keyToEnv(PUSH_PORT)
          + "), " + ARCHIVE_PATHS + " (" + ServiceConfig.keyToEnv(ARCHIVE_PATHS) + ") or " + BigQuerySettings.DATASET
          + " (" + ServiceConfig.keyToEnv(BigQuerySettings.DATASET) + ")");
    }
    String mode = cfg.get(ARCHIVE_MODE, "once");
    if (!mode.equals("once") && !mode.equals("watch")) {
      throw new ConfigException("invalid config " + ARCHIVE_MODE + "=" + mode + " (" + ServiceConfig.keyToEnv(ARCHIVE_MODE)
          + "): expected once or watch");
    }
    if (cfg.has(ARCHIVE_PATHS)) {
      archiveLocations(cfg); // a gs:// location without a bucket name is a configuration error
    }
    // checked before anything starts: a bad dataset name or cap is a configuration error
    this.bigquerySettings = cfg.has(BigQuerySettings.DATASET) ? BigQuerySettings.from(cfg, Clock.systemUTC()) : null;
    var clientProps = cfg.kafkaClientProperties();
    AuditLogParser parser = parser(cfg);
    MessageLimits limits = MessageLimits.from(cfg);
    if (cfg.has(PUSH_PORT)) {
      // checked before anything starts: an endpoint nobody authenticates must be asked for explicitly
      pushAuth = PushAuthenticator.from(cfg);
      pushSettings = pushSettings(cfg, parser, pushAuth);
    } else {
      pushAuth = null;
      pushSettings = null;
    }
    this.publisher = publisher(ctx.serviceName(), cfg, parser,
        new KafkaRecordSender(clientProps, ctx.serviceName(), ctx.metrics(), limits), ctx.metrics());
    this.probe = new KafkaProbe(cfg, ctx.metrics());
    FunctionCounter.builder("whodrove.ingest.gcp.archive.lines", this, s -> s.archiveStats.lines())
        .description("archive lines read since start").register(ctx.metrics());
  }

  /** The LogEntry parser the config asks for. */
  public static AuditLogParser parser(ServiceConfig cfg) {
    return new AuditLogParser(cfg.getInt(MAX_ENTRY_BYTES, AuditLogParser.DEFAULT_MAX_ENTRY_BYTES));
  }

  /** The publisher the config asks for, writing through {@code sender}. */
  public static EntryPublisher publisher(String serviceName, ServiceConfig cfg, AuditLogParser parser, RecordSender sender,
      MeterRegistry metrics) {
    return new EntryPublisher(serviceName, parser, sender, cfg.serdeProperties(),
        cfg.getDuration(DEDUP_WINDOW, Duration.ofMinutes(10)), cfg.getInt(DEDUP_MAX_KEYS, 250_000), metrics,
        MessageLimits.from(cfg));
  }

  @Override
  public String name() {
    return ctx.serviceName();
  }

  @Override
  public List<TopicSpec<?>> ownedTopics() {
    return List.of(Topics.GCP_AUDIT_ENTRIES, Topics.deadLetterOf(Topics.GCP_AUDIT_ENTRIES));
  }

  @Override
  public void start() throws Exception {
    if (pushSettings != null) {
      if (!pushAuth.authenticates()) {
        log.warn("the Pub/Sub push endpoint accepts unauthenticated requests ({}=true) on {}:{}", PUSH_INSECURE,
            pushSettings.host(), pushSettings.port());
      }
      push = new PubSubPushEndpoint(publisher, pushSettings, pushAuth, ctx.metrics());
      push.start();
    }
    if (cfg.has(PUBSUB_SUBSCRIPTION)) {
      pull = new PubSubPullSource(publisher, new PubSubPullSource.Settings(cfg.require(PUBSUB_SUBSCRIPTION),
          cfg.get(PUBSUB_ENDPOINT, null), cfg.getBoolean(PUBSUB_PLAINTEXT, false),
          cfg.get(PUBSUB_CREDENTIALS_FILE, null), cfg.getLong(PUBSUB_MAX_MESSAGES, 1000),
          cfg.getLong(PUBSUB_MAX_BYTES, 100L << 20), cfg.getInt(PUBSUB_PARALLEL_PULLS, 1),
          cfg.getInt(PUBSUB_THREADS, 2)));
      pull.start();
    }
    if (cfg.has(ARCHIVE_PATHS)) {
      startArchive();
    }
    if (bigquerySettings != null) {
      bigqueryWatermarks = new KafkaWatermarkStore(cfg.kafkaClientProperties(), bigquerySettings.watermarkTopic(),
          ctx.metrics(), MessageLimits.from(cfg));
      bigquery = new BigQueryAuditSource(BigQueryClients.create(bigquerySettings), bigquerySettings,
          bigqueryWatermarks, publisher, Clock.systemUTC());
      bigquery.start(ctx.threads());
      log.info("reading {} from BigQuery dataset {}.{}", bigquerySettings.tables(), bigquerySettings.datasetProject(),
          bigquerySettings.dataset());
    }
  }

  /** The BigQuery source, or null when it is not configured (tests). */
  public BigQueryAuditSource bigquery() {
    return bigquery;
  }

  /**
   * The push endpoint's settings. It binds all interfaces by default (Pub/Sub reaches it from outside; containers),
   * which is safe because it then authenticates every request; an insecure endpoint binds loopback unless
   * {@value #PUSH_HOST} says otherwise. The body limit is at least what the largest accepted entry needs in base64.
   */
  static PubSubPushEndpoint.Settings pushSettings(ServiceConfig cfg, AuditLogParser parser, PushAuthenticator auth) {
    long entryInBase64 = (long) parser.maxEntryBytes() / 3 * 4 + 64 * 1024;
    HttpEndpoint.Limits defaults = HttpEndpoint.Limits.defaults();
    defaults = new HttpEndpoint.Limits(Math.min(Integer.MAX_VALUE - 8, Math.max(defaults.maxBodyBytes(), entryInBase64)),
        defaults.headerTimeout(), defaults.bodyTimeout(), defaults.maxConnections());
    return new PubSubPushEndpoint.Settings(cfg.get(PUSH_HOST, auth.authenticates() ? "0.0.0.0" : "127.0.0.1"),
        cfg.getInt(PUSH_PORT, 8085), cfg.get(PUSH_PATH, "/pubsub/push"),
        cfg.getDuration(PUSH_ACK_TIMEOUT, Duration.ofSeconds(30)), cfg.getInt(PUSH_THREADS, 8),
        HttpEndpoint.Limits.from(cfg, PUSH_PREFIX, defaults));
  }

  /** The locations of {@value #ARCHIVE_PATHS}: local files or directories, and {@code gs://bucket/prefix}. */
  public static List<String> archiveLocations(ServiceConfig cfg) {
    List<String> out = new ArrayList<>();
    for (String p : cfg.require(ARCHIVE_PATHS).split(",")) {
      if (p.isBlank()) {
        continue;
      }
      String l = p.trim();
      if (CloudStorageArchive.Prefix.isUri(l)) {
        try {
          CloudStorageArchive.Prefix.parse(l);
        } catch (IllegalArgumentException e) {
          throw new ConfigException("invalid config " + ARCHIVE_PATHS + " (" + ServiceConfig.keyToEnv(ARCHIVE_PATHS)
              + "): " + e.getMessage());
        }
      }
      out.add(l);
    }
    return out;
  }

  private void startArchive() {
    List<String> paths = archiveLocations(cfg);
    String stateDir = cfg.get(StreamsService.STATE_DIR, null);
    String stateFile = cfg.get(ARCHIVE_STATE_FILE,
        stateDir == null ? null : Path.of(stateDir, "ingest-gcp.archive-state").toString());
    JsonlArchiveSource archive = new JsonlArchiveSource(publisher, stateFile == null ? null : Path.of(stateFile),
        cfg.getInt(ARCHIVE_MAX_IN_FLIGHT, 10_000));
    archive.stopWhen(() -> stopping);
    if (paths.stream().anyMatch(CloudStorageArchive.Prefix::isUri)) {
      archiveStorage = CloudStorageArchive.from(cfg);
      archive.cloudStorage(archiveStorage);
    }
    boolean watch = cfg.get(ARCHIVE_MODE, "once").equals("watch");
    if (watch) {
      archive.watching(); // files may still be being written: half-written last lines wait
    }
    Duration poll = cfg.getDuration(ARCHIVE_POLL_INTERVAL, Duration.ofSeconds(60));
    archiveThread = ctx.threads().newThread("gcp-archive", true, () -> {
      Duration retry = ONCE_RETRY_FIRST;
      do {
        if (!archiveState.startsWith("retrying")) {
          archiveState = "reading";
        }
        boolean complete = false;
        try {
          ArchiveStats pass = archive.ingestLocations(paths);
          archiveStats = archiveStats.plus(pass);
          if (pass.lines() > 0 || !watch) {
            log.info("archive pass: {}", pass);
          }
          String fileError = archive.lastFileError();
          complete = pass.failed() == 0 && fileError.isEmpty();
          archiveState = complete ? (watch ? "watching" : "done")
              : "retrying: " + (pass.failed() > 0 ? pass.failed() + " lines not written" : "")
                  + (fileError.isEmpty() ? "" : (pass.failed() > 0 ? "; " : "") + "a file failed: " + fileError);
        } catch (Exception e) {
          archiveState = "retrying: " + Errors.oneLine(e);
          log.warn("archive pass failed: {}", Errors.oneLine(e));
          ctx.metrics().counter("whodrove.ingest.gcp.archive.errors").increment();
        }
        archiveCaughtUp = complete;
        if (!watch && complete) {
          break;
        }
        // once mode is not done until every line is in Kafka: a pass that left lines unwritten (the producer gave up
        // on a batch) is repeated, reading only the files not completed; copies are absorbed by the de-dup window
        Duration pause = watch && complete ? poll : min(retry, poll);
        retry = min(retry.multipliedBy(2), ONCE_RETRY_MAX);
        try {
          TimeUnit.MILLISECONDS.sleep(pause.toMillis());
        } catch (InterruptedException e) {
          break;
        }
      } while (!stopping);
    });
    archiveThread.start();
  }

  /** Totals of the archive passes so far. */
  public ArchiveStats archiveStats() {
    return archiveStats;
  }

  /** The bound push port, or -1 when push is disabled. */
  public int pushPort() {
    return push == null ? -1 : push.port();
  }

  @Override
  public Readiness readiness() {
    Readiness kafka = probe.check();
    if (!kafka.ready()) {
      return kafka;
    }
    if (pull != null && !pull.running()) {
      return Readiness.notReady("Pub/Sub subscriber " + pull.state());
    }
    if (bigquery != null && !bigquery.lastError().isEmpty()) {
      return Readiness.notReady("BigQuery " + bigquery.lastError());
    }
    StringBuilder detail = new StringBuilder(kafka.detail());
    if (pull != null) {
      detail.append("; pulling");
    }
    if (push != null) {
      detail.append("; push on ").append(push.port());
    }
    if (archiveThread != null) {
      detail.append("; archive ").append(archiveState);
    }
    if (bigquery != null) {
      detail.append("; BigQuery ").append(bigquery.state());
    }
    return Readiness.ready(detail.toString());
  }

  @Override
  public void stop(Duration timeout) {
    stopping = true;
    long deadline = System.nanoTime() + timeout.toNanos();
    // sources first, while the producer can still acknowledge what they handed over
    if (push != null) {
      push.close();
    }
    if (pull != null) {
      pull.close(remaining(deadline));
    }
    if (bigquery != null) {
      bigquery.close();
      bigqueryWatermarks.close();
    }
    if (archiveThread != null) {
      archiveThread.interrupt();
      try {
        archiveThread.join(remaining(deadline).toMillis() + 1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (archiveStorage != null) {
      archiveStorage.close();
    }
    publisher.close();
    probe.close();
  }

  /**
   * Whether the archive reader has caught up: its last finished pass read every configured file to the end and every
   * line was acknowledged (false until then, and after a pass that is being retried; true without an archive).
   */
  public boolean archiveCaughtUp() {
    return archiveThread == null || archiveCaughtUp;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static Duration remaining(long deadlineNanos) {
    return Duration.ofNanos(Math.max(1_000_000, deadlineNanos - System.nanoTime()));
  }
}
