package dev.whodrove.correlator;

import dev.whodrove.runtime.ManagedService;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.ServiceFactory;

/** Makes the correlator findable by {@code whodrove run correlator} and the container entry point. */
public final class CorrelatorServiceFactory implements ServiceFactory {
  @Override
  public String name() {
    return CorrelatorService.NAME;
  }

  @Override
  public String keyPrefix() {
    return CorrelatorConfig.PREFIX;
  }

  @Override
  public int defaultHttpPort() {
    return CorrelatorService.HTTP_PORT;
  }

  @Override
  public ManagedService create(ServiceContext ctx) {
    return new CorrelatorService(ctx);
  }
}
