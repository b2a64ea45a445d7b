package dev.whodrove.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/** Readiness of plain consumer/producer services: can we reach the cluster? Cached for a few seconds. */
public final class KafkaProbe implements AutoCloseable {
  private static final long CACHE_NANOS = TimeUnit.SECONDS.toNanos(5);
  private final Admin admin;
  private final ClientMetrics adminMetrics;
  private volatile Readiness last = Readiness.notReady("not probed yet");
  private volatile long lastAt;

  public KafkaProbe(ServiceConfig cfg) {
    this(cfg, null);
  }

  /** A probe whose admin client's metrics are bound to {@code registry} (see {@link ClientMetrics}). */
  public KafkaProbe(ServiceConfig cfg, MeterRegistry registry) {
    Map<String, Object> props = new java.util.HashMap<>(cfg.kafkaClientProperties());
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
    this.admin = Admin.create(props);
    this.adminMetrics = ClientMetrics.bind(registry, admin);
  }

  public synchronized Readiness check() {
    long now = System.nanoTime();
    if (now - lastAt < CACHE_NANOS && lastAt != 0) {
      return last;
    }
    try {
      int nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000)).nodes()
          .get(Duration.ofSeconds(3).toMillis(), TimeUnit.MILLISECONDS).size();
      last = Readiness.ready("kafka reachable (" + nodes + " brokers)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      last = Readiness.notReady("interrupted");
    } catch (Exception e) {
      last = Readiness.notReady("kafka unreachable: " + Errors.oneLine(e));
    }
    lastAt = now;
    return last;
  }

  @Override
  public void close() {
    adminMetrics.close();
    admin.close(Duration.ofSeconds(2));
  }
}
