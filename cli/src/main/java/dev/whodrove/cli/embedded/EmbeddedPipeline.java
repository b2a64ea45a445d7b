package dev.whodrove.cli.embedded;

import dev.whodrove.kafka.embedded.EmbeddedKafkaBroker;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceFactory;
import dev.whodrove.runtime.ServiceHost;
import dev.whodrove.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every whodrove service in one JVM, each hosted exactly as in its own container (own config, own consumer group,
 * own health endpoints when asked), against the embedded broker or an external cluster.
 */
public final class EmbeddedPipeline implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedPipeline.class);

  /** Start order: sinks first, so nothing they should see is produced before they subscribe. */
  public static final List<String> SERVICE_ORDER = List.of(
      "sqlite-sink", "llm-scorer", "classifier", "featurizer", "recording-decoder", "ingest-gcp", "ingest-teleport");

  private final EmbeddedKafkaBroker broker;
  private final String bootstrapServers;
  private final Map<String, ServiceHost> hosts = new LinkedHashMap<>();
  private final long startedNanos = System.nanoTime();
  private long readyNanos;

  private EmbeddedPipeline(EmbeddedKafkaBroker broker, String bootstrapServers) {
    this.broker = broker;
    this.bootstrapServers = bootstrapServers;
  }

  /**
   * Starts the broker (unless {@code bootstrapServers} names an external cluster) and the services.
   *
   * @param common config every service gets (besides the bootstrap servers)
   * @param perService extra config per service name; a service absent from this map is not started
   */
  public static EmbeddedPipeline start(String bootstrapServers, Path workDir, Map<String, String> common,
      Map<String, Map<String, String>> perService) throws Exception {
    EmbeddedKafkaBroker broker = null;
    if (bootstrapServers == null) {
      broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.persistent(workDir.resolve("kafka"), 0));
      bootstrapServers = broker.bootstrapServers();
    }
    EmbeddedPipeline p = new EmbeddedPipeline(broker, bootstrapServers);
    try {
      Map<String, String> base = new HashMap<>(common);
      base.put(ServiceConfig.BOOTSTRAP_SERVERS, bootstrapServers);
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
        Topics.ensureTopics(admin, Topics.all(), Integer.parseInt(base.getOrDefault("topics.partitions", "0")),
            (short) 0, Duration.ofSeconds(30));
      }
      for (String name : SERVICE_ORDER) {
        if (!perService.containsKey(name)) {
          continue;
        }
        ServiceFactory f = ServiceFactory.named(name)
            .orElseThrow(() -> new IllegalStateException("service " + name + " is not on the class path"));
        Map<String, String> cfg = new HashMap<>(base);
        cfg.putAll(perService.get(name));
        ServiceContext ctx = ServiceContext.create(f, ServiceConfig.load(Map.of(), cfg));
        p.hosts.put(name, ServiceHost.start(ctx, f.create(ctx), f.defaultHttpPort()));
      }
      p.awaitReady(Duration.ofSeconds(60));
      return p;
    } catch (Exception | Error e) {
      p.close();
      throw e;
    }
  }

  private void awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<String> waiting = new ArrayList<>();
      hosts.forEach((name, h) -> {
        if (!h.service().readiness().ready()) {
          waiting.add(name + " (" + h.service().readiness().detail() + ")");
        }
      });
      if (waiting.isEmpty()) {
        readyNanos = System.nanoTime();
        log.info("pipeline ready in {} ms", coldStartMillis());
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("services not ready after " + timeout.toSeconds() + " s: " + waiting);
      }
      Thread.sleep(100);
    }
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** Broker start to every service ready, ms. */
  public long coldStartMillis() {
    return (readyNanos - startedNanos) / 1_000_000;
  }

  /** Health ports of the services that serve them. */
  public Map<String, Integer> healthPorts() {
    Map<String, Integer> ports = new LinkedHashMap<>();
    hosts.forEach((n, h) -> ports.put(n, h.httpPort()));
    return ports;
  }

  public ServiceHost host(String name) {
    return hosts.get(name);
  }

  /** Stops one service cleanly (as SIGTERM would); {@link #restart} brings it back with the same config. */
  public void stop(String name) {
    ServiceHost h = hosts.get(name);
    if (h != null) {
      h.close();
    }
  }

  public void restart(String name) throws Exception {
    ServiceHost old = hosts.get(name);
    old.close();
    ServiceFactory f = ServiceFactory.named(name).orElseThrow();
    ServiceContext ctx = ServiceContext.create(f, old.context().config());
    hosts.put(name, ServiceHost.start(ctx, f.create(ctx), f.defaultHttpPort()));
  }

  @Override
  public void close() {
    // stop in reverse start order: sources first, so downstream services can finish what is in flight
    List<String> names = new ArrayList<>(hosts.keySet());
    for (int i = names.size() - 1; i >= 0; i--) {
      try {
        hosts.get(names.get(i)).close();
      } catch (RuntimeException e) {
        log.warn("stopping {} failed: {}", names.get(i), e.toString());
      }
    }
    if (broker != null) {
      broker.close();
    }
  }
}
