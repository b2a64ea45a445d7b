package dev.whodrove.ingest.teleport;

import dev.whodrove.runtime.ManagedService;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceFactory;

/** Makes the ingest-teleport service findable by {@code whodrove run ingest-teleport} and the container entry point. */
public final class IngestTeleportServiceFactory implements ServiceFactory {
  @Override
  public String name() {
    return "ingest-teleport";
  }

  @Override
  public int defaultHttpPort() {
    return 9401;
  }

  @Override
  public ManagedService create(ServiceContext ctx) {
    return new IngestTeleportService(ctx);
  }
}
