package dev.whodrove.ingest.gcp;

import dev.whodrove.runtime.DeadLetterReentry;
import dev.whodrove.runtime.ManagedService;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceFactory;
import java.util.Optional;
import org.apache.kafka.clients.producer.Producer;

/** Makes the ingest-gcp service findable by {@code whodrove run ingest-gcp} and the container entry point. */
public final class IngestGcpServiceFactory implements ServiceFactory {
  static final String NAME = "ingest-gcp";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String keyPrefix() {
    return IngestGcpService.PREFIX;
  }

  @Override
  public int defaultHttpPort() {
    return 9402;
  }

  @Override
  public ManagedService create(ServiceContext ctx) {
    return new IngestGcpService(ctx);
  }

  @Override
  public Optional<DeadLetterReentry> reentry(ServiceConfig config, Producer<byte[], byte[]> producer) {
    return Optional.of(new GcpReentry(config.withRenamedKeys(name(), renamedKeys()), producer));
  }
}
