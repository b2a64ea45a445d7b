package dev.whodrove.ingest.teleport;

import dev.whodrove.runtime.DeadLetterReentry;
import dev.whodrove.runtime.ManagedService;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceFactory;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.Producer;

/** Makes the ingest-teleport service findable by {@code whodrove run ingest-teleport} and the container entry point. */
public final class IngestTeleportServiceFactory implements ServiceFactory {
  @Override
  public String name() {
    return "ingest-teleport";
  }

  @Override
  public String keyPrefix() {
    return IngestTeleportService.PREFIX;
  }

  @Override
  public int defaultHttpPort() {
    return 9401;
  }

  @Override
  public Map<String, String> renamedKeys() {
    return IngestTeleportService.RENAMED_KEYS;
  }

  @Override
  public ManagedService create(ServiceContext ctx) {
    return new IngestTeleportService(ctx);
  }

  @Override
  public Optional<DeadLetterReentry> reentry(ServiceConfig config, Producer<byte[], byte[]> producer) {
    return Optional.of(new TeleportReentry(config.withRenamedKeys(name(), renamedKeys()), producer));
  }
}
