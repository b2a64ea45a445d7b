package dev.whodrove.runtime;

import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/** What a service gets from its host: its name, its config and its metrics registry. */
public record ServiceContext(String serviceName, ServiceConfig config, PrometheusMeterRegistry metrics) {

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
    return new ServiceContext(serviceName, config, registry);
  }
}
