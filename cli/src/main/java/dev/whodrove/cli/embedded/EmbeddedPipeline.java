package dev.whodrove.cli.embedded;

import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.Errors;
import dev.whodrove.runtime.MessageLimits;
import dev.whodrove.runtime.Readiness;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceFactory;
import dev.whodrove.ingest.gcp.IngestGcpService;
import dev.whodrove.runtime.ServiceHost;
import dev.whodrove.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every whodrove service in one JVM, each hosted exactly as in its own container (own config, own consumer group,
 * own health endpoints when asked), against the embedded broker or an external cluster.
 *
 * <p>What happens to a service that does not start or is not ready depends on the run ({@link Mode}): a finite run
 * ({@code demo}, {@code bench}) fails at once, a long one ({@code up}) keeps every other service running, logs which
 * service is failing and why (again every minute while it lasts) and retries starting a service that did not start.
 */
public final class EmbeddedPipeline implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedPipeline.class);

  /** Start order: sinks first, so nothing they should see is produced before they subscribe. */
  public static final List<String> SERVICE_ORDER = List.of("sqlite-sink", "siem-export", "llm-scorer", "correlator",
      "classifier", "featurizer", "recording-decoder", "ingest-gcp", "ingest-teleport");

  /** What {@link #start} does about a service that does not start, or is not ready in time. */
  public enum Mode {
    /**
     * A finite run ({@code demo}, {@code bench}): such a service fails the start (the run cannot give its answer).
     */
    FAIL_FAST,
    /**
     * A long run ({@code up}): such a service is logged with its reason, every {@link Watch#repeat()} while it lasts;
     * one that did not start is started again at that pace; every other service keeps running. A configuration
     * error ({@link ConfigException}) still fails the start.
     */
    KEEP_RUNNING
  }

  /**
   * @param readyWait how long {@link #start} waits for every service to be ready
   * @param check how often readiness is looked at after the start ({@link Mode#KEEP_RUNNING})
   * @param repeat how often a failing service is logged again, and a service that did not start is retried
   */
  public record Watch(Duration readyWait, Duration check, Duration repeat) {
    public static final Watch DEFAULT = new Watch(Duration.ofSeconds(60), Duration.ofSeconds(5), Duration.ofMinutes(1));
  }

  /** A service that did not start, to be tried again. */
  private record FailedStart(Map<String, String> config, String reason, long nextAttemptNanos) {}

  /** What was last logged about a service that is not ready. */
  private record Reported(String reason, long atNanos) {}

  private final EmbeddedKafkaBroker broker;
  private final String bootstrapServers;
  private final Map<String, ServiceHost> hosts = new LinkedHashMap<>();
  private final Map<String, FailedStart> failedStarts = new LinkedHashMap<>();
  private final Map<String, Reported> reported = new HashMap<>();
  private final long startedNanos = System.nanoTime();
  private final Watch watch;
  private volatile Map<String, String> notReady = Map.of();
  private ScheduledExecutorService watcher;
  private long readyNanos;

  private EmbeddedPipeline(EmbeddedKafkaBroker broker, String bootstrapServers, Watch watch) {
    this.broker = broker;
    this.bootstrapServers = bootstrapServers;
    this.watch = watch;
  }

  /**
   * Starts the broker (unless {@code bootstrapServers} names an external cluster) and the services, for a finite run:
   * {@link Mode#FAIL_FAST}, waiting up to 60 s for every service to be ready.
   *
   * @param common config every service gets (besides the bootstrap servers)
   * @param perService extra config per service name; a service absent from this map is not started
   */
  public static EmbeddedPipeline start(String bootstrapServers, Path workDir, Map<String, String> common,
      Map<String, Map<String, String>> perService) throws Exception {
    return start(bootstrapServers, workDir, common, perService, Mode.FAIL_FAST, Watch.DEFAULT);
  }

  /** Starts the broker (unless external) and the services; {@code mode} says what a failing service does. */
  public static EmbeddedPipeline start(String bootstrapServers, Path workDir, Map<String, String> common,
      Map<String, Map<String, String>> perService, Mode mode, Watch watch) throws Exception {
    EmbeddedKafkaBroker broker = null;
    if (bootstrapServers == null) {
      broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.persistent(workDir.resolve("kafka"), 0));
      bootstrapServers = broker.bootstrapServers();
    }
    EmbeddedPipeline p = new EmbeddedPipeline(broker, bootstrapServers, watch);
    try {
      Map<String, String> base = new HashMap<>(common);
      base.put(ServiceConfig.BOOTSTRAP_SERVERS, bootstrapServers);
      ServiceConfig baseConfig = ServiceConfig.of(base);
      MessageLimits limits = MessageLimits.from(baseConfig);
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
        Topics.ensureTopics(admin, Topics.all(), baseConfig.getInt(ServiceHost.TOPICS_PARTITIONS, 0),
            (short) baseConfig.getInt(ServiceHost.TOPICS_REPLICATION_FACTOR, 0), limits.maxMessageBytes(),
            baseConfig.getInt(ServiceHost.TOPICS_MIN_INSYNC_REPLICAS, 0), Duration.ofSeconds(30));
      }
      for (String name : SERVICE_ORDER) {
        if (!perService.containsKey(name)) {
          continue;
        }
        Map<String, String> cfg = new HashMap<>(base);
        cfg.putAll(perService.get(name));
        if (mode == Mode.FAIL_FAST) {
          p.hosts.put(name, startService(name, cfg));
          continue;
        }
        try {
          p.hosts.put(name, startService(name, cfg));
        } catch (ConfigException e) {
          throw e;
        } catch (Exception e) {
          String reason = Errors.oneLine(e);
          log.warn("{} did not start: {}; trying again every {}, the other services keep running", name, reason,
              human(watch.repeat()));
          p.failedStarts.put(name, new FailedStart(cfg, reason, System.nanoTime() + watch.repeat().toNanos()));
        }
      }
      boolean ready = p.awaitReady(watch.readyWait());
      if (!ready && mode == Mode.FAIL_FAST) {
        throw new IllegalStateException("services not ready after " + human(watch.readyWait()) + ": "
            + p.notReadyNow());
      }
      if (mode == Mode.KEEP_RUNNING) {
        p.startWatching();
      }
      return p;
    } catch (Exception | Error e) {
      p.close();
      throw e;
    }
  }

  private static ServiceHost startService(String name, Map<String, String> cfg) throws Exception {
    ServiceFactory f = ServiceFactory.named(name)
        .orElseThrow(() -> new IllegalStateException("service " + name + " is not on the class path"));
    ServiceContext ctx = ServiceContext.create(f, ServiceConfig.load(Map.of(), cfg));
    return ServiceHost.start(ctx, f.create(ctx), f.defaultHttpPort());
  }

  /** Waits until every service is ready; false when {@code timeout} passed first. */
  private boolean awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Map<String, String> waiting = notReadyNow();
      if (waiting.isEmpty()) {
        readyNanos = System.nanoTime();
        log.info("pipeline ready in {} ms", coldStartMillis());
        return true;
      }
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(100);
    }
  }

  /** The services not ready now, with why: not started, or their readiness detail. */
  private synchronized Map<String, String> notReadyNow() {
    Map<String, String> out = new LinkedHashMap<>();
    failedStarts.forEach((name, f) -> out.put(name, "did not start: " + f.reason()));
    hosts.forEach((name, h) -> {
      Readiness r = h.readiness(); // a dead service thread counts, as on /readyz
      if (!r.ready()) {
        out.put(name, r.detail());
      }
    });
    return out;
  }

  private void startWatching() {
    watcher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "pipeline-readiness");
      t.setDaemon(true);
      return t;
    });
    check();
    watcher.scheduleWithFixedDelay(this::check, watch.check().toMillis(), watch.check().toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** One look: retries due starts, logs services that are not ready (new, changed, or due again) and recoveries. */
  private synchronized void check() {
    try {
      long now = System.nanoTime();
      for (String name : new ArrayList<>(failedStarts.keySet())) {
        FailedStart f = failedStarts.get(name);
        if (now < f.nextAttemptNanos()) {
          continue;
        }
        try {
          hosts.put(name, startService(name, f.config()));
          failedStarts.remove(name);
          log.info("{} started", name);
        } catch (Exception e) {
          failedStarts.put(name, new FailedStart(f.config(), Errors.oneLine(e), now + watch.repeat().toNanos()));
        }
      }
      Map<String, String> current = notReadyNow();
      current.forEach((name, reason) -> {
        Reported last = reported.get(name);
        if (last == null || !last.reason().equals(reason) || now - last.atNanos() >= watch.repeat().toNanos()) {
          log.warn("{} is not ready: {} (the other services keep running)", name, reason);
          reported.put(name, new Reported(reason, now));
        }
      });
      for (String name : new ArrayList<>(reported.keySet())) {
        if (!current.containsKey(name)) {
          reported.remove(name);
          log.info("{} is ready again", name);
        }
      }
      notReady = Map.copyOf(current);
    } catch (RuntimeException e) {
      log.warn("readiness check failed: {}", Errors.oneLine(e));
    }
  }

  private static String human(Duration d) {
    return d.toMillis() % 60_000 == 0 ? d.toMinutes() + " min" : d.toMillis() % 1000 == 0 ? d.toSeconds() + " s"
        : d.toMillis() + " ms";
  }

  /** Services that were not ready at the last look ({@link Mode#KEEP_RUNNING}), with why. */
  public Map<String, String> notReady() {
    return notReady;
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** Broker start to every service ready, ms; -1 when they never all were during the start. */
  public long coldStartMillis() {
    return readyNanos == 0 ? -1 : (readyNanos - startedNanos) / 1_000_000;
  }

  /** Health ports of the services that serve them. */
  public synchronized Map<String, Integer> healthPorts() {
    Map<String, Integer> ports = new LinkedHashMap<>();
    hosts.forEach((n, h) -> ports.put(n, h.httpPort()));
    return ports;
  }

  /**
   * Whether the sources have handed over everything they were given: the GCP archive reader read every file and Kafka
   * acknowledged every line (Teleport sessions are awaited by their verdicts).
   */
  public synchronized boolean sourcesCaughtUp() {
    ServiceHost h = hosts.get("ingest-gcp");
    return h == null || !(h.service() instanceof IngestGcpService gcp) || gcp.archiveCaughtUp();
  }

  public synchronized ServiceHost host(String name) {
    return hosts.get(name);
  }

  /** Stops one service cleanly (as SIGTERM would); {@link #restart} brings it back with the same config. */
  public void stop(String name) {
    ServiceHost h = host(name);
    if (h != null) {
      h.close();
    }
  }

  public void restart(String name) throws Exception {
    ServiceHost old = host(name);
    old.close();
    ServiceFactory f = ServiceFactory.named(name).orElseThrow();
    ServiceContext ctx = ServiceContext.create(f, old.context().config());
    ServiceHost started = ServiceHost.start(ctx, f.create(ctx), f.defaultHttpPort());
    synchronized (this) {
      hosts.put(name, started);
    }
  }

  @Override
  public void close() {
    if (watcher != null) {
      watcher.shutdownNow();
      try {
        watcher.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // stop in reverse start order: sources first, so downstream services can finish what is in flight
    List<Map.Entry<String, ServiceHost>> started;
    synchronized (this) {
      started = new ArrayList<>(hosts.entrySet());
    }
    for (int i = started.size() - 1; i >= 0; i--) {
      try {
        started.get(i).getValue().close();
      } catch (RuntimeException e) {
        log.warn("stopping {} failed: {}", started.get(i).getKey(), e.toString());
      }
    }
    if (broker != null) {
      broker.close();
    }
  }
}
