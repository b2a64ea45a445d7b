package dev.whodrove.ingest.gcp;

import dev.whodrove.runtime.ManagedService;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceFactory;

/** Makes the ingest-gcp service findable by {@code whodrove run ingest-gcp} and the container entry point. */
public final class IngestGcpServiceFactory implements ServiceFactory {
  @Override
  public String name() {
    return "ingest-gcp";
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
}
