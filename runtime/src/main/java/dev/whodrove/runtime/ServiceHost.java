package dev.whodrove.runtime;

import dev.whodrove.schemas.Topics;
import io.micrometer.core.instrument.Gauge;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hosts one {@link ManagedService}: creates the topics it owns (with the {@link MessageLimits} record limit), starts it, serves its health and metrics endpoints,
 * and stops it cleanly on SIGTERM/SIGINT within {@value #SHUTDOWN_TIMEOUT}. A dead service thread
 * ({@link ServiceThreads}) takes {@code /readyz} down at once and {@code /healthz} after
 * {@value ServiceThreads#LIVENESS_GRACE}.
 */
public final class ServiceHost implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServiceHost.class);

  public static final String HTTP_PREFIX = "http.";
  public static final String HTTP_HOST = "http.host";
  /** Port of the health/metrics endpoints; 0 picks a free port, -1 disables them. */
  public static final String HTTP_PORT = "http.port";
  public static final String TOPICS_CREATE = "topics.create";
  public static final String TOPICS_PARTITIONS = "topics.partitions";
  public static final String TOPICS_REPLICATION_FACTOR = "topics.replication.factor";
  /** {@code min.insync.replicas} of created topics; unset = the broker's default. */
  public static final String TOPICS_MIN_INSYNC_REPLICAS = "topics.min.insync.replicas";
  public static final String SHUTDOWN_TIMEOUT = "shutdown.timeout";
  /** Gauge: 1 while the service is ready, else 0. */
  public static final String READY_METRIC = "whodrove.service.ready";

  private final ServiceContext context;
  private final ManagedService service;
  private final HealthServer health;
  private final Duration shutdownTimeout;
  private final CountDownLatch terminated = new CountDownLatch(1);
  private volatile boolean closed;

  private ServiceHost(ServiceContext context, ManagedService service, HealthServer health, Duration shutdownTimeout) {
    this.context = context;
    this.service = service;
    this.health = health;
    this.shutdownTimeout = shutdownTimeout;
  }

  /**
   * Creates owned topics (unless {@value #TOPICS_CREATE} is false), starts the service and its endpoints.
   *
   * @param defaultHttpPort the service's conventional port, used when {@value #HTTP_PORT} is not set
   */
  public static ServiceHost start(ServiceContext ctx, ManagedService service, int defaultHttpPort) throws Exception {
    ServiceConfig cfg = ctx.config();
    Duration shutdownTimeout = cfg.getDuration(SHUTDOWN_TIMEOUT, Duration.ofSeconds(30));
    int port = cfg.getInt(HTTP_PORT, defaultHttpPort);
    MessageLimits limits = MessageLimits.from(cfg);
    if (cfg.getBoolean(TOPICS_CREATE, true) && !service.ownedTopics().isEmpty()) {
      try (Admin admin = Admin.create(cfg.kafkaClientProperties())) {
        Set<String> created = Topics.ensureTopics(admin, service.ownedTopics(), cfg.getInt(TOPICS_PARTITIONS, 0),
            (short) cfg.getInt(TOPICS_REPLICATION_FACTOR, 0), limits.maxMessageBytes(),
            cfg.getInt(TOPICS_MIN_INSYNC_REPLICAS, 0), Duration.ofSeconds(30));
        if (!created.isEmpty()) {
          log.info("{}: created topics {}", service.name(), created);
        }
      }
    }
    HealthServer health = port < 0 ? null
        : new HealthServer(cfg.get(HTTP_HOST, "0.0.0.0"), port,
            HttpEndpoint.Limits.from(cfg, HTTP_PREFIX, HttpEndpoint.Limits.defaults()),
            () -> ctx.threads().readiness(service::readiness), ctx.threads()::liveness, ctx.metrics());
    try {
      service.start();
    } catch (Exception e) {
      try {
        service.stop(Duration.ofSeconds(5)); // what it started before failing (threads, clients)
      } catch (RuntimeException stopFailure) {
        e.addSuppressed(stopFailure);
      }
      if (health != null) {
        health.close();
      }
      throw e;
    }
    // what /readyz answers, for alerting on a service that is up but cannot work
    Gauge.builder(READY_METRIC, () -> ctx.threads().readiness(service::readiness).ready() ? 1 : 0)
        .description("1 while the service is ready (what /readyz answers), else 0").register(ctx.metrics());
    log.info("{} started{}", service.name(), health == null ? "" : "; health on port " + health.port());
    return new ServiceHost(ctx, service, health, shutdownTimeout);
  }

  /** What {@code /readyz} answers: not ready while a thread of the service is dead, else the service's own. */
  public Readiness readiness() {
    return context.threads().readiness(service::readiness);
  }

  /** What {@code /healthz} answers: not alive once a thread has been dead longer than the grace period. */
  public Readiness liveness() {
    return context.threads().liveness();
  }

  /** Port of the health endpoints, or -1 when disabled. */
  public int httpPort() {
    return health == null ? -1 : health.port();
  }

  public ManagedService service() {
    return service;
  }

  public ServiceContext context() {
    return context;
  }

  /** Blocks until SIGTERM or SIGINT, then stops the service; returns when it has stopped. */
  public void awaitTermination() throws InterruptedException {
    Signals.onTermination(terminated::countDown);
    terminated.await();
    log.info("{}: termination requested, stopping (up to {})", service.name(), shutdownTimeout);
    close();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      service.stop(shutdownTimeout);
    } finally {
      if (health != null) {
        health.close();
      }
      context.metrics().close();
      terminated.countDown();
    }
    log.info("{} stopped", service.name());
  }
}
