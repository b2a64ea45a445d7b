package dev.whodrove.kafka.embedded;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension giving tests a real Kafka broker: one broker per test run (started on first use, stopped when the
 * run ends), so test classes share it. Inject it as a parameter of type {@link EmbeddedKafkaBroker}; give each test
 * its own topics or consumer groups.
 */
public final class EmbeddedKafkaExtension implements ParameterResolver {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(EmbeddedKafkaExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext pc, ExtensionContext ec) {
    return pc.getParameter().getType() == EmbeddedKafkaBroker.class;
  }

  @Override
  public Object resolveParameter(ParameterContext pc, ExtensionContext ec) throws ParameterResolutionException {
    return ec.getRoot().getStore(NS)
        .getOrComputeIfAbsent("broker", k -> new Holder(EmbeddedKafkaBroker.start()), Holder.class).broker;
  }

  /** Closed by JUnit when the root context (the whole run) ends. */
  private record Holder(EmbeddedKafkaBroker broker) implements ExtensionContext.Store.CloseableResource {
    @Override
    public void close() {
      broker.close();
    }
  }
}
