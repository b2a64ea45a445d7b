package dev.whodrove.runtime;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * What a service gets from its host: its name, its config, its metrics registry and the watch over its long-running
 * threads (a dead one takes readiness and then liveness down, {@link ServiceThreads}).
 */
public record ServiceContext(String serviceName, ServiceConfig config, PrometheusMeterRegistry metrics,
    ServiceThreads threads) {

  /**
   * The context of the service {@code factory} makes: its name, {@code config} with the factory's deprecated key
   * spellings moved to their current keys (one warning each, see {@link ServiceConfig#withRenamedKeys}), a fresh
   * registry.
   */
  public static ServiceContext create(ServiceFactory factory, ServiceConfig config) {
    return create(factory.name(), config.withRenamedKeys(factory.name(), factory.renamedKeys()));
  }

  /** A context with a fresh registry tagged {@code service=<name>} and JVM metrics bound. */
  public static ServiceContext create(String serviceName, ServiceConfig config) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("service", serviceName);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    ServiceThreads threads = new ServiceThreads(serviceName,
        config.getDuration(ServiceThreads.LIVENESS_GRACE, ServiceThreads.DEFAULT_LIVENESS_GRACE));
    Gauge.builder("whodrove.service.threads.dead", threads, ServiceThreads::deadCount)
        .description("long-running threads of the service that died").register(registry);
    return new ServiceContext(serviceName, config, registry, threads);
  }
}
