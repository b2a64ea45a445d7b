package dev.whodrove.runtime;

import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * How a service module makes itself known: one implementation per service, registered in
 * {@code META-INF/services/dev.whodrove.runtime.ServiceFactory}. The container entry point and {@code whodrove run}
 * find services through it.
 */
public interface ServiceFactory {
  /** Service name, the module name (e.g. {@code recording-decoder}). */
  String name();

  /** Conventional port of its health/metrics endpoints. */
  int defaultHttpPort();

  /** Builds the service from its context (config and metrics). */
  ManagedService create(ServiceContext ctx);

  /** Every service on the class path. */
  static List<ServiceFactory> all() {
    return ServiceLoader.load(ServiceFactory.class).stream().map(ServiceLoader.Provider::get)
        .sorted(java.util.Comparator.comparing(ServiceFactory::name)).collect(Collectors.toList());
  }

  static Optional<ServiceFactory> named(String name) {
    return all().stream().filter(f -> f.name().equals(name)).findFirst();
  }
}
