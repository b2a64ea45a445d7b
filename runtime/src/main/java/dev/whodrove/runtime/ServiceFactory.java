package dev.whodrove.runtime;

import java.util.List;
import java.util.Map;
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

  /**
   * Prefix of the config keys this service owns ({@code decoder.}, {@code sink.}, …; no hyphen, so that environment
   * variables map onto it), ending in {@code .}. Every other key it reads is shared
   * ({@link ServiceConfig#isSharedKey}).
   * {@code whodrove up} routes a key with this prefix to this service.
   */
  default String keyPrefix() {
    return name() + ".";
  }

  /**
   * Old spellings of this service's config keys, accepted for one release: old key → new key, or old prefix (ending
   * in {@code .}) → new prefix; see {@link ServiceConfig#withRenamedKeys}. Applied by
   * {@link ServiceContext#create(ServiceFactory, ServiceConfig)} before {@link #create} reads the config.
   */
  default Map<String, String> renamedKeys() {
    return Map.of();
  }

  /** Builds the service from its context (config and metrics). */
  ManagedService create(ServiceContext ctx);

  /**
   * For a service that reads outside Kafka: how its dead letters re-enter the pipeline through its own parser and
   * publisher ({@code whodrove dlq replay}), configured from {@code config} as the service would be and writing with
   * {@code producer}, which stays the caller's (null: {@link DeadLetterReentry#route} only). Empty for services whose
   * input is a Kafka topic: their dead letters go back to that topic.
   */
  default Optional<DeadLetterReentry> reentry(ServiceConfig config,
      org.apache.kafka.clients.producer.Producer<byte[], byte[]> producer) {
    return Optional.empty();
  }

  /** Every service on the class path. */
  static List<ServiceFactory> all() {
    return ServiceLoader.load(ServiceFactory.class).stream().map(ServiceLoader.Provider::get)
        .sorted(java.util.Comparator.comparing(ServiceFactory::name)).collect(Collectors.toList());
  }

  static Optional<ServiceFactory> named(String name) {
    return all().stream().filter(f -> f.name().equals(name)).findFirst();
  }
}
